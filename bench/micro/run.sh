#!/usr/bin/env bash
# Runs the balancer micro-benchmarks (npm run bench:micro): the native one built with -O2, then the
# JS one against dist/ and the built addon. Prints markdown tables for docs/balancer.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$root/build/bench-micro"
echo "date: $(date -u +%Y-%m-%d), nproc: $(nproc), $(node --version), $(g++ --version | head -1)"
echo
g++ -std=c++20 -O2 -Wall -Wextra -Werror -fno-exceptions -pthread -I"$root/native" \
  "$root"/native/balancer/*.cc "$root/bench/micro/balancer_native.cc" -o "$root/build/bench-micro/balancer_native"
"$root/build/bench-micro/balancer_native"
echo
node "$root/node_modules/typescript/bin/tsc" -p "$root/tsconfig.build.json"
node "$root/bench/micro/balancer-js.mjs"
