"""Shared fixtures: the repository root, the `ramjet` binary (built by `cargo build -p
ramjet-cli` if it is not there yet) and the bundled corpus snapshot."""

import os
import pathlib
import subprocess

import pytest

import ramjet

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def ramjet_bin():
    binary = os.environ.get("RAMJET_BIN")
    if binary:
        return binary
    subprocess.run(["cargo", "build", "-q", "-p", "ramjet-cli"], cwd=ROOT, check=True)
    return str(ROOT / "target" / "debug" / "ramjet")


@pytest.fixture(scope="session")
def snap():
    return ramjet.Snapshot.load(ROOT / "corpus" / "bundle")
