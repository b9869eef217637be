//! A backup file as handed to `custos backup restore` or `verify`: the age envelope (header,
//! stanzas, MAC, payload chunks), then the archive inside. Nothing but an error may come of
//! bytes that are not a backup made for this identity, and nothing is written but into the
//! scratch dir.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn identity() -> &'static age::x25519::Identity {
    static ID: OnceLock<age::x25519::Identity> = OnceLock::new();
    ID.get_or_init(age::x25519::Identity::generate)
}

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let file = dir.path().join("backup.age");
    if std::fs::write(&file, data).is_err() {
        return;
    }
    let into = dir.path().join("restore");
    if std::fs::create_dir(&into).is_err() {
        return;
    }
    let result = custos::backup::extract(&file, std::slice::from_ref(identity()), &into, false);
    assert!(result.is_err(), "bytes no one encrypted are never a backup");
});
