//! Reading the customer lists other systems export: Shopify in each of its layouts, Fresha's
//! client list, Square's customer export. This module only reads and normalises: which layout a
//! file has, which column becomes which catalog field, what a cell really says (a spreadsheet's
//! leading apostrophe, a birthday without a year, "Subscribed" for yes), and each row with its
//! line number in the file. Storing, matching and resuming are in `importing`.

/// Where a file comes from, as told by its header line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Shopify before 2022: `Accepts Marketing`, `Address1`.
    Shopify2018,
    /// Shopify 2022: e-mail and SMS consent apart, no customer id.
    Shopify2022,
    /// Shopify 2023: `Customer ID` first, `Address1` columns.
    Shopify2023,
    /// Shopify now: `Default Address …` columns, WhatsApp consent, metafield columns.
    Shopify2024,
    /// Fresha's client list.
    Fresha,
    /// Square's customer export.
    Square,
}

impl Layout {
    /// The layout of a header line, if it is one of the known exports.
    pub fn detect(headers: &[String]) -> Option<Layout> {
        let has = |name: &str| headers.iter().any(|h| h == name);
        if has("Square Customer ID") && has("Reference ID") {
            Some(Layout::Square)
        } else if has("Client ID") && has("Full Name") {
            Some(Layout::Fresha)
        } else if has("Default Address Address1") {
            Some(Layout::Shopify2024)
        } else if has("Customer ID") && has("Address1") {
            Some(Layout::Shopify2023)
        } else if has("Accepts Email Marketing") && has("Address1") {
            Some(Layout::Shopify2022)
        } else if has("Accepts Marketing") && has("Address1") {
            Some(Layout::Shopify2018)
        } else {
            None
        }
    }

    /// The catalog field a column fills, if any.
    pub fn field_of(self, column: &str) -> Option<&'static str> {
        let shopify = |c: &str| -> Option<&'static str> {
            Some(match c {
                "First Name" => "first_name",
                "Last Name" => "last_name",
                "Email" => "email",
                "Phone" | "Default Address Phone" => "phone",
                "Address1" | "Default Address Address1" => "street",
                "Zip" | "Default Address Zip" => "postal_code",
                "City" | "Default Address City" => "city",
                "Country Code" | "Default Address Country Code" => "country",
                "Note" => "note",
                _ => return None,
            })
        };
        match self {
            Layout::Shopify2018
            | Layout::Shopify2022
            | Layout::Shopify2023
            | Layout::Shopify2024 => shopify(column),
            Layout::Fresha => Some(match column {
                "First Name" => "first_name",
                "Last Name" => "last_name",
                "Email" => "email",
                "Mobile Number" => "phone",
                "Address" => "street",
                "City" => "city",
                "Post Code" => "postal_code",
                "Date of Birth" => "birth_date",
                "Note" => "note",
                _ => return None,
            }),
            Layout::Square => Some(match column {
                "First Name" => "first_name",
                "Last Name" => "last_name",
                "Email Address" => "email",
                "Phone Number" => "phone",
                "Street Address 1" => "street",
                "City" => "city",
                "Postal Code" => "postal_code",
                "Birthday" => "birth_date",
                "Memo" => "note",
                _ => return None,
            }),
        }
    }

    /// The column holding the other system's own id of the customer (matched on re-import).
    pub fn external_id_column(self) -> Option<&'static str> {
        match self {
            Layout::Shopify2023 | Layout::Shopify2024 => Some("Customer ID"),
            Layout::Fresha => Some("Client ID"),
            Layout::Square => Some("Square Customer ID"),
            Layout::Shopify2018 | Layout::Shopify2022 => None,
        }
    }
}

/// What a cell really says: trimmed, without the apostrophe spreadsheets put before numbers
/// and dates to keep them as text.
pub fn clean_cell(cell: &str) -> &str {
    let t = cell.trim();
    t.strip_prefix('\'').map_or(t, str::trim)
}

/// A consent cell: `Some(true)` for yes/subscribed, `Some(false)` for no/unsubscribed, `None`
/// for unknown or empty (nothing to record).
pub fn consent_value(cell: &str) -> Option<bool> {
    match clean_cell(cell).to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "subscribed" | "opted_in" | "ja" | "tak" => Some(true),
        "no" | "n" | "false" | "0" | "unsubscribed" | "not_subscribed" | "opted_out" | "nein"
        | "nie" => Some(false),
        _ => None,
    }
}

