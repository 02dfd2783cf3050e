#!/bin/bash
# test.sh - install what the tests need, then run the whole test suite (unit and integration
# tests; they build real modules against the installed kernel headers, each in its own
# temporary root, and never touch /var/lib/dkms, /usr/src, /lib/modules or /etc/dkms).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
bash scripts/setup.sh
[[ -x $HOME/.cargo/bin/cargo ]] && export PATH=$HOME/.cargo/bin:$PATH
cargo test --locked "$@"
