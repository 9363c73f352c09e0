//! `ramjet serve --bundle-url`: bundles fetched from a real HTTP server on loopback, as OPA's
//! bundle service serves them. The server counts what it is asked and answers `If-None-Match`
//! with 304; the service swaps in what it fetches, keeps the last good bundle when an archive is
//! broken, unsigned or signed by another key, or the server fails, and says so through the admin
//! endpoint and the metrics.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failure

mod common;

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use common::*;
use ed25519_dalek::pkcs8::EncodePublicKey;
use ed25519_dalek::{Signer, SigningKey};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

/// What the bundle server serves, and what it was asked.
#[derive(Default)]
struct Served {
    archive: Vec<u8>,
    etag: String,
    signature: Option<Vec<u8>>,
    /// 200 to serve; anything else is answered as is.
    status: u16,
    /// The `If-None-Match` of every archive request.
    if_none_match: Vec<Option<String>>,
}

/// A bundle server on a loopback port, on its own runtime thread.
struct BundleServer {
    served: Arc<Mutex<Served>>,
    url: String,
}

impl BundleServer {
    fn start() -> BundleServer {
        let served = Arc::new(Mutex::new(Served {
            status: 200,
            ..Served::default()
        }));
        let state = served.clone();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let app = axum::Router::new()
                    .route("/b/bundle.tar.gz", axum::routing::get(archive))
                    .route("/b/bundle.tar.gz.sig", axum::routing::get(signature))
                    .with_state(state);
                axum::serve(listener, app).await.unwrap();
            });
        });
        let addr = addr_rx.recv().unwrap();
        BundleServer {
            served,
            url: format!("http://{addr}/b/bundle.tar.gz"),
        }
    }

    fn serve(&self, archive: Vec<u8>, etag: &str, signature: Option<Vec<u8>>) {
        let mut served = self.served.lock().unwrap();
        served.archive = archive;
        served.etag = etag.to_string();
        served.signature = signature;
        served.status = 200;
    }
}

async fn archive(
    axum::extract::State(served): axum::extract::State<Arc<Mutex<Served>>>,
    headers: HeaderMap,
) -> axum::response::Response {
    let mut served = served.lock().unwrap();
    let asked = headers
        .get("if-none-match")
        .map(|v| v.to_str().unwrap().to_string());
    served.if_none_match.push(asked.clone());
    if served.status != 200 {
        return StatusCode::from_u16(served.status).unwrap().into_response();
    }
    if asked.as_deref() == Some(served.etag.as_str()) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    ([("etag", served.etag.clone())], served.archive.clone()).into_response()
}