/// A birthday as exports write it: `YYYY-MM-DD`, or `MM-DD` (or ISO's `--MM-DD`) without the
/// year (Square lets a customer keep the year to themselves), as `YYYY-MM-DD` or `--MM-DD`.
pub fn birthday(cell: &str) -> Result<String, String> {
    let c = clean_cell(cell);
    // ISO 8601's own form without the year, as custos writes it.
    let (c, yearless) = match c.strip_prefix("--") {
        Some(rest) => (rest, true),
        None => (c, false),
    };
    let parts: Vec<&str> = c.split('-').collect();
    let num = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    let (year, month, day) = match parts.as_slice() {
        [y, m, d] if !yearless && num(y, 4) && num(m, 2) && num(d, 2) => (Some(*y), *m, *d),
        [m, d] if num(m, 2) && num(d, 2) => (None, *m, *d),
        _ => return Err("is not a date (YYYY-MM-DD or MM-DD)".into()),
    };
    // The messages never repeat the value: a report names lines and columns, not people.
    let m: u8 = month.parse().map_err(|_| "has no valid month".to_owned())?;
    let d: u8 = day.parse().map_err(|_| "has no valid day".to_owned())?;
    let y: i32 = year
        .map_or(Ok(2000), str::parse)
        .map_err(|_| "has no valid year".to_owned())?;
    let month = time::Month::try_from(m).map_err(|_| "has no valid month".to_owned())?;
    time::Date::from_calendar_date(y, month, d)
        .map_err(|_| "is no day of the calendar".to_owned())?;
    Ok(match year {
        Some(y) => format!("{y}-{m:02}-{d:02}"),
        None => format!("--{m:02}-{d:02}"),
    })
}

/// One data row of a file, with the line it starts on (1 is the header line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub cells: Vec<String>,
}

/// The line breaks in a stretch of a file as the CSV reader sees them: CRLF, LF, or a lone CR
/// (the line end of spreadsheets saved as "CSV (Macintosh)"). A stretch never ends between the
/// CR and LF of one break: it ends after a run of line-end bytes.
fn line_breaks(bytes: &[u8]) -> u64 {
    let mut n = 0;
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'\n' => n += 1,
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => n += 1,
            _ => {}
        }
    }
    n
}

/// A CSV export read row by row: UTF-8 with or without a byte-order mark, CRLF or LF, quoted
/// cells holding commas, quotes and line breaks. Rows with nothing in them are skipped; a row
/// that is not UTF-8 is answered as an error of its own line, and reading goes on.
pub struct CsvFile<'a> {
    bytes: &'a [u8],
    reader: csv::Reader<&'a [u8]>,
    record: csv::ByteRecord,
    /// The header line's cells, trimmed.
    pub headers: Vec<String>,
    counted_to: usize,
    line: u64,
}

