#!/usr/bin/env bash
# Runs every fuzz target (or those named) for FUZZ_SECONDS each (default 60)
# with the limits of docs/robustness.md: > 1 s per input is a hang, > 512 MB
# is a failure. Crashes land in fuzz/artifacts/TARGET/; exits non-zero on the
# first target that fails.
#
#   fuzz/run.sh                       # all targets, 60 s each
#   FUZZ_SECONDS=1800 fuzz/run.sh mbox_split
#
# Needs cargo-fuzz (installed here into the user's cargo when missing). The
# toolchain is stable; RUSTC_BOOTSTRAP=1 lets it take the sanitizer flags.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(extract_message fast_path mbox_split ndjson_record routes as_names ranges)

if ! cargo fuzz --help >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked --version 0.13.2
fi
export RUSTC_BOOTSTRAP=1
# ASan keeps freed memory in a quarantine (256 MB by default) that counts
# against -rss_limit_mb: with a grown corpus, replaying it alone went past
# 512 MB. A small quarantine keeps the limit about the targets' own memory.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16}
fuzz/seed.sh >/dev/null
cargo fuzz build
for t in "${targets[@]}"; do
    case $t in
        extract_message | fast_path | mbox_split) max_len=65536 ;;
        *) max_len=16384 ;;
    esac
    echo "== $t: ${seconds}s"
    mkdir -p "fuzz/artifacts/$t"
    log="fuzz/artifacts/$t/last-run.log"
    status=0
    cargo fuzz run "$t" "fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -timeout=1 -rss_limit_mb=512 -max_len=$max_len \
        -print_final_stats=1 > "$log" 2>&1 || status=$?
    grep -E '^(stat::|SUMMARY|Done)|panicked|ERROR|Test unit written' "$log" || true
    if [ "$status" -ne 0 ]; then
        echo "fuzz/run.sh: $t failed; the input is in fuzz/artifacts/$t/" >&2
        exit 1
    fi
done
