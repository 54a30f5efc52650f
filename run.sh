#!/usr/bin/env bash
# One entry point for a fresh machine (Rust toolchain and python3 present):
#   ./run.sh lab    build, register the kernel in .venv, start JupyterLab
#   ./run.sh test   build, install the test tools in .venv, run every test
set -euo pipefail
cd "$(dirname "$0")"
ROOT="$PWD"
VENV="$ROOT/.venv"

venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        python3 -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
}

case "${1:-}" in
lab)
    cargo build --release --bin ksqldb-kernel
    venv jupyterlab==4.6.6   # the version the browser tests pin (tests/requirements.txt)
    VIRTUAL_ENV="$VENV" ./target/release/ksqldb-kernel install --sys-prefix
    exec "$VENV/bin/jupyter" lab --notebook-dir="$ROOT/notebooks" "${@:2}"
    ;;
test)
    cargo build --workspace --all-targets
    venv -r tests/requirements.txt
    echo "== cargo test"
    cargo test --workspace
    echo "== pytest"
    "$VENV/bin/python" -m pytest tests/jupyter -q -rs
    ;;
*)
    echo "usage: ./run.sh lab | test" >&2
    exit 2
    ;;
esac
