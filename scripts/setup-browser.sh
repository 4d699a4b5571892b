#!/usr/bin/env bash
# Installs headless Chromium for the HTML report's browser test (tests/html_report.rs),
# idempotently: Debian's `chromium` package, after `apt-get update`. Prints the browser's
# path on success. Exits 3 (and says why) when it cannot be installed here: no apt-get, not
# root and no sudo, or no package index reachable; the test then skips, saying so.
set -euo pipefail

say() { echo "setup-browser: $*" >&2; }
cannot() { say "cannot install chromium: $*"; exit 3; }

find_browser() {
  for name in chromium chromium-browser; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  done
  return 1
}

if browser="$(find_browser)"; then
  echo "$browser"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 || cannot "apt-get not found (not a Debian-like system); install Chromium by hand"
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  cannot "installing packages needs root (or sudo without a password)"
fi

# One install at a time per machine: a second caller waits, then finds the browser.
exec 9>"${TMPDIR:-/tmp}/mldrill-setup-browser.lock"
flock 9
if browser="$(find_browser)"; then
  echo "$browser"
  exit 0
fi
say "installing Debian's chromium package (once per machine)"
"${as_root[@]}" apt-get update -qq || cannot "apt-get update failed (no package index reachable?)"
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
  chromium fonts-dejavu-core >/dev/null || cannot "apt-get install chromium failed (see apt's message above)"
browser="$(find_browser)" || cannot "the chromium package installed no chromium command"
echo "$browser"
