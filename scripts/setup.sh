#!/bin/bash
# setup.sh - install what building and testing this dkms needs on a Debian or Ubuntu machine:
# compiler and kernel build tools, the kernel headers, kmod, openssl, patch, binutils, the
# compressors, and a Rust toolchain (the machine's cargo, or the distribution's `cargo` package).
# Idempotent; non-interactive (CI runs it as root without a terminal).
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup.sh: run as root (or install sudo)" >&2; exit 1; }
    SUDO=(sudo -E)
fi

# shellcheck disable=SC1091
. /etc/os-release 2>/dev/null || . /usr/lib/os-release
case " ${ID:-} ${ID_LIKE:-} " in
    *" ubuntu "*) headers=linux-headers-generic ;;
    *" debian "*) headers=linux-headers-$(dpkg --print-architecture) ;;
    *) echo "setup.sh: only Debian and Ubuntu are supported (ID=${ID:-?})" >&2; exit 1 ;;
esac

packages=(build-essential gcc make "$headers" kmod openssl patch binutils xz-utils zstd gzip tar
          util-linux bc jq git ca-certificates)

# Rust: keep a toolchain that is already there (rustup's ~/.cargo/bin included)
[[ -x $HOME/.cargo/bin/cargo ]] && export PATH=$HOME/.cargo/bin:$PATH
command -v cargo >/dev/null || packages+=(cargo rustc)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup.sh: installing ${missing[*]}"
    "${SUDO[@]}" apt-get update -q
    "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! compgen -G '/lib/modules/*/build/include' >/dev/null; then
    echo "setup.sh: no kernel headers under /lib/modules/*/build after installing $headers" >&2
    exit 1
fi
# the dependencies need a recent compiler; distribution packages of older releases are too old
rustc_minor=$(rustc --version | sed -n 's/^rustc 1\.\([0-9]*\).*/\1/p')
if [[ -n $rustc_minor ]] && ((rustc_minor < 80)); then
    echo "setup.sh: $(rustc --version) is too old (1.80 or newer needed): install one with rustup (https://rustup.rs)" >&2
    exit 1
fi
echo "setup.sh: $(cargo --version), headers: $(ls -d /lib/modules/*/build/include | head -n1)"
