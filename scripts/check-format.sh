#!/usr/bin/env bash
# Checks that every C++ file git tracks is formatted as .clang-format says
# (Debian 12's clang-format 14, which the test command installs). Prints
# the files that are not, and the command that formats them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

FORMAT="$(command -v clang-format-14 || command -v clang-format || true)"
[ -n "$FORMAT" ] || die "clang-format is not installed (apt-get install clang-format)"

cd "$MESHPLANE_ROOT"
# One call over every file (fast); its warnings name file:line.
mapfile -t bad < <(git ls-files -z -- '*.cc' '*.h' \
  | xargs -0 -n 100 -P 2 "$FORMAT" --dry-run 2>&1 \
  | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: .*clang-format-violations.*/\1/p' \
  | sort -u)

if [ "${#bad[@]}" -gt 0 ]; then
  printf '  %s\n' "${bad[@]}" >&2
  die "${#bad[@]} file(s) not formatted; run: $(basename "$FORMAT") -i <file>..."
fi
