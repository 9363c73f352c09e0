//! Bundles fetched over HTTP(S), the way OPA's bundle service does it (`--bundle-url`).
//!
//! The URL serves the bundle directory's layout as a tar archive, gzipped or not: `bundle.json`
//! and `policies/NAME.json` (`tar -czf bundle.tar.gz -C DIR bundle.json policies`). Each poll
//! sends the last `ETag` in `If-None-Match`; `304 Not Modified`, or the same bytes again, leave
//! the deciding bundle alone. With a public key (`--bundle-public-key`, Ed25519, PEM), the
//! archive must come with a detached signature of its exact bytes at `URL.sig` (raw 64 bytes, as
//! `openssl pkeyutl -sign -rawin` writes it, or their base64); an archive whose signature does
//! not verify is refused before it is unpacked.
//!
//! An archive is unpacked only into a fresh temporary directory, and only regular files named
//! `bundle.json` or `policies/NAME` are taken: anything else (links, devices, other paths, `..`)
//! refuses the archive, as does one over [`MAX_ARCHIVE_BYTES`] or unpacking past
//! [`MAX_UNPACKED_BYTES`] or [`MAX_ENTRIES`].

use ed25519_dalek::pkcs8::DecodePublicKey;
use ed25519_dalek::{Signature, VerifyingKey};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

/// The largest archive fetched.
pub const MAX_ARCHIVE_BYTES: u64 = 64 * 1024 * 1024;
/// The most an archive may unpack to.
pub const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;
/// The most entries an archive may hold.
pub const MAX_ENTRIES: usize = 100_000;
/// How long one fetch (connecting, waiting and reading) may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(60);

/// Where bundles come from, and the key their signatures must verify with.
pub struct Fetcher {
    url: String,
    key: Option<VerifyingKey>,
    agent: ureq::Agent,
}

/// Why a fetch gave no archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// The server could not be asked or did not answer with the archive (network, HTTP status,
    /// a body that cannot be read): try again later.
    Failed(String),
    /// The archive came but is refused: its signature is missing or does not verify.
    Refused(String),
}

/// What a fetch found.
#[derive(Debug)]
pub enum Fetched {
    /// The server says the bundle has not changed since the `ETag` sent.
    NotModified,
    /// An archive, its signature verified when a key is configured, and its `ETag`.
    Archive {
        /// The archive's bytes.
        bytes: Vec<u8>,
        /// The `ETag` the server gave it, if any.
        etag: Option<String>,
    },
}

impl Fetcher {
    /// A fetcher of `url`; `public_key` is a PEM file holding an Ed25519 public key.
    pub fn new(url: &str, public_key: Option<&Path>) -> Result<Fetcher, String> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("--bundle-url {url}: an http:// or https:// URL"));
        }
        let key = match public_key {
            Some(path) => Some(read_public_key(path)?),
            None => None,
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(FETCH_TIMEOUT))
            .user_agent(concat!("ramjet/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Fetcher {
            url: url.to_string(),
            key,
            agent,
        })
    }

    /// The URL bundles come from.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Fetches the archive (blocking), sending `etag` in `If-None-Match`, and verifies its
    /// signature when a key is configured.
    pub fn fetch(&self, etag: Option<&str>) -> Result<Fetched, FetchError> {
        let mut request = self.agent.get(&self.url);
        if let Some(etag) = etag {
            request = request.header("if-none-match", etag);
        }
        let mut response = request
            .call()
            .map_err(|error| FetchError::Failed(format!("{}: {error}", self.url)))?;
        match response.status().as_u16() {
            304 => return Ok(Fetched::NotModified),
            200 => {}
            status => {
                return Err(FetchError::Failed(format!(
                    "{}: HTTP status {status}",
                    self.url
                )))
            }
        }
        let etag = response
            .headers()
            .get("etag")
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_ARCHIVE_BYTES)
            .read_to_vec()
            .map_err(|error| {
                FetchError::Failed(format!("{}: reading the archive: {error}", self.url))
            })?;
        if let Some(key) = &self.key {
            let signature = self.fetch_signature()?;
            verify(key, &bytes, &signature)
                .map_err(|reason| FetchError::Refused(format!("{}: {reason}", self.url)))?;
        }
        Ok(Fetched::Archive { bytes, etag })
    }

    fn fetch_signature(&self) -> Result<Vec<u8>, FetchError> {
        let url = format!("{}.sig", self.url);
        let mut response = self
            .agent
            .get(&url)
            .call()
            .map_err(|error| FetchError::Failed(format!("{url}: {error}")))?;
        if response.status().as_u16() != 200 {
            return Err(FetchError::Refused(format!(
                "{url}: HTTP status {} (a public key is configured: the archive's signature is required)",
                response.status().as_u16()
            )));
        }
        response
            .body_mut()
            .with_config()
            .limit(1024)
            .read_to_vec()
            .map_err(|error| FetchError::Failed(format!("{url}: {error}")))
    }
}

/// Reads an Ed25519 public key from a PEM file (`openssl pkey -pubout`).
pub fn read_public_key(path: &Path) -> Result<VerifyingKey, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("--bundle-public-key {shown}: {error}"))?;
    VerifyingKey::from_public_key_pem(&text).map_err(|error| {
        format!("--bundle-public-key {shown}: not an Ed25519 public key in PEM ({error})")
    })
}

