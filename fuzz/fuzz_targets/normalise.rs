//! The normalisation behind storage and search, on text as people type it: e-mail addresses,
//! phone numbers (in the countries custos ships templates for), name words and their index
//! prefixes, customer numbers, the card-number detector, masking and the spreadsheet defuser.
//! Each normal form must be stable: parsing it again gives it back.
#![no_main]

use custos_core::import::{birthday, consent_value};
use custos_core::values::{
    contains_card_number, defuse, mask_email, mask_phone, mask_text, name_words, query_prefix,
    word_prefixes, CustomerNumber, Email, Phone, MAX_PREFIX,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(e) = Email::parse(s) {
        let again = Email::parse(e.as_str()).expect("a normal address parses");
        assert_eq!(again.as_str(), e.as_str());
        assert_eq!(e.search_key(), e.search_key().to_lowercase());
        let _ = mask_email(e.as_str());
    }
    for country in ["DE", "PL", "GB", "US"] {
        if let Ok(p) = Phone::parse(s, country) {
            assert!(p.as_str().starts_with('+'), "E.164: {}", p.as_str());
            let again = Phone::parse(p.as_str(), country).expect("E.164 parses");
            assert_eq!(again.as_str(), p.as_str());
            let _ = mask_phone(p.as_str());
        }
    }
    let words = name_words(s);
    for w in &words {
        assert!(!w.is_empty() && w.bytes().all(|b| b.is_ascii_alphanumeric()), "{w:?}");
        assert_eq!(name_words(w), vec![w.clone()], "a folded word folds to itself");
        for p in word_prefixes(w) {
            assert!(w.starts_with(&p) && p.len() <= MAX_PREFIX);
        }
        assert!(w.starts_with(query_prefix(w)));
    }
    if let Some(n) = CustomerNumber::parse(s) {
        assert_eq!(CustomerNumber::parse(&n.to_string()), Some(n));
    }
    let _ = contains_card_number(s);
    let _ = mask_text(s);
    let _ = mask_phone(s);
    let _ = mask_email(s);
    let d = defuse(s);
    assert!(d.ends_with(s));
    if let Ok(b) = birthday(s) {
        assert_eq!(birthday(&b).as_ref(), Ok(&b), "a stored birthday reads as itself");
    }
    let _ = consent_value(s);
});
