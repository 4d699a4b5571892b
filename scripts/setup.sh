#!/usr/bin/env bash
# Installs libtorch for mldrill, idempotently, and links it where cargo looks for it.
#
# libtorch comes from the `torch` wheel (the version tch expects), installed into one
# virtual environment per machine under the user's cache folder and shared by every
# checkout and grading workspace. An existing LIBTORCH is respected. The repository's
# `.cargo/config.toml` points LIBTORCH at `.libtorch`, the link this script makes, so a
# plain `cargo build` works; each binary gets an rpath to libtorch from build.rs.
set -euo pipefail

TORCH_VERSION="2.13.0"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/mldrill"
venv="$cache_root/torch-$TORCH_VERSION"

fail() { echo "setup: error: $*" >&2; exit 2; }
say() { [ -n "${MLDRILL_QUIET:-}" ] || echo "setup: $*" >&2; }

is_libtorch() { [ -f "$1/lib/libtorch_cpu.so" ] && [ -d "$1/include" ]; }

link_libtorch() {
  ln -sfn "$1" "$repo_root/.libtorch"
  say "libtorch: $1"
}

if [ -n "${LIBTORCH:-}" ]; then
  is_libtorch "$LIBTORCH" || fail "LIBTORCH=$LIBTORCH has no lib/libtorch_cpu.so; unset LIBTORCH to let setup install torch==$TORCH_VERSION"
  link_libtorch "$LIBTORCH"
  exit 0
fi

find_torch_dir() { compgen -G "$venv/lib/python3*/site-packages/torch" | head -n 1; }

torch_dir="$(find_torch_dir || true)"
if [ -n "$torch_dir" ] && [ -f "$venv/.complete" ] && is_libtorch "$torch_dir"; then
  link_libtorch "$torch_dir"
  exit 0
fi

command -v python3 >/dev/null || fail "python3 not found; install Python 3.10+ (Debian: apt-get install python3 python3-venv)"
python3 -V >/dev/null 2>&1 || fail "python3 is on PATH but does not run; reinstall Python 3.10+"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
  || fail "python3 is $(python3 -V 2>&1); torch==$TORCH_VERSION needs Python 3.10+"

mkdir -p "$cache_root"
exec 9>"$cache_root/.install.lock"
flock 9  # one install at a time per machine; a second checkout waits and then reuses it

torch_dir="$(find_torch_dir || true)"
if ! { [ -n "$torch_dir" ] && [ -f "$venv/.complete" ] && is_libtorch "$torch_dir"; }; then
  say "installing torch==$TORCH_VERSION into $venv (about 4.7 GB, once per machine)"
  rm -rf "$venv"
  python3 -m venv "$venv" 2>/dev/null \
    || fail "python3 cannot create a virtual environment; install the venv module (Debian: apt-get install python3-venv)"
  "$venv/bin/python" -m pip --version >/dev/null 2>&1 \
    || fail "pip is missing in the virtual environment; install it (Debian: apt-get install python3-pip python3-venv)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "torch==$TORCH_VERSION" \
    || fail "pip could not install torch==$TORCH_VERSION (see pip's message above); check the network to the Python package index and free disk space (about 5 GB)"
  torch_dir="$(find_torch_dir || true)"
  [ -n "$torch_dir" ] && is_libtorch "$torch_dir" \
    || fail "torch==$TORCH_VERSION installed but has no lib/libtorch_cpu.so under $venv; remove $venv and rerun"
  touch "$venv/.complete"
fi
link_libtorch "$torch_dir"