/// Checks a detached Ed25519 signature (64 raw bytes, or their base64) of `archive`.
pub fn verify(key: &VerifyingKey, archive: &[u8], signature: &[u8]) -> Result<(), String> {
    let raw = match signature.len() {
        64 => signature.to_vec(),
        _ => base64_decode(signature.trim_ascii()).ok_or_else(|| {
            format!(
                "the signature is neither 64 bytes nor their base64 ({} bytes)",
                signature.len()
            )
        })?,
    };
    let signature = Signature::from_slice(&raw)
        .map_err(|_| format!("the signature is {} bytes, not 64", raw.len()))?;
    key.verify_strict(archive, &signature).map_err(|_| {
        "the archive's signature does not verify with the configured public key".into()
    })
}

fn base64_decode(text: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// Unpacks a bundle archive (tar, gzipped or not) into `dir`, an empty directory.
pub fn unpack(archive: &[u8], dir: &Path) -> Result<(), String> {
    if archive.starts_with(&[0x1f, 0x8b]) {
        unpack_tar(flate2::read::GzDecoder::new(archive), dir)
    } else {
        unpack_tar(archive, dir)
    }
}

fn unpack_tar(reader: impl Read, dir: &Path) -> Result<(), String> {
    let mut archive = tar::Archive::new(reader);
    let entries = archive
        .entries()
        .map_err(|error| format!("not a tar archive: {error}"))?;
    let policies = dir.join("policies");
    std::fs::create_dir_all(&policies).map_err(|error| error.to_string())?;
    let mut unpacked: u64 = 0;
    for (count, entry) in entries.enumerate() {
        if count >= MAX_ENTRIES {
            return Err(format!("the archive holds more than {MAX_ENTRIES} entries"));
        }
        let mut entry = entry.map_err(|error| format!("a tar entry cannot be read: {error}"))?;
        let name = entry
            .path()
            .map_err(|error| format!("a tar entry's name: {error}"))?
            .to_string_lossy()
            .into_owned();
        let kind = entry.header().entry_type();
        let target = match bundle_path(&name) {
            Some(BundlePath::Directory) if kind.is_dir() => continue,
            Some(BundlePath::File(relative)) if kind.is_file() => dir.join(relative),
            _ => {
                return Err(format!(
                    "entry {name:?} ({kind:?}): a bundle archive holds the files bundle.json and policies/NAME only"
                ))
            }
        };
        let room = MAX_UNPACKED_BYTES - unpacked;
        let mut bytes = Vec::new();
        (&mut entry)
            .take(room + 1)
            .read_to_end(&mut bytes)
            .map_err(|error| format!("entry {name:?}: {error}"))?;
        unpacked += bytes.len() as u64;
        if unpacked > MAX_UNPACKED_BYTES {
            return Err(format!(
                "the archive unpacks to more than {MAX_UNPACKED_BYTES} bytes"
            ));
        }
        if target.exists() {
            return Err(format!("entry {name:?} appears twice"));
        }
        std::fs::write(&target, bytes).map_err(|error| format!("entry {name:?}: {error}"))?;
    }
    if !dir.join("bundle.json").exists() {
        return Err("the archive has no bundle.json".into());
    }
    Ok(())
}

enum BundlePath {
    Directory,
    File(String),
}

/// Which part of a bundle an archive entry's name is: `.`, `policies` (directories),
/// `bundle.json`, `policies/NAME` (files), each with an optional leading `./`; `None` for any
/// other name.
fn bundle_path(name: &str) -> Option<BundlePath> {
    let name = name.strip_prefix("./").unwrap_or(name);
    let name = name.strip_suffix('/').unwrap_or(name);
    match name {
        "" | "." | "policies" => Some(BundlePath::Directory),
        "bundle.json" => Some(BundlePath::File(name.to_string())),
        _ => {
            let file = name.strip_prefix("policies/")?;
            let plain = !file.is_empty()
                && file != "."
                && file != ".."
                && !file.contains(['/', '\\', '\0']);
            plain.then(|| BundlePath::File(format!("policies/{file}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, bytes) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            // The name written raw: the builder refuses `..`, a hostile archive does not.
            let raw = &mut header.as_old_mut().name;
            raw.fill(0);
            raw[..name.len()].copy_from_slice(name.as_bytes());
            header.set_cksum();
            builder.append(&header, *bytes).expect("an entry");
        }
        builder.into_inner().expect("an archive")
    }

    #[test]
    fn only_bundle_files_are_unpacked() {
        let dir = tempfile::tempdir().expect("a directory");
        let ok = archive(&[("./bundle.json", b"{}"), ("policies/A.json", b"{}")]);
        unpack(&ok, dir.path()).expect("unpacks");
        assert!(dir.path().join("policies/A.json").exists());
        for bad in [
            "policies/../x.json",
            "etc/passwd",
            "policies/a/b.json",
            "x.json",
        ] {
            let dir = tempfile::tempdir().expect("a directory");
            let error = unpack(
                &archive(&[("bundle.json", b"{}"), (bad, b"{}")]),
                dir.path(),
            )
            .expect_err(bad);
            assert!(
                error.contains("bundle.json and policies/NAME only"),
                "{bad}: {error}"
            );
        }
        let dir = tempfile::tempdir().expect("a directory");
        let error = unpack(&archive(&[("policies/A.json", b"{}")]), dir.path()).unwrap_err();
        assert!(error.contains("no bundle.json"), "{error}");
        let error = unpack(b"not an archive at all", dir.path()).unwrap_err();
        assert!(!error.is_empty());
    }
}
