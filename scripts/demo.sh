#!/usr/bin/env bash
# The demo behind `make demo`: list the exercises, check every reference (all tasks must
# pass), then the untouched candidate stubs (every task reported as not implemented).
set -euo pipefail
mldrill="${1:-target/release/mldrill}"
seed=2026

step() { printf '\n== %s\n' "$*"; }

step "mldrill list"
"$mldrill" list

exercises=$("$mldrill" list | awk 'NR > 1 { print $1 }')
for exercise in $exercises; do
  step "mldrill check $exercise --impl reference --seed $seed"
  "$mldrill" check "$exercise" --impl reference --seed "$seed" --quiet \
    || { echo "demo: the reference of $exercise did not pass; this is a bug in mldrill" >&2; exit 1; }
done
for exercise in $exercises; do
  step "mldrill check $exercise --seed $seed   (the untouched stub)"
  status=0
  "$mldrill" check "$exercise" --seed "$seed" --quiet || status=$?
  [ "$status" -eq 1 ] || { echo "demo: expected exit code 1 for the stub of $exercise, got $status" >&2; exit 1; }
  # Every task of an untouched stub must be reported as not implemented, not as a crash.
  report=$("$mldrill" check "$exercise" --seed "$seed" --quiet --format json) || true
  printf '%s' "$report" | python3 "$(dirname "$0")/expect_not_implemented.py"
done
if command -v mldrill >/dev/null; then
  run="mldrill"
else
  run="$mldrill"
  printf '\n`make install` puts mldrill on your PATH (cargo'\''s bin folder), so that every hint and replay line works as printed; until then, run %s.\n' "$mldrill"
fi
printf '\nNext: %s show dataloader, fill in exercises/dataloader/src/lib.rs, %s check dataloader.\nSee the poison exercise'\''s backdoor end to end: %s backdoor\n' "$run" "$run" "$run"
