//! Problem bodies (RFC 9457) as the client library reads them from a server it may not trust:
//! any JSON, and what parses must survive a round trip unchanged.
#![no_main]

use custos_api::Problem;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = serde_json::from_slice::<Problem>(data) {
        let text = serde_json::to_vec(&p).expect("a problem serialises");
        let again: Problem = serde_json::from_slice(&text).expect("and parses again");
        assert_eq!(serde_json::to_value(&again).ok(), serde_json::to_value(&p).ok());
    }
    for status in [400, 404, 409, 412, 422, 429, 503] {
        let _ = custos_client::problem_of(status, data).to_string();
    }
});