impl<'a> CsvFile<'a> {
    /// Reads the header line.
    pub fn open(bytes: &'a [u8]) -> Result<Self, String> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(bytes);
        let headers = reader
            .byte_headers()
            .map_err(|e| format!("the header line: {e}"))?
            .iter()
            .map(|h| {
                std::str::from_utf8(h)
                    .map(|h| h.trim().to_owned())
                    .map_err(|_| {
                        "the header line is not UTF-8 text (save the file as UTF-8)".to_owned()
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if headers.iter().all(String::is_empty) {
            return Err("the file has no header line".into());
        }
        Ok(CsvFile {
            bytes,
            reader,
            record: csv::ByteRecord::new(),
            headers,
            counted_to: 0,
            line: 1,
        })
    }

    /// How far into the file reading has come, in bytes.
    pub fn position(&self) -> u64 {
        self.reader.position().byte()
    }

    /// The file's length in bytes.
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The next row with something in it: `Ok(row)`, or `Err((line, reason))` for a row that
    /// cannot be read; `None` at the end, or after a fault that stops reading.
    pub fn next_row(&mut self) -> Option<Result<Row, (u64, String)>> {
        loop {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => return None,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map_or(self.line, |p| p.line());
                    // The reader cannot go on after an I/O or header fault; a bad row of
                    // UTF-8 cannot happen with byte records.
                    self.record.clear();
                    return Some(Err((line, format!("cannot be read: {e}"))));
                }
            }
            // The line the record's first cell is on, counted incrementally: the reader's
            // position is the record's start (maybe the previous line's end).
            let start = self
                .record
                .position()
                .map_or(self.counted_to, |p| {
                    usize::try_from(p.byte()).unwrap_or(usize::MAX)
                })
                .min(self.bytes.len());
            let mut at = start;
            while at < self.bytes.len() && matches!(self.bytes[at], b'\r' | b'\n') {
                at += 1;
            }
            if at >= self.counted_to {
                self.line += line_breaks(&self.bytes[self.counted_to..at]);
                self.counted_to = at;
            }
            let line = self.line;
            if self.record.iter().all(|c| c.trim_ascii().is_empty()) {
                continue;
            }
            let cells: Result<Vec<String>, _> = self
                .record
                .iter()
                .map(|c| std::str::from_utf8(c).map(str::to_owned))
                .collect();
            return Some(match cells {
                Ok(cells) => Ok(Row { line, cells }),
                Err(_) => Err((
                    line,
                    "is not UTF-8 text (save the file as UTF-8 and import it again)".into(),
                )),
            });
        }
    }
}

/// The header and all rows of a CSV export (see `CsvFile`); the first unreadable row fails it.
pub fn read_csv(bytes: &[u8]) -> Result<(Vec<String>, Vec<Row>), String> {
    let mut file = CsvFile::open(bytes)?;
    let mut rows = Vec::new();
    while let Some(row) = file.next_row() {
        rows.push(row.map_err(|(line, e)| format!("line {line}: {e}"))?);
    }
    Ok((file.headers, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_of(file: &str) -> Option<Vec<String>> {
        let text = std::fs::read_to_string(format!(
            "{}/../../../shared/formats/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .ok()?;
        Some(read_csv(text.as_bytes()).ok()?.0)
    }

    fn lines_of(file: &[u8]) -> Vec<u64> {
        let mut f = CsvFile::open(file).unwrap();
        let mut lines = Vec::new();
        while let Some(r) = f.next_row() {
            lines.push(r.unwrap().line);
        }
        lines
    }

    #[test]
    fn rows_are_numbered_by_their_line_whatever_the_line_ends() {
        assert_eq!(
            lines_of(b"First Name,Email\nAnna,a@x.de\nBob,b@x.de\n"),
            [2, 3]
        );
        assert_eq!(
            lines_of(b"First Name,Email\r\nAnna,a@x.de\r\n\r\nBob,b@x.de"),
            [2, 4]
        );
        // A lone CR ends a line ("CSV (Macintosh)"): found by the csv_import fuzz target,
        // which saw two rows numbered alike.
        assert_eq!(
            lines_of(b"First Name,Email\rAnna,a@x.de\rBob,b@x.de\r"),
            [2, 3]
        );
        assert_eq!(
            lines_of(b"First Name,Email\r\nAnna,a@x.de\rBob,b@x.de\nCem,c@x.de"),
            [2, 3, 4]
        );
        // A quoted line break is one line of the file, inside one row.
        assert_eq!(
            lines_of(b"First Name,Note\nAnna,\"two\r\nlines\"\nBob,x\n"),
            [2, 4]
        );
    }

    #[test]
    fn layouts_are_told_apart_by_their_headers() {
        let square: Vec<String> = "Reference ID,First Name,Last Name,Email Address,Phone Number,Nickname,Company Name,Street Address 1,Street Address 2,City,State,Postal Code,Birthday,Memo,Square Customer ID,Creation Source,First Visit,Last Visit,Transaction Count,Lifetime Spend,Email Subscription Status,Instant Profile,Blocked from online booking"
            .split(',').map(str::to_owned).collect();
        assert_eq!(Layout::detect(&square), Some(Layout::Square));
        let s2018: Vec<String> = "First Name,Last Name,Email,Company,Address1,Address2,City,Province,Province Code,Country,Country Code,Zip,Phone,Accepts Marketing,Total Spent,Total Orders,Tags,Note,Tax Exempt"
            .split(',').map(str::to_owned).collect();
        assert_eq!(Layout::detect(&s2018), Some(Layout::Shopify2018));
        let s2023: Vec<String> = "Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Company,Address1,Address2,City,Province,Province Code,Country,Country Code,Zip,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,Tax Exempt,Tags"
            .split(',').map(str::to_owned).collect();
        assert_eq!(Layout::detect(&s2023), Some(Layout::Shopify2023));
        assert_eq!(Layout::detect(&["Name".into(), "Mail".into()]), None);
        // The real header lines, where the shared formats are at hand.
        for (file, layout) in [
            (
                "shopify_customers_export_2022.header.csv",
                Layout::Shopify2022,
            ),
            (
                "shopify_customers_export_2024plus.header.csv",
                Layout::Shopify2024,
            ),
            ("fresha_export_customer_list.header.csv", Layout::Fresha),
        ] {
            if let Some(h) = header_of(file) {
                assert_eq!(Layout::detect(&h), Some(layout), "{file}");
            }
        }
    }

    #[test]
    fn what_real_files_hold_is_read_as_meant() {
        let file = "\u{FEFF}Customer ID,First Name,Last Name,Email,Phone,Address1,Zip,City,Country Code,Note,Total Spent,Accepts Email Marketing\r\n\
            '7001,Zofia,Wójcik,zofia@example.org,'601 234 567,\"ul. Długa 5, m. 3\",00-950,Warszawa,PL,\"likes \"\"green\"\"\r\nsecond line\",12.50,yes\r\n\
            ,,,,,,,,,,,\r\n\
            7002,Jan,,jan@example.org,,,,,,,,no\r\n";
        let (headers, rows) = read_csv(file.as_bytes()).unwrap();
        assert_eq!(headers[0], "Customer ID", "the byte-order mark is gone");
        assert_eq!(rows.len(), 2, "the empty row is skipped");
        assert_eq!(
            (rows[0].line, rows[1].line),
            (2, 5),
            "lines count the quoted line break"
        );
        assert_eq!(
            rows[0].cells[0], "'7001",
            "cells as written; cleaning comes later"
        );
        assert_eq!(clean_cell(&rows[0].cells[0]), "7001");
        assert_eq!(rows[0].cells[9], "likes \"green\"\r\nsecond line");
        assert_eq!(rows[0].cells[5], "ul. Długa 5, m. 3");
        assert_eq!(Layout::detect(&headers), Some(Layout::Shopify2023));
        assert_eq!(Layout::Shopify2023.field_of("Zip"), Some("postal_code"));
        assert_eq!(Layout::Shopify2023.field_of("Total Spent"), None);
        // A row that is not UTF-8 is an error of its own line; reading goes on.
        let bytes = b"A,B\n\xfc,x\nok,y\n";
        let mut f = CsvFile::open(bytes).unwrap();
        assert!(matches!(f.next_row(), Some(Err((2, _)))));
        assert_eq!(f.next_row().unwrap().unwrap().cells, vec!["ok", "y"]);
        assert!(f.next_row().is_none());
    }

    #[test]
    fn cells_consents_and_birthdays() {
        assert_eq!(clean_cell("  '0049 170 1234567 "), "0049 170 1234567");
        for (cell, want) in [
            ("Yes", Some(true)),
            ("subscribed", Some(true)),
            ("No", Some(false)),
            ("Unsubscribed", Some(false)),
            ("Unknown", None),
            ("", None),
        ] {
            assert_eq!(consent_value(cell), want, "{cell}");
        }
        assert_eq!(birthday("1985-04-12").unwrap(), "1985-04-12");
        assert_eq!(birthday("'04-12").unwrap(), "--04-12");
        assert_eq!(birthday("--04-12").unwrap(), "--04-12");
        assert_eq!(
            birthday("02-29").unwrap(),
            "--02-29",
            "a leap day without a year"
        );
        for bad in [
            "1985-02-30",
            "13-01",
            "12.04.1985",
            "1985-4-12",
            "soon",
            "----04-12",
            "--1985-04-12",
        ] {
            assert!(birthday(bad).is_err(), "{bad}");
        }
    }
}
