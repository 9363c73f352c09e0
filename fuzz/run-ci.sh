#!/usr/bin/env bash
# Runs every fuzz target for a short time: the CI gate (README.md in this directory).
#
#   fuzz/run-ci.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 30 (or $FUZZ_SECONDS); TARGETs default to every target of
# `cargo fuzz list`. Installs cargo-fuzz when it is missing. Works on stable Rust: cargo-fuzz's
# instrumentation flags need RUSTC_BOOTSTRAP=1. Exits non-zero when any target finds a crash, a
# disagreement, a timeout (an input that takes over $FUZZ_TIMEOUT seconds, default 10) or an
# out-of-memory; the input that failed is then in fuzz/artifacts/<target>/, and the command to
# reproduce it is printed.
#
# Each run starts from fuzz/seeds/<target> and the target's growing corpus in
# fuzz/corpus/<target> (both git-ignored but the seeds), and prints libFuzzer's final stats.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-${FUZZ_SECONDS:-30}}"
shift || true
timeout_seconds="${FUZZ_TIMEOUT:-10}"
export RUSTC_BOOTSTRAP=1
export CARGO_TERM_COLOR=never
# No sanitizer: ramjet forbids `unsafe`, and ASan would halve the executions per second.
# Debug assertions on: integer overflow panics instead of wrapping silently.
build_flags=(--sanitizer none --debug-assertions)

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

echo "== cargo fuzz build"
cargo fuzz build "${build_flags[@]}"

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

failed=()
summary=()
for target in "${targets[@]}"; do
    echo "== fuzz $target for ${seconds}s"
    mkdir -p "corpus/$target" "seeds/$target" "artifacts/$target"
    log="$(mktemp)"
    status=0
    cargo fuzz run "${build_flags[@]}" "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -timeout="$timeout_seconds" -dict=dict/ram.dict \
        -print_final_stats=1 -close_fd_mask=1 >"$log" 2>&1 || status=$?
    grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb)' "$log" || true
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")"
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        summary+=("$target: FAILED (exit $status)")
        # The panic message (DISAGREEMENT ... with the input) and the artifact's name.
        grep -E -A40 "panicked at|DISAGREEMENT|ERROR: libFuzzer|SUMMARY" "$log" | head -80 || tail -40 "$log"
        artifact="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)"
        if [ -n "$artifact" ]; then
            echo "reproduce: (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run ${build_flags[*]} $target $artifact)"
        fi
    else
        summary+=("$target: ok, ${runs:-?} executions, ${rate:-?}/s")
    fi
    rm -f "$log"
done

echo "== summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzzing found failures in: ${failed[*]}" >&2
    exit 1
fi
