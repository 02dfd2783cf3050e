#!/bin/bash
# demo.sh - on a fresh Debian/Ubuntu machine: install what is needed, build this dkms, then
# add, build, install and show the status of the bundled example module
# (fixtures/modules/hello-1.0) for the installed kernel headers -- all inside a sandbox under a
# temporary directory: its own DKMS tree, source tree, install tree, configuration directory
# and signing key. Nothing is loaded into the kernel and the machine's trees are not touched.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
bash scripts/setup.sh
[[ -x $HOME/.cargo/bin/cargo ]] && export PATH=$HOME/.cargo/bin:$PATH
cargo build --release --locked --bin dkms
DKMS=$PWD/target/release/dkms

KVER=${KVER:-}
if [[ -z $KVER ]]; then
    for kd in /lib/modules/*; do [[ -e $kd/build/include ]] && { KVER=${kd##*/}; break; }; done
fi
[[ -n $KVER ]] || { echo "demo.sh: no kernel headers under /lib/modules/*/build" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/dkms-demo.XXXXXX")
mkdir -p "$T/dkms" "$T/src" "$T/modules/$KVER" "$T/etc/dkms"
cp -r fixtures/modules/hello-1.0 "$T/src/hello-1.0"
# the sandbox install tree sees the real headers
for l in build source; do
    [[ -e /lib/modules/$KVER/$l ]] && ln -s "$(readlink -f "/lib/modules/$KVER/$l")" "$T/modules/$KVER/$l"
done
export DKMS_CONFDIR=$T/etc/dkms DKMS_OS_RELEASE=${DKMS_OS_RELEASE:-/etc/os-release}
export mok_signing_key=$T/mok.key mok_certificate=$T/mok.pub
O=(--dkmstree "$T/dkms" --sourcetree "$T/src" --installtree "$T/modules")

run() { echo "+ dkms $*"; "$DKMS" "$@" "${O[@]}"; echo; }
echo "sandbox: $T   kernel: $KVER   dkms: $("$DKMS" --version --verbose | tr '\n' ' ')"
echo
run add hello/1.0
run build hello/1.0 -k "$KVER"
run install hello/1.0 -k "$KVER" --no-depmod
run status
echo "installed files:"
find "$T/modules/$KVER" -name 'hello.ko*' -print
echo
echo "sandbox left in $T (remove it with: rm -rf $T)"
