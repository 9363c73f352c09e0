//! TODO: ramjet, cedar-policy, regorus, the reference interpreter and the limit in one run.
fn main() {}
