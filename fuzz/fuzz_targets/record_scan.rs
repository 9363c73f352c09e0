//! `record_scan`: the audit's one-pass record reader against serde_json. For any text (and for
//! the text with a sample record's members spliced in front, so that most inputs are near
//! records): whatever the one-pass reader reads, serde_json reads the same record from; what it
//! cannot read it leaves to serde_json (which then gives the value or the exact error).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ramjet_audit::internals::one_pass_agrees_with_serde;

const PREFIX: &str = r#"{"eventName": "CreateService", "serviceName": "Eas", "userIdentity": {"type": "ram-user", "accountId": "1", "userName": "a"}, "#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for json in [text.to_string(), format!("{PREFIX}{text}")] {
        if let Err(difference) = one_pass_agrees_with_serde(&json) {
            panic!("{json:?}\n{difference}");
        }
    }
});
