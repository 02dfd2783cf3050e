#!/bin/bash
# bench-status.sh - time `dkms status` on the synthetic 20-module x 5-kernel tree of
# ../shared/tools/perf-status-tree.sh, for our release binary and for the reference bash dkms,
# in the same run, and print the ratio (the goal: ours takes less than 1/300 of the time).
#
#   scripts/bench-status.sh [DIR]      (default DIR=/tmp/perf)
#   env: OURS=target/release/dkms  REF=/opt/reference-dkms/usr/sbin/dkms
#        RUNS=20 (ours)  REF_RUNS=3 (the reference takes seconds per run)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
DIR=${1:-/tmp/perf}
PERF=../shared/tools/perf-status-tree.sh
OURS=${OURS:-target/release/dkms}
REF=${REF:-/opt/reference-dkms/usr/sbin/dkms}
[[ -x $PERF ]] || { echo "bench-status.sh: $PERF not found" >&2; exit 2; }
[[ -x $REF ]] || ../shared/tools/reference-dkms.sh "$(dirname "$(dirname "$(dirname "$REF")")")"
[[ -x $OURS ]] || cargo build --release --locked --bin dkms

OURS=$(readlink -f "$OURS")
DKMS=$OURS "$PERF" build "$DIR"
mean_of() { # "status (all)" line of a bench run -> mean in ms
    awk '/^status \(all\)/ { for (i = 1; i <= NF; i++) if ($i == "mean") { print $(i + 1); exit } }'
}
echo "== ours: $OURS"
ours_out=$(DKMS=$OURS USE_HYPERFINE=no RUNS=${RUNS:-20} WARMUP=3 "$PERF" bench "$DIR")
echo "$ours_out"
echo "== reference: $REF"
ref_out=$(DKMS=$REF USE_HYPERFINE=no RUNS=${REF_RUNS:-3} WARMUP=1 "$PERF" bench "$DIR")
echo "$ref_out"
ours_ms=$(mean_of <<<"$ours_out")
ref_ms=$(mean_of <<<"$ref_out")
echo
if grep -q DIFFERS <<<"$ours_out"; then
    echo "WARNING: our status output differs from the expected lines: the ratio below means nothing"
fi
echo "status (all): ours ${ours_ms} ms, reference ${ref_ms} ms, reference/ours = $(echo "$ref_ms / $ours_ms" | bc -l | xargs printf '%.0f')x (goal: >= 300x)"
