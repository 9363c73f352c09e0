//! `actiontrail_record`: any bytes, read as an ActionTrail file by the audit's reader, plain and
//! gzip-compressed. Never panics; the compressed file reads into the same items as the plain
//! one; in a JSON Lines file every line is an item or a blank line; every item classifies into
//! records (requests, system, unmapped) or malformed pieces, or is a well-formed value holding no
//! record (`[]`, `{"Events": []}`); and every request decides the
//! same in the compiled snapshot of the corpus bundle (what `ramjet audit` uses) and in the
//! reference interpreter.
#![no_main]

use flate2::write::GzEncoder;
use flate2::Compression;
use libfuzzer_sys::fuzz_target;
use ramjet_audit::input::{read_from, Item, Shape};
use ramjet_audit::mapping::Mapping;
use ramjet_audit::record::{classify_value, Classified};
use ramjet_compiler::load_bundle;
use ramjet_reference as reference;
use ramjet_engine::model::Bundle;
use ramjet_engine::Scratch;
use ramjet_engine::Snapshot;
use std::io::{BufReader, Cursor, Write};
use std::sync::OnceLock;

struct Audit {
    bundle: Bundle,
    snapshot: Snapshot,
    mapping: Mapping,
}

fn audit() -> &'static Audit {
    static AUDIT: OnceLock<Audit> = OnceLock::new();
    AUDIT.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/bundle");
        let bundle = load_bundle(&dir).expect("the corpus bundle loads");
        let snapshot = Snapshot::compile(&bundle, 1).expect("the corpus bundle compiles");
        Audit {
            bundle,
            snapshot,
            mapping: Mapping::default(),
        }
    })
}

/// The items of `reader`, as (position, text or error) pairs to compare.
fn items(reader: Box<dyn std::io::BufRead>) -> (Shape, usize, Vec<Item>) {
    let mut all = Vec::new();
    let (shape, summary) = read_from(reader, &mut |chunk| all.extend(chunk));
    (shape, summary.blank_lines, all)
}

fn describe(items: &[Item]) -> Vec<(String, Result<Vec<u8>, String>)> {
    items
        .iter()
        .map(|i| {
            (
                format!("{:?}", i.position),
                i.text
                    .as_ref()
                    .map(|s| s.bytes().to_vec())
                    .map_err(Clone::clone),
            )
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let audit = audit();
    let (shape, blank_lines, plain) = items(Box::new(Cursor::new(data.to_vec())));

    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(data).expect("in memory");
    let compressed = encoder.finish().expect("in memory");
    let decoder = flate2::read::MultiGzDecoder::new(Cursor::new(compressed));
    let (gz_shape, gz_blank_lines, gz) = items(Box::new(BufReader::new(decoder)));
    assert_eq!((shape, blank_lines), (gz_shape, gz_blank_lines));
    assert_eq!(describe(&plain), describe(&gz), "gzip reads differently");

    if shape == Shape::JsonLines {
        // Every line is an item or a blank line (a last line may lack its new line).
        let lines = data.split(|&b| b == b'\n').count() - usize::from(data.ends_with(b"\n"));
        assert_eq!(plain.len() + blank_lines, lines, "lines lost: {shape:?}");
    }

    let mut scratch = Scratch::default();
    let mut out = Vec::new();
    for item in &plain {
        let Ok(span) = &item.text else { continue };
        let Ok(text) = std::str::from_utf8(span.bytes()) else {
            continue;
        };
        out.clear();
        classify_value(text, &audit.mapping, &mut out);
        // Only a well-formed value holding no record (`[]`, `{"Events": []}`) yields nothing;
        // the audit counts it in `empty_values`.
        assert!(
            !out.is_empty() || serde_json::from_str::<serde_json::Value>(text).is_ok(),
            "an item classified into nothing: {text:?}"
        );
        for classified in &out {
            let Ok(Classified::Request(request, _)) = classified else {
                continue;
            };
            let compiled = audit.snapshot.check(request, &mut scratch).verdict.decision;
            let expected =
                reference::evaluate(&reference::bundle_policies(&audit.bundle, request), request)
                    .decision;
            assert_eq!(
                compiled, expected,
                "DISAGREEMENT on {request:?} from {text:?}"
            );
        }
    }
});
