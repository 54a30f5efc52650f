#!/usr/bin/env bash
# One entry point for a fresh machine (Rust toolchain and python3 present):
#   ./run.sh lab    build the kernel's wheel, pip-install it in .venv (with jupyter console and
#                   papermill), start JupyterLab on notebooks/
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

# Builds with `cargo build ARGS` and prints the path of the binary NAME from cargo's own
# compiler-artifact message, so CARGO_TARGET_DIR or a target-dir set in a cargo config file is
# honoured (target/ is only the default). Diagnostics still go to the terminal.
cargo_bin() {
    local name=$1
    shift
    cargo build --message-format=json-render-diagnostics "$@" | python3 -c '
import json, sys
name, found = sys.argv[1], None
for line in sys.stdin:
    if line.startswith("{"):
        msg = json.loads(line)
        target = msg.get("target", {})
        # Test harnesses (--all-targets) are executables too: only the binary itself.
        if (msg.get("reason") == "compiler-artifact" and msg.get("executable") and target.get("name") == name
                and "bin" in target.get("kind", []) and not msg["profile"]["test"]):
            found = msg["executable"]
if not found:
    sys.exit(f"cargo built no binary named {name}")
print(found)' "$name"
}

# What the README tells users to run from .venv, and maturin to build the wheel, pinned as the
# tests pin them.
lab_requirements() {
    grep -E '^(jupyterlab|jupyter-console|papermill|maturin)==' tests/requirements.txt
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
    say "JupyterLab, jupyter console, papermill and maturin in $VENV"
    # shellcheck disable=SC2046  # one requirement per line, none with spaces
    venv $(lab_requirements)
    # The pip way, as users install it: the binary, the kernelspec (into .venv/share/jupyter)
    # and the papermill translator. maturin builds in cargo's target dir (CARGO_TARGET_DIR or
    # a configured target-dir are honoured); the wheel goes to a folder of its own.
    say "building the kernel's wheel (release) and installing it in $VENV"
    wheels=$(mktemp -d)
    "$VENV/bin/maturin" build --release --out "$wheels"
    venv --force-reinstall --no-deps "$wheels"/ksqldb_kernel-*.whl
    rm -rf "$wheels"
    if [ -z "${KSQLDB_URL:-}${KSQLDB_PROFILE:-}" ]; then
        say "no KSQLDB_URL or KSQLDB_PROFILE: notebooks use the kernel's embedded sandbox (unless a default profile is configured)"
    fi
    args=(--notebook-dir="$ROOT/notebooks")
    if [ "$(id -u)" = 0 ]; then
        # Jupyter's server refuses to start as root without it (containers, CI machines).
        say "running as root: passing --allow-root to JupyterLab"
        args+=(--allow-root)
    fi
    first=(notebooks/*getting-started*.ipynb)
    say "starting JupyterLab on notebooks/; open ${first[0]#notebooks/} first"
    exec "$VENV/bin/jupyter" lab "${args[@]}" "${@:2}"
    ;;
test)
    chromium
    say "lint: cargo fmt --check, cargo clippy -D warnings, lines within 120 columns"
    lint_tools
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    long_lines
    # The binaries under test where cargo put them (harness.py reads these).
    KSQLDB_KERNEL_BIN=$(cargo_bin ksqldb-kernel --workspace --all-targets)
    FAKE_KSQLDB_BIN=$(cargo_bin fake-ksqldb --workspace --all-targets)
    export KSQLDB_KERNEL_BIN FAKE_KSQLDB_BIN
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
