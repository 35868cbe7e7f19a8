#!/usr/bin/env bash
# Formats the C++ (native/ and bench/micro/, not vendored code) with .clang-format; --check only reports.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t sources < <(find native bench/micro \( -name '*.cc' -o -name '*.h' \) -not -path '*/vendor/*' | sort)
if [ "${1:-}" = "--check" ]; then
  clang-format --dry-run --Werror "${sources[@]}"
else
  clang-format -i "${sources[@]}"
fi
