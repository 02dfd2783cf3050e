#!/usr/bin/env bash
# conf-second-set.sh - build a second dkms.conf test set from Debian packages and check our
# evaluator on it, the way ../shared/corpus is checked.
#
# Usage: sudo scripts/conf-second-set.sh [options] [DKMS_BIN]
#
#   --work DIR    downloads, private apt state, extracted packages (default /tmp/conf-second-set)
#   --out DIR     the set: DIR/confs/deb-<package>-<suite>/ laid out like the shared corpus
#                 (default WORK/set); other entries of DIR/confs are left alone
#   --corpus DIR  the shared corpus: its files are left out, its kernel fixtures used
#                 (default ../shared/corpus)
#   --suites "S…" Debian suites to search (default bullseye bookworm bookworm-backports
#                 trixie sid experimental)
#   -j N          parallel oracle runs (default 2)
#   --no-build    reuse DIR/confs/deb-* as they are; only run the check
#   --no-check    build the set only
#
# Steps: a private apt setup under WORK (the machine's apt configuration is not touched);
# every package of those suites named *-dkms or depending on dkms is downloaded and unpacked;
# each usr/src/*/dkms.conf whose content is in neither the shared corpus nor an earlier suite
# becomes an entry; bash's values come from ../shared/tools/conf-oracle.sh (6.1 and 5.10 with
# the corpus kernel fixtures, plus -noheaders and -cwd-source where they differ); a file
# whose values change when its source tree is missing gets srcfiles/ with the files of the
# tree it names.  Then the check: conf-corpus-check.sh with DKMS_BIN (default
# target/release/dkms) run with --verbose, reporting value differences, files read by the
# bash fallback, and files where our stderr differs from bash's.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=/tmp/conf-second-set
OUT=
CORPUS=$ROOT/../shared/corpus
SUITES="bullseye bookworm bookworm-backports trixie sid experimental"
JOBS=2
BUILD=1 CHECK=1
BIN=
die() { echo "conf-second-set.sh: $*" >&2; exit 2; }
while (($#)); do
    case $1 in
        --work) WORK=${2:?}; shift 2 ;;
        --out) OUT=${2:?}; shift 2 ;;
        --corpus) CORPUS=${2:?}; shift 2 ;;
        --suites) SUITES=${2:?}; shift 2 ;;
        -j) JOBS=${2:?}; shift 2 ;;
        --no-build) BUILD=; shift ;;
        --no-check) CHECK=; shift ;;
        -h|--help) sed -n '2,/^set -u/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option $1" ;;
        *) BIN=$1; shift ;;
    esac
done
OUT=${OUT:-$WORK/set}
BIN=$(readlink -f -- "${BIN:-$ROOT/target/release/dkms}")
CORPUS=$(cd "$CORPUS" && pwd) || die "no corpus at $CORPUS"
TOOLS=$(cd "$CORPUS/../tools" && pwd) || die "no tools next to $CORPUS"
FX=$CORPUS/fixtures/kernels
K61=6.1.0-28-amd64 K510=5.10.0-30-amd64
mkdir -p "$WORK" "$OUT/confs" "$OUT/fixtures" || die "cannot create $WORK / $OUT"
[[ -e $OUT/fixtures/kernels ]] || cp -a "$FX" "$OUT/fixtures/kernels"

# the name apt-get download gives a package file (an epoch's colon is written %3a)
deb_name() { echo "$1_${2/:/%3a}_${3##*_}"; }

