#!/usr/bin/env bash
# Installs libtorch for mldrill, idempotently, and links it where cargo looks for it.
#
# libtorch comes from the `torch` wheel (the version tch expects), installed into one
# virtual environment per machine under the user's cache folder and shared by every
# checkout and grading workspace. An existing LIBTORCH is respected. The repository's
# `.cargo/config.toml` points LIBTORCH at `.libtorch`, the link this script makes, so a
# plain `cargo build` works; each binary gets an rpath to libtorch from build.rs.
#
# mldrill runs libtorch on the CPU. Its binaries load libtorch_cpu and libc10, and
# libtorch_cpu needs two CUDA runtime libraries of its own (libcudart, libcupti), so the
# default install is the torch wheel without its dependencies plus the two packages that
# provide those (about 1.2 GB instead of 4.9 GB). `bash scripts/setup.sh --gpu` (make
# setup-gpu) installs torch with every dependency instead, for a GPU. A full install that
# is already there is used as it is.
set -euo pipefail

TORCH_VERSION="2.13.0"
# The versions torch 2.13.0's own requirements pin (through cuda-toolkit 13.0.3); they put
# libcudart.so.13 and libcupti.so.13 in nvidia/cu13/lib, where libtorch_cpu's rpath looks.
CPU_RUNTIME=("nvidia-cuda-runtime==13.0.96" "nvidia-cuda-cupti==13.0.85")
full=""
case "${1:-}" in
  "") ;;
  --gpu) full=1 ;;
  *) echo "setup: error: unknown option $1; use no option (CPU libtorch) or --gpu (every CUDA library)" >&2; exit 2 ;;
esac
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/mldrill"
venv="$cache_root/torch-$TORCH_VERSION"

fail() { echo "setup: error: $*" >&2; exit 2; }
say() { [ -n "${MLDRILL_QUIET:-}" ] || echo "setup: $*" >&2; }

is_libtorch() { [ -f "$1/lib/libtorch_cpu.so" ] && [ -d "$1/include" ]; }

# Links `.libtorch`; says so only when the link changes, so that a `make test` that finds
# everything in place prints nothing.
link_libtorch() {
  [ "$(readlink "$repo_root/.libtorch" 2>/dev/null)" = "$1" ] && return 0
  ln -sfn "$1" "$repo_root/.libtorch"
  say "libtorch: $1"
}

if [ -n "${LIBTORCH:-}" ]; then
  is_libtorch "$LIBTORCH" || fail "LIBTORCH=$LIBTORCH has no lib/libtorch_cpu.so; unset LIBTORCH to let setup install torch==$TORCH_VERSION"
  link_libtorch "$LIBTORCH"
  exit 0
fi

find_torch_dir() { compgen -G "$venv/lib/python3*/site-packages/torch" | head -n 1; }

# A full install (marked `.complete`, as every install was before the CPU one) serves both;
# a CPU install (`.complete-cpu`) serves unless --gpu asks for more.
installed() {
  local dir
  dir="$(find_torch_dir || true)"
  [ -n "$dir" ] && is_libtorch "$dir" || return 1
  [ -f "$venv/.complete" ] || { [ -z "$full" ] && [ -f "$venv/.complete-cpu" ]; }
}

# Every library libtorch_cpu and libc10 load must resolve (ldd reads their rpaths).
check_loadable() {
  command -v ldd >/dev/null || return 0
  local missing
  missing="$(ldd "$1/lib/libtorch_cpu.so" "$1/lib/libc10.so" 2>&1 | grep 'not found' | sort -u || true)"
  [ -z "$missing" ] || fail "libtorch under $1 misses libraries: $(echo "$missing" | awk '{print $1}' | tr '\n' ' ')- remove $venv and rerun"
}

if installed; then
  link_libtorch "$(find_torch_dir)"
  exit 0
fi

command -v python3 >/dev/null || fail "python3 not found; install Python 3.10+ (Debian: apt-get install python3 python3-venv)"
python3 -V >/dev/null 2>&1 || fail "python3 is on PATH but does not run; reinstall Python 3.10+"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
  || fail "python3 is $(python3 -V 2>&1); torch==$TORCH_VERSION needs Python 3.10+"

mkdir -p "$cache_root"
exec 9>"$cache_root/.install.lock"
flock 9  # one install at a time per machine; a second checkout waits and then reuses it

if ! installed; then
  if [ -n "$full" ]; then
    what="torch==$TORCH_VERSION with every CUDA library (about 4.9 GB, once per machine)"
    packages=("torch==$TORCH_VERSION")
    pip_options=()
    marker=".complete"
  else
    what="torch==$TORCH_VERSION for the CPU (about 1.2 GB, once per machine; make setup-gpu for every CUDA library)"
    packages=("torch==$TORCH_VERSION" "${CPU_RUNTIME[@]}")
    pip_options=(--no-deps)
    marker=".complete-cpu"
  fi
  say "installing $what into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv" 2>/dev/null \
    || fail "python3 cannot create a virtual environment; install the venv module (Debian: apt-get install python3-venv)"
  "$venv/bin/python" -m pip --version >/dev/null 2>&1 \
    || fail "pip is missing in the virtual environment; install it (Debian: apt-get install python3-pip python3-venv)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input ${pip_options[@]+"${pip_options[@]}"} "${packages[@]}" \
    || fail "pip could not install ${packages[*]} (see pip's message above); check the network to the Python package index and free disk space"
  torch_dir="$(find_torch_dir || true)"
  [ -n "$torch_dir" ] && is_libtorch "$torch_dir" \
    || fail "torch==$TORCH_VERSION installed but has no lib/libtorch_cpu.so under $venv; remove $venv and rerun"
  check_loadable "$torch_dir"
  touch "$venv/$marker"
fi
link_libtorch "$(find_torch_dir)"
