"""`check_batch` throughput from Python on the rows of the Rust baseline
(`cargo run --release -p ramjet-columnar --example throughput -- 1000000`): the same request lines
(`columnar/examples/mix.jsonl`, repeated to ROWS) in a `request` column. Build the wheel with
`maturin build --release` first (python/test.sh builds a debug one).

    target/python-venv/bin/python python/bench_batch.py 1000000
"""

import pathlib
import sys
import time

import pyarrow as pa

import ramjet

ROOT = pathlib.Path(__file__).resolve().parents[1]
rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
lines = (ROOT / "columnar" / "examples" / "mix.jsonl").read_text().splitlines()
table = pa.table({"request": pa.array([lines[i % len(lines)] for i in range(rows)], pa.string())})
snap = ramjet.Snapshot.load(ROOT / "corpus" / "bundle")
for round_ in range(3):
    start = time.perf_counter()
    answers = snap.check_batch(table)
    seconds = time.perf_counter() - start
    assert answers.num_rows == rows
    print(f"round {round_}: {rows} rows (request lines) in {seconds:.3f} s: {rows / seconds:.0f} rows/s")
