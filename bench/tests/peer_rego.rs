//! The Rego translation decides every benchmark request as ramjet does, on several seeds and
//! with filler, and refuses what it cannot translate.
#![cfg(feature = "peers")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failure

use ramjet_bench::peers::disagreements;
use ramjet_bench::peers::rego::RegoPeer;
use ramjet_bench::workload;

#[test]
fn rego_agrees_with_ramjet_on_every_request() {
    for (policies, statements, filler, requests, seed) in [
        (10, 10, 0, 1024, 7),
        (10, 10, 0, 512, 1),
        (10, 10, 0, 512, 2),
        (10, 10, 0, 512, 3),
        (10, 10, 900, 256, 7),
    ] {
        let w = workload(policies, statements, filler, requests, seed);
        let mut peer = RegoPeer::new(&w).unwrap();
        let found = disagreements(&mut peer, &w);
        assert!(
            found.is_empty(),
            "seed {seed}: {} disagreements, first: {:?}",
            found.len(),
            found.first()
        );
    }
}

#[test]
fn rego_refuses_what_it_cannot_translate() {
    let mut w = workload(1, 2, 0, 1, 7);
    w.documents[0].1["Statement"][0] =
        serde_json::json!({"Effect": "Allow", "Action": "eas:*", "NotResource": "acs:eas:*:*:x"});
    let error = RegoPeer::new(&w).err().unwrap();
    assert!(error.contains("NotResource"), "{error}");
    w.documents[0].1["Statement"][0] = serde_json::json!({"Effect": "Allow", "Action": "eas:*",
        "Resource": "*", "Condition": {"StringEqualsIgnoreCase": {"acs:UserAgent": "x"}}});
    let error = RegoPeer::new(&w).err().unwrap();
    assert!(error.contains("StringEqualsIgnoreCase"), "{error}");
    w.documents[0].1["Statement"][0] = serde_json::json!({"Effect": "Allow", "Action": "eas:*",
        "Resource": "*", "Condition": {"ForAnyValue:StringEquals": {"acs:TagKeys": "x"}}});
    let error = RegoPeer::new(&w).err().unwrap();
    assert!(error.contains("ForAnyValue"), "{error}");
}
