#!/usr/bin/env bash
# One entry point for a fresh machine (Rust toolchain and python3 present):
#   ./run.sh lab    build, register the kernel in .venv, start JupyterLab
#   ./run.sh test   build, install the test tools in .venv, run every test
set -euo pipefail
cd "$(dirname "$0")"
ROOT="$PWD"
VENV="$ROOT/.venv"

say() { echo "== $*"; }

# Debian's Chromium for the browser tests (never a downloaded browser).
chromium() {
    if [ -x /usr/bin/chromium ]; then
        return
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing Debian's chromium for the browser tests"
        export DEBIAN_FRONTEND=noninteractive
        apt-get -qq update
        apt-get -qq install -y chromium >/dev/null
    else
        say "no /usr/bin/chromium (and not root to apt-get it): the browser tests will be skipped"
    fi
}

venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        python3 -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
}

# rustfmt and clippy for the lint gate (rustup installs them when they are missing).
lint_tools() {
    if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
        if command -v rustup >/dev/null; then
            rustup component add rustfmt clippy
        fi
    fi
}

# rustfmt keeps code within rustfmt.toml's 120 columns but leaves long literals and comments
# alone: this catches those (characters, not bytes).
long_lines() {
    local long
    long=$(git ls-files '*.rs' | python3 -c '
import sys
for name in sys.stdin.read().split():
    for number, line in enumerate(open(name, encoding="utf-8"), 1):
        if len(line.rstrip("\n")) > 120:
            print(f"{name}:{number}")' | head -20)
    if [ -n "$long" ]; then
        echo "lines over 120 columns (wrap them by hand):" >&2
        echo "$long" >&2
        return 1
    fi
}

case "${1:-}" in
lab)
    say "building the kernel (release)"
    cargo build --release --bin ksqldb-kernel
    say "JupyterLab in $VENV"
    venv jupyterlab==4.6.6   # the version the browser tests pin (tests/requirements.txt)
    say "registering the ksqlDB kernel in $VENV"
    VIRTUAL_ENV="$VENV" ./target/release/ksqldb-kernel install --sys-prefix
    if [ -z "${KSQLDB_URL:-}${KSQLDB_PROFILE:-}" ]; then
        say "no KSQLDB_URL or KSQLDB_PROFILE: notebooks use the kernel's embedded sandbox (unless a default profile is configured)"
    fi
    say "starting JupyterLab on notebooks/"
    exec "$VENV/bin/jupyter" lab --notebook-dir="$ROOT/notebooks" "${@:2}"
    ;;
test)
    chromium
    say "lint: cargo fmt --check, cargo clippy -D warnings, lines within 120 columns"
    lint_tools
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    long_lines
    cargo build --workspace --all-targets
    venv -r tests/requirements.txt
    say "cargo test"
    cargo test --workspace
    say "pytest"
    "$VENV/bin/python" -m pytest tests/jupyter -q -rs
    ;;
*)
    echo "usage: ./run.sh lab | test" >&2
    exit 2
    ;;
esac
