//! The archive inside a backup, after decryption: tar headers, entry names (no path may leave
//! the restore dir, only the files a backup holds may appear), the manifest and its checksums.
#![no_main]

use libfuzzer_sys::fuzz_target;

fn files_under(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                files_under(root, &p, out);
            } else if let Ok(rel) = p.strip_prefix(root) {
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let into = dir.path().join("restore");
    if std::fs::create_dir(&into).is_err() {
        return;
    }
    let _ = custos::backup::unpack(data, &into);
    let mut written = Vec::new();
    files_under(dir.path(), dir.path(), &mut written);
    for w in &written {
        let name = w.strip_prefix("restore/").unwrap_or("");
        assert!(
            custos::backup::FILES.contains(&name),
            "only a backup's own files are written, and only into the restore dir: {w}"
        );
    }
});
