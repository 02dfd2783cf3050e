#!/bin/sh
# Benchmark (not a test): dkms.conf evaluation time per corpus file, in-process, release build,
# with a new request (the kernel alternating) for every evaluation and with one request repeated.
# Usage: scripts/bench-conf.sh [CORPUS_DIR] [ITERATIONS]   (default ../shared/corpus, 50)
set -eu
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus}
cargo run --quiet --release --example bench_conf -- "$corpus" "${2:-50}"
