//! A customer export as uploaded: the CSV reader (BOM, separators, quoting, line numbers), the
//! layout detection of its header line, a generic CSV's column mapping, and each cell as the
//! import turns it into a catalog value. Every value the import accepts must validate again to
//! itself (what is stored is already normal).
#![no_main]

use custos_core::catalog::{template, validate_value};
use custos_core::import::{clean_cell, CsvFile, Layout};
use custos_core::importing::{cell_value, Mapping};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Mapping::parse(text);
    }
    let Ok(mut file) = CsvFile::open(data) else {
        return;
    };
    let Some(catalog) = template("optician", "DE") else {
        return;
    };
    let layout = Layout::detect(&file.headers);
    let headers = file.headers.clone();
    let mut last_line = 0;
    let mut rows = 0;
    while let Some(row) = file.next_row() {
        rows += 1;
        let Ok(row) = row else { continue };
        assert!(row.line > last_line, "line numbers go forward");
        last_line = row.line;
        for (cell, column) in row.cells.iter().zip(&headers) {
            let value = clean_cell(cell);
            if value.is_empty() {
                continue;
            }
            // The known layout's field, else a generic CSV mapped by the column's own name.
            let field = layout
                .and_then(|l| l.field_of(column))
                .unwrap_or(column.as_str());
            let Some(def) = catalog.fields.iter().find(|d| d.name == field) else {
                continue;
            };
            if let Ok(v) = cell_value(def, value, column, "DE") {
                let again = validate_value(def, &v, "DE");
                assert_eq!(again.ok().as_ref(), Some(&v), "{field}: a stored value is normal");
            }
        }
        if rows > 10_000 {
            break;
        }
    }
});
