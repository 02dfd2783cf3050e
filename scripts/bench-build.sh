#!/bin/bash
# bench-build.sh - dkms's own overhead around make for a build of the hello module, for our
# dkms and the reference (bash) dkms in the same run, on isolated trees. Two measures:
#   paired:  per run, `dkms build --force` minus the same kbuild make run alone right after
#   in-run:  per run, `dkms build --force` minus the time of the make dkms itself started (a
#            `make` shim first in PATH records it); insensitive to make's own variance, so it
#            is the figure to trust on a loaded machine
#
# Usage: scripts/bench-build.sh [RUNS]          (default 7 runs each)
# Env:   OURS=target/release/dkms  REF=/opt/reference-dkms/usr/sbin/dkms  KVER=<kernel>
# Nothing outside a temporary directory is written (trees, MOK pair; --no-depmod).
set -eu
RUNS=${1:-7}
HERE=$(cd "$(dirname "$0")/.." && pwd)
OURS=${OURS:-$HERE/target/release/dkms}
REF=${REF:-/opt/reference-dkms/usr/sbin/dkms}
if [[ -z ${KVER:-} ]]; then
    for kd in /lib/modules/*; do [[ -e $kd/build/include ]] && { KVER=${kd##*/}; break; }; done
fi
[[ -n ${KVER:-} ]] || { echo "no kernel headers under /lib/modules/*/build" >&2; exit 2; }
[[ -x $OURS ]] || { echo "build ours first: cargo build --release ($OURS)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export parallel_jobs=1 mok_signing_key=$WORK/mok.key mok_certificate=$WORK/mok.pub
ARCH=$(uname -m)

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

setup_tree() { # dir
    mkdir -p "$1/dkms" "$1/src" "$1/modules/$KVER"
    cp -a "$HERE/fixtures/modules/hello-1.0" "$1/src/hello-1.0"
    ln -s "$(readlink -f "/lib/modules/$KVER/build")" "$1/modules/$KVER/build"
}

one_make() { # tree -> duration (ns) of the kbuild command dkms runs, on a fresh copy
    local t=$1 b=$1/make-alone t0 t1
    rm -rf "$b"; cp -a "$HERE/fixtures/modules/hello-1.0" "$b"
    t0=$(now)
    make -j1 KERNELRELEASE="$KVER" -C "$t/modules/$KVER/build" M="$b" > /dev/null 2>&1
    t1=$(now)
    echo $((t1 - t0))
}

# a make that records how long the real one took
REAL_MAKE=$(command -v make)
mkdir -p "$WORK/shim"
cat > "$WORK/shim/make" <<SHIM
#!/bin/sh
s=\$(date +%s%N); "$REAL_MAKE" "\$@"; rc=\$?; e=\$(date +%s%N)
[ -n "\$BENCH_MAKE_LOG" ] && echo \$((e - s)) >> "\$BENCH_MAKE_LOG"
exit \$rc
SHIM
chmod +x "$WORK/shim/make"

paired() { # binary tree -> per run: "dkms_ns make_alone_ns make_inside_dkms_ns"
    local bin=$1 t=$2 o
    o=(--dkmstree "$t/dkms" --sourcetree "$t/src" --installtree "$t/modules" --no-depmod)
    "$bin" build hello/1.0 -k "$KVER" "${o[@]}" > /dev/null 2>&1   # add, key, warm caches
    for ((i = 0; i < RUNS; i++)); do
        local t0 t1 inside
        rm -f "$WORK/make.ns"
        t0=$(now)
        BENCH_MAKE_LOG=$WORK/make.ns PATH=$WORK/shim:$PATH \
            "$bin" build hello/1.0 -k "$KVER" --force "${o[@]}" > /dev/null 2>&1
        t1=$(now)
        [[ -f $t/dkms/hello/1.0/$KVER/$ARCH/module/hello.ko ]] || { echo "build failed: $bin" >&2; exit 1; }
        inside=$(awk '{s += $1} END {print s + 0}' "$WORK/make.ns")
        echo "$((t1 - t0)) $(one_make "$t") $inside"
    done
}

ms() { echo "$1 / 1000000" | bc -l; }

report() { # name, then lines "dkms_ns make_alone_ns make_inside_ns"
    local name=$1 data d m o in
    data=$(cat)
    d=$(awk '{print $1}' <<< "$data" | median)
    m=$(awk '{print $2}' <<< "$data" | median)
    o=$(awk '{print $1 - $2}' <<< "$data" | median)
    in=$(awk '{print $1 - $3}' <<< "$data" | median)
    printf '%-10s dkms build %7.1f ms  make alone %7.1f ms  overhead: paired %6.1f ms, in-run %6.1f ms\n' \
        "$name" "$(ms "$d")" "$(ms "$m")" "$(ms "$o")" "$(ms "$in")"
}

setup_tree "$WORK/ours"; setup_tree "$WORK/ref"
echo "kernel $KVER, $RUNS runs each, medians (strip and signing included, key already present)"
paired "$OURS" "$WORK/ours" | report ours
paired "$REF" "$WORK/ref" | report reference
