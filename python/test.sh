#!/usr/bin/env bash
# Builds the `ramjet` wheel with maturin and runs the pytest suite against it, in a venv of its
# own (target/python-venv): `python/test.sh` from anywhere. Needs python3 (3.9 or later) and the
# Rust toolchain; maturin and pytest come from PyPI. The tests compare with the `ramjet` binary
# (RAMJET_BIN, else target/debug/ramjet, built when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/python-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check "maturin>=1.9,<2" "pytest>=7" "pyarrow>=14"
rm -rf target/wheels
(cd python && "../$venv/bin/maturin" build -q -o ../target/wheels)
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall target/wheels/ramjet-*.whl
"$venv/bin/pytest" -q python/tests "$@"
