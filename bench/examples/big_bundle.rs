//! Writes a large bundle directory for load tests of `ramjet serve`: the corpus bundle
//! (`corpus/bundle`, so the load generator's calls decide as they do there) plus USERS users of
//! its account, each with 10 policies of 10 catalog-driven statements ([`many_user_documents`]).
//!
//! ```text
//! cargo run --release -p ramjet-bench --example big_bundle -- OUT_DIR 1000   # 100,000 statements
//! ```
//!
//! [`many_user_documents`]: ramjet_bench::many_user_documents
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // benchmark harness: a panic is a broken setup

use serde_json::Value;
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out, users] = args.as_slice() else {
        panic!("usage: big_bundle OUT_DIR USERS");
    };
    let users: usize = users.parse().expect("USERS is a number");
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/bundle");
    let out = Path::new(out);
    std::fs::create_dir_all(out.join("policies")).unwrap();
    for entry in std::fs::read_dir(corpus.join("policies")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), out.join("policies").join(entry.file_name())).unwrap();
    }
    let mut bundle: Value =
        serde_json::from_slice(&std::fs::read(corpus.join("bundle.json")).unwrap()).unwrap();
    let account_users = bundle["accounts"][ramjet_bench::ACCOUNT]["users"]
        .as_object_mut()
        .unwrap();
    let mut statements = 0;
    for (user, documents) in ramjet_bench::many_user_documents(users, 10, 10, 7) {
        let mut names = Vec::new();
        for (name, document) in documents {
            statements += document["Statement"].as_array().unwrap().len();
            std::fs::write(
                out.join("policies").join(format!("{name}.json")),
                serde_json::to_vec_pretty(&document).unwrap(),
            )
            .unwrap();
            names.push(Value::String(name));
        }
        account_users.insert(user, serde_json::json!({"policies": names, "groups": []}));
    }
    std::fs::write(
        out.join("bundle.json"),
        serde_json::to_vec_pretty(&bundle).unwrap(),
    )
    .unwrap();
    println!(
        "{}: the corpus bundle and {users} users with {statements} statements",
        out.display()
    );
}
