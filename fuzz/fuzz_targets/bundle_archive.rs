//! The archives `ramjet serve --bundle-url` fetches. With an even first byte, the rest is the
//! archive as fetched (tar, or gzip of it); with an odd one, the rest is split at 0xFF bytes
//! into (name, type byte, content) triples written as a well-formed tar (checksums right, names
//! raw: `..`, absolute paths, links and devices among them). Unpacking never panics; an archive
//! that unpacks leaves only `bundle.json` and regular files in `policies/`, within the size
//! bound, and nothing beside the staging directory; reading the unpacked bundle never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ramjet_serve::fetch::{unpack, MAX_UNPACKED_BYTES};
use std::path::Path;

/// A tar archive of `(name, type, content)` entries, names written as they are.
fn tar_of(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut fields = bytes.split(|b| *b == 0xFF);
    while let (Some(name), Some(kind), Some(content)) =
        (fields.next(), fields.next(), fields.next())
    {
        let mut header = [0u8; 512];
        let name = &name[..name.len().min(100)];
        header[..name.len()].copy_from_slice(name);
        header[100..107].copy_from_slice(b"0000644");
        header[108..115].copy_from_slice(b"0000000");
        header[116..123].copy_from_slice(b"0000000");
        header[124..135].copy_from_slice(format!("{:011o}", content.len()).as_bytes());
        header[136..147].copy_from_slice(b"00000000000");
        header[156] = kind.first().copied().unwrap_or(b'0');
        header[257..263].copy_from_slice(b"ustar\0");
        header[263..265].copy_from_slice(b"00");
        header[148..156].copy_from_slice(b"        ");
        let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
        header[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(content);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

/// Every path under `dir`, relative, with whether it is a regular file, and the files' bytes.
fn listing(dir: &Path, under: &str, out: &mut Vec<(String, bool)>, size: &mut u64) {
    for entry in std::fs::read_dir(dir).expect("the staging directory reads") {
        let entry = entry.expect("an entry");
        let name = format!("{under}{}", entry.file_name().to_string_lossy());
        let kind = entry.file_type().expect("a type");
        if kind.is_dir() {
            out.push((format!("{name}/"), false));
            listing(&entry.path(), &format!("{name}/"), out, size);
        } else {
            *size += entry.metadata().expect("metadata").len();
            out.push((name, kind.is_file()));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    let archive = if selector % 2 == 0 {
        rest.to_vec()
    } else {
        tar_of(rest)
    };
    // The staging directory alone in a parent of its own: a `..` name that escaped would show.
    let parent = std::env::temp_dir().join(format!("ramjet-fuzz-archive-{}", std::process::id()));
    let staging = parent.join("stage");
    let _ = std::fs::remove_dir_all(&parent);
    std::fs::create_dir_all(&staging).expect("a staging directory");
    match unpack(&archive, &staging) {
        Ok(()) => {
            let mut paths = Vec::new();
            let mut size = 0;
            listing(&staging, "", &mut paths, &mut size);
            assert!(size <= MAX_UNPACKED_BYTES);
            for (path, regular) in &paths {
                let allowed = path == "policies/"
                    || (*regular
                        && (path == "bundle.json"
                            || path
                                .strip_prefix("policies/")
                                .is_some_and(|file| !file.contains('/'))));
                assert!(allowed, "{path} unpacked: {paths:?}");
            }
            assert!(paths.iter().any(|(path, _)| path == "bundle.json"));
            // Whatever it holds, reading it as a bundle answers.
            let _ = ramjet_compiler::load_bundle(&staging);
        }
        Err(reason) => assert!(!reason.is_empty()),
    }
    let beside: Vec<_> = std::fs::read_dir(&parent)
        .expect("the parent reads")
        .map(|entry| entry.expect("an entry").file_name())
        .collect();
    assert_eq!(beside, ["stage"], "written beside the staging directory");
    let _ = std::fs::remove_dir_all(&parent);
});