async fn signature(
    axum::extract::State(served): axum::extract::State<Arc<Mutex<Served>>>,
) -> axum::response::Response {
    match &served.lock().unwrap().signature {
        Some(signature) => signature.clone().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A gzipped tar archive of a bundle directory, as `tar -czf` makes it.
fn archive_of(dir: &Path) -> Vec<u8> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(encoder);
    builder
        .append_path_with_name(dir.join("bundle.json"), "bundle.json")
        .unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("policies"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        let name = format!("policies/{}", file.file_name().unwrap().to_str().unwrap());
        builder.append_path_with_name(&file, name).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// The corpus bundle with alice's listing policy turned into a Deny.
fn denying_bundle(name: &str) -> PathBuf {
    let dir = bundle_copy(name);
    std::fs::write(
        dir.join("policies/EasListServices.json"),
        r#"{"Version": "1", "Statement": [{"Effect": "Deny", "Action": "eas:ListServices", "Resource": "*"}]}"#,
    )
    .unwrap();
    dir
}

fn metric(service: &Service, name: &str) -> f64 {
    parse_metrics(&service.get("/metrics").body)
        .iter()
        .filter(|(n, _)| n.starts_with(name))
        .map(|(_, v)| v)
        .sum()
}

#[test]
fn fetched_bundles_are_swapped_in_only_when_new_and_signed() {
    let key = SigningKey::from_bytes(&[7; 32]);
    let other_key = SigningKey::from_bytes(&[9; 32]);
    let public_key = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-fetch-key.pem");
    std::fs::write(
        &public_key,
        key.verifying_key()
            .to_public_key_pem(Default::default())
            .unwrap(),
    )
    .unwrap();
    let sign = |key: &SigningKey, bytes: &[u8]| key.sign(bytes).to_bytes().to_vec();

    let server = BundleServer::start();
    let denying = archive_of(&denying_bundle("fetch-deny"));
    server.serve(denying.clone(), "\"deny\"", Some(sign(&key, &denying)));
    // Polled every hour: after the first fetch, only the admin endpoint fetches.
    let service = Service::start_with(
        &corpus().join("bundle"),
        &[
            "--bundle-url",
            &server.url,
            "--bundle-poll",
            "3600",
            "--bundle-public-key",
            public_key.to_str().unwrap(),
            "--admin",
            "127.0.0.1:0",
        ],
    );
    // The first fetch swaps the denying bundle in.
    let fetched = wait_for_revision(&service, 2);
    assert_eq!(fetched.revision, Some(2), "{}", fetched.body);
    assert!(
        fetched.body.contains("\"ExplicitDeny\""),
        "{}",
        fetched.body
    );

    // Asked again: the server answers 304 to the ETag it gave.
    let (status, body) = admin_reload(&service);
    assert_eq!(
        (status, body["result"].as_str()),
        (200, Some("unchanged")),
        "{body}"
    );
    assert_eq!(body["revision"], 2);
    let asked = server.served.lock().unwrap().if_none_match.clone();
    assert_eq!(asked.first(), Some(&None), "{asked:?}");
    assert_eq!(
        asked.last(),
        Some(&Some("\"deny\"".to_string())),
        "{asked:?}"
    );

    // A new archive with the old signature, then one signed by another key: refused.
    let allowing = archive_of(&bundle_copy("fetch-allow"));
    for signature in [sign(&key, &denying), sign(&other_key, &allowing)] {
        server.serve(allowing.clone(), "\"allow\"", Some(signature));
        let (status, body) = admin_reload(&service);
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["revision"], 2);
        assert!(
            body["error"].as_str().unwrap().contains("does not verify"),
            "{body}"
        );
    }
    // No signature at all: refused.
    server.serve(allowing.clone(), "\"allow\"", None);
    let (status, body) = admin_reload(&service);
    assert_eq!(status, 422, "{body}");
    assert!(body["error"].as_str().unwrap().contains(".sig"), "{body}");

    // A signed archive whose policy does not parse: refused, named under the URL.
    let broken_dir = bundle_copy("fetch-broken");
    std::fs::write(broken_dir.join("policies/PaiDeveloper.json"), "[").unwrap();
    let broken = archive_of(&broken_dir);
    server.serve(broken.clone(), "\"broken\"", Some(sign(&key, &broken)));
    let (status, body) = admin_reload(&service);
    assert_eq!(status, 422, "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(
        error.contains(&format!("{}/policies/PaiDeveloper.json", server.url)),
        "{error}"
    );

    // An archive holding something else than a bundle: refused before it is unpacked whole.
    let hostile = {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(2);
        header.set_mode(0o644);
        builder
            .append_data(&mut header, "etc/cron.d/x", &b"{}"[..])
            .unwrap();
        builder.into_inner().unwrap()
    };
    server.serve(hostile.clone(), "\"hostile\"", Some(sign(&key, &hostile)));
    let (status, body) = admin_reload(&service);
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("etc/cron.d/x"),
        "{body}"
    );

    // The server fails: the fetch fails, revision 2 keeps deciding.
    server.served.lock().unwrap().status = 503;
    let (status, body) = admin_reload(&service);
    assert_eq!(
        (status, body["result"].as_str()),
        (502, Some("failed")),
        "{body}"
    );
    assert!(body["error"].as_str().unwrap().contains("503"), "{body}");
    let kept = service.post("/v1/check", ALICE_LISTS);
    assert_eq!(kept.revision, Some(2));
    assert!(kept.body.contains("\"ExplicitDeny\""), "{}", kept.body);

    // A good, signed archive: swapped in, and alice may list again.
    server.serve(allowing.clone(), "\"allow\"", Some(sign(&key, &allowing)));
    let (status, body) = admin_reload(&service);
    assert_eq!(
        (status, body["result"].as_str()),
        (200, Some("swapped")),
        "{body}"
    );
    assert_eq!(body["revision"], 3);
    let now = service.post("/v1/check", ALICE_LISTS);
    assert_eq!(now.revision, Some(3));
    assert!(now.body.contains("\"Allow\""), "{}", now.body);

    // Every refusal and failure counted.
    assert_eq!(
        metric(&service, "ramjet_reloads_total{result=\"refused\""),
        5.0
    );
    assert_eq!(metric(&service, "ramjet_reloads_total{result=\"ok\""), 2.0);
    assert_eq!(metric(&service, "ramjet_bundle_fetch_failures_total"), 1.0);
}

#[test]
fn without_a_key_any_archive_from_the_url_decides_and_polling_follows_it() {
    let server = BundleServer::start();
    let denying = archive_of(&denying_bundle("fetch-poll-deny"));
    server.serve(denying, "\"deny\"", None);
    let service = Service::start_with(
        &corpus().join("bundle"),
        &["--bundle-url", &server.url, "--bundle-poll", "1"],
    );
    let fetched = wait_for_revision(&service, 2);
    assert!(
        fetched.body.contains("\"ExplicitDeny\""),
        "{}",
        fetched.body
    );
    // The next poll (within 1.2 s) finds a new archive.
    server.serve(
        archive_of(&bundle_copy("fetch-poll-allow")),
        "\"allow\"",
        None,
    );
    let polled = wait_for_revision(&service, 3);
    assert_eq!(polled.revision, Some(3), "{}", polled.body);
    assert!(polled.body.contains("\"Allow\""), "{}", polled.body);
}

#[test]
fn a_bad_bundle_url_or_a_key_without_one_stops_the_start() {
    let key = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-fetch-not-a-key.pem");
    std::fs::write(
        &key,
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    )
    .unwrap();
    for (args, reason) in [
        (
            vec!["--bundle-url", "ftp://example.com/b.tar.gz"],
            "http:// or https://",
        ),
        (
            vec!["--bundle-public-key", key.to_str().unwrap()],
            "give --bundle-url too",
        ),
        (
            vec![
                "--bundle-url",
                "http://127.0.0.1:9/b.tar.gz",
                "--bundle-public-key",
                key.to_str().unwrap(),
            ],
            "not an Ed25519 public key",
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_ramjet"))
            .args(["serve", "--http", "127.0.0.1:0", "--bundle"])
            .arg(corpus().join("bundle"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty());
    }
}
