//! The webhook signature check a receiver runs (custos-client): any `Custos-Signature` header
//! and body is refused unless it was made with the secret, within five minutes; a signature
//! made by the sender's own code always checks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("a valid time");
    let (header, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(header) = std::str::from_utf8(header) else {
        return;
    };
    let secret = "whsec_fuzz";
    if custos_client::verify_signature(header, body, secret, now).is_ok() {
        // Only a header carrying the right MAC can pass: re-signing must give the same MAC.
        let Ok(text) = std::str::from_utf8(body) else {
            panic!("a signature over a body the sender cannot have sent checked");
        };
        let times: Vec<&str> = header
            .split(',')
            .filter_map(|p| p.trim().strip_prefix("t="))
            .collect();
        assert_eq!(times.len(), 1, "a checked header names one time");
        let t = times[0].parse::<i64>().expect("a checked header's time is a number");
        let made = custos::outbox::signature(secret, t, text);
        let mac = made.split_once(",v1=").map(|(_, m)| m).unwrap_or("");
        assert!(header.to_ascii_lowercase().contains(mac));
    }
    // What the sender signs, the receiver accepts.
    if let Ok(text) = std::str::from_utf8(body) {
        let sig = custos::outbox::signature(secret, now.unix_timestamp(), text);
        assert!(custos_client::verify_signature(&sig, body, secret, now).is_ok());
    }
});