build() {
    local A=$WORK/apt
    mkdir -p "$A/etc" "$A/lists/partial" "$A/cache/archives/partial" "$WORK/debs" "$WORK/x"
    local s comps
    : >"$A/etc/sources.list"
    for s in $SUITES; do
        comps="main contrib non-free"
        [[ $s == bullseye ]] || comps+=" non-free-firmware"
        echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
            "http://deb.debian.org/debian $s $comps" >>"$A/etc/sources.list"
    done
    APT=(-o Dir::Etc::sourcelist="$A/etc/sources.list" -o Dir::Etc::sourceparts=-
         -o Dir::State::Lists="$A/lists" -o Dir::Cache="$A/cache" -o APT::Get::List-Cleanup=0)
    apt-get -q "${APT[@]}" update >"$WORK/apt-update.log" 2>&1 || die "apt-get update failed (see $WORK/apt-update.log)"

    # suite package version filename, for packages named *-dkms or depending on dkms
    local f
    for f in "$A"/lists/*_binary-amd64_Packages*; do
        s=${f##*_dists_}; s=${s%%_*}
        /usr/lib/apt/apt-helper cat-file "$f" | awk -v S="$s" 'BEGIN { RS = ""; FS = "\n" }
            { p = v = fn = ""; d = 0
              for (i = 1; i <= NF; i++) {
                  if ($i ~ /^Package: /) p = substr($i, 10)
                  if ($i ~ /^Version: /) v = substr($i, 10)
                  if ($i ~ /^Filename: /) fn = substr($i, 11)
                  if ($i ~ /^(Pre-)?Depends: .*(^|[ ,|])dkms([ ,(]|$)/) d = 1 }
              if (d || p ~ /-dkms$/) print S, p, v, fn }'
    done >"$WORK/packages.txt"
    local want=()
    while read -r s p v f; do
        [[ -f $WORK/debs/$(deb_name "$p" "$v" "$f") ]] || want+=("$p=$v")
    done <"$WORK/packages.txt"
    if ((${#want[@]})); then
        mapfile -t want < <(printf '%s\n' "${want[@]}" | sort -u)
        (cd "$WORK/debs" && apt-get -q "${APT[@]}" download "${want[@]}") >"$WORK/download.log" 2>&1 \
            || echo "conf-second-set.sh: some downloads failed (see $WORK/download.log)" >&2
    fi

    # known content: the corpus; then first come first kept, stable suites first
    declare -A seen=()
    local h
    for f in "$CORPUS"/confs/*/dkms.conf; do
        h=$(sha256sum <"$f"); seen[${h%% *}]=corpus
    done
    rm -rf "$OUT"/confs/deb-*
    local order="bookworm trixie bullseye bookworm-backports sid experimental" x deb conf id n=0 dup=0
    for s in $order; do
        while read -r ps p v f; do
            [[ $ps == "$s" ]] || continue
            deb=$WORK/debs/$(deb_name "$p" "$v" "$f")
            [[ -f $deb ]] || { echo "conf-second-set.sh: missing ${deb##*/}" >&2; continue; }
            x=$WORK/x/${deb##*/}; x=${x%.deb}
            [[ -d $x ]] || { mkdir -p "$x" && dpkg-deb -x "$deb" "$x"; } || continue
            while IFS= read -r conf; do
                h=$(sha256sum <"$conf"); h=${h%% *}
                if [[ ${seen[$h]+set} ]]; then dup=$((dup + 1)); continue; fi
                id=deb-$p-$s
                # a second dkms.conf in the same package and suite: name it by its path
                [[ -e $OUT/confs/$id ]] && id+=--$(sed 's|.*/usr/src/||; s|/dkms.conf$||; s|[^A-Za-z0-9._-]|_|g' <<<"$conf")
                seen[$h]=$id
                mkdir -p "$OUT/confs/$id"
                cp "$conf" "$OUT/confs/$id/dkms.conf"
                printf 'origin: debian\npackage: %s\nversion: %s\nrelease: %s\npath: %s\n' \
                    "$p" "$v" "$s" "${conf#"$x"}" >"$OUT/confs/$id/SOURCE"
                (cd "${conf%/dkms.conf}" && find . -mindepth 1 -type f | sed 's|^\./||' | LC_ALL=C sort) \
                    >"$OUT/confs/$id/files.txt"
                echo "${conf%/dkms.conf}" >"$OUT/confs/$id/.tree"
                n=$((n + 1))
            done < <(find "$x/usr/src" -name dkms.conf -type f 2>/dev/null | LC_ALL=C sort)
        done <"$WORK/packages.txt"
    done
    echo "conf-second-set.sh: $n new dkms.conf files ($dup already known)"

    export TOOLS FX K61 K510
    ls "$OUT/confs" | grep '^deb-' | xargs -r -P "$JOBS" -I{} bash -c 'oracle_entry "$1"' _ "$OUT/confs/{}"
}

# bash's values for one entry: expected-6.1/5.10 always, -noheaders and -cwd-source only
# when they differ from 6.1 (as in the shared corpus)
oracle_entry() {
    local d=$1 tree src
    tree=$(cat "$d/.tree")
    src=$(mktemp -d /tmp/conf-second-set-src.XXXXXX)
    cp "$d/dkms.conf" "$src/"
    [[ -d $d/srcfiles ]] && cp -a "$d/srcfiles/." "$src/"
    run() { "$TOOLS/conf-oracle.sh" --timeout 60 "$@" 2>>"$d/.oracle.err"; }
    run --kernel-tree "$FX/$K61" "$d/dkms.conf" "$K61" x86_64 "$src" >"$d/expected-6.1.json"
    # does it read its own tree?  then keep the files of the tree it names
    run --kernel-tree "$FX/$K61" "$d/dkms.conf" "$K61" x86_64 "$tree" >"$d/.full.json"
    if [[ ! -d $d/srcfiles ]] &&
        ! cmp -s <(jq -S .directives "$d/expected-6.1.json") <(jq -S .directives "$d/.full.json"); then
        local f
        while IFS= read -r f; do
            if grep -qF -- "${f##*/}" "$d/dkms.conf" && [[ ${f##*/} != dkms.conf ]]; then
                mkdir -p "$d/srcfiles/${f%/*}" && cp "$tree/$f" "$d/srcfiles/$f"
            fi
        done <"$d/files.txt"
        [[ -d $d/srcfiles ]] && cp -a "$d/srcfiles/." "$src/"
        run --kernel-tree "$FX/$K61" "$d/dkms.conf" "$K61" x86_64 "$src" >"$d/expected-6.1.json"
        cmp -s <(jq -S .directives "$d/expected-6.1.json") <(jq -S .directives "$d/.full.json") \
            || echo "conf-second-set.sh: ${d##*/}: reads files of its tree not found by name" >&2
    fi
    run --kernel-tree "$FX/$K510" "$d/dkms.conf" "$K510" x86_64 "$src" >"$d/expected-5.10.json"
    run "$d/dkms.conf" "$K61" x86_64 "$src" >"$d/.nh.json"
    cmp -s <(jq -S .directives "$d/expected-6.1.json") <(jq -S .directives "$d/.nh.json") \
        || mv "$d/.nh.json" "$d/expected-6.1-noheaders.json"
    run --kernel-tree "$FX/$K61" --cwd @source "$d/dkms.conf" "$K61" x86_64 "$src" >"$d/.cwd.json"
    cmp -s <(jq -S .directives "$d/expected-6.1.json") <(jq -S .directives "$d/.cwd.json") \
        || mv "$d/.cwd.json" "$d/expected-6.1-cwd-source.json"
    rm -rf "$src" "$d/.nh.json" "$d/.cwd.json" "$d/.full.json"
    [[ -s $d/.oracle.err ]] || rm -f "$d/.oracle.err"
}
export -f oracle_entry

check() {
    [[ -x $BIN ]] || die "no dkms binary at $BIN (cargo build --release)"
    # --verbose makes a file read by bash say so on stderr, which the oracle keeps
    local W keep ids
    W=$(mktemp -d /tmp/conf-second-set-check.XXXXXX)
    printf '#!/bin/sh\nexec %q "$@" --verbose\n' "$BIN" >"$W/dkms-verbose"
    chmod +x "$W/dkms-verbose"
    keep=$W/answers
    "$TOOLS/conf-corpus-check.sh" -j "$JOBS" --keep "$keep" "$W/dkms-verbose" "$OUT" \
        | tee "$W/result" | grep -v '^FAIL' || true
    grep '^FAIL' "$W/result" | sed 's/\(.\{400\}\).*/\1.../'
    local j id v exp fb=0 se=0
    for j in "$keep"/*/*.json; do
        id=${j%/*}; id=${id##*/}; v=${j##*/}; v=${v%.json}
        exp=$OUT/confs/$id/expected-$v.json
        if jq -r '.stderr // ""' "$j" | grep -q 'evaluating this file with bash'; then
            echo "FALLBACK $id $v: $(jq -r '.stderr' "$j" | grep -m1 'evaluating this file with bash')"
            fb=$((fb + 1))
        fi
        # ours should print what bash printed while sourcing and re-reading (our wording of
        # syntax errors differs, so this is a hint, not a failure)
        if ! jq -en --slurpfile g "$j" --slurpfile e "$exp" '
                ($g[0].stderr // "" | split("\n") | map(select(test("evaluating this file with bash") | not))
                 | join("\n") | rtrimstr("\n")) == (($e[0].stderr // "") + ($e[0].roundtrip_stderr // "") | rtrimstr("\n"))' >/dev/null; then
            echo "STDERR $id $v: bash: $(jq -c '[.stderr, .roundtrip_stderr]' "$exp") ours: $(jq -c .stderr "$j")"
            se=$((se + 1))
        fi
    done
    echo "$(tail -n 1 "$W/result"); $fb read by the bash fallback; $se with other stderr than bash"
    rm -rf "$W"
}

[[ $BUILD ]] && build
[[ $CHECK ]] && check
exit 0
