#!/usr/bin/env bash
# Builds the native unit tests (balancer, l4 access log ring, PROXY protocol parser, UDP engine, rate-limit buckets, concurrency counts, tcp connection gate) with sanitizers and runs them: ASan+UBSan for behaviour,
# TSan for the concurrency test. Objects are cached in build/native-test/ (2 compile jobs at most).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/build/native-test"
common=(-std=c++20 -Wall -Wextra -Werror -fno-exceptions -O1 -g -fno-omit-frame-pointer -I"$root/native" -pthread)
library=("$root"/native/balancer/*.cc)
newest_header="$(ls -t "$root"/native/balancer/*.h "$root"/native/l4/access_log.h "$root"/native/l4/record_ring.h \
  "$root"/native/l4/proxy_protocol.h "$root"/native/l4/connection_gate.h "$root"/native/l4/options.h \
  "$root"/native/l4/udp_*.h "$root"/native/limits/*.h "$root"/native/test/*.h | head -1)"

# build NAME "SANITIZER FLAGS" TEST_SOURCES...: compiles changed objects in parallel, then links.
build() {
  local name="$1" flags="$2"
  shift 2
  local dir="$out/$name" sources=("${library[@]}" "$root/native/test/check_main.cc" "$@") objects=() stale=()
  mkdir -p "$dir"
  for source in "${sources[@]}"; do
    local object="$dir/$(basename "$source" .cc).o"
    objects+=("$object")
    if [[ ! -f "$object" || "$source" -nt "$object" || "$newest_header" -nt "$object" ]]; then stale+=("$source"); fi
  done
  if ((${#stale[@]})); then
    printf '%s\n' "${stale[@]}" |
      xargs -P 2 -I{} sh -c 'source="$0" dir="$1"; shift; g++ "$@" -c "$source" -o "$dir/$(basename "$source" .cc).o"' \
        {} "$dir" "${common[@]}" $flags
  fi
  g++ "${common[@]}" $flags "${objects[@]}" -o "$dir/tests"
}

build asan "-fsanitize=address,undefined -fno-sanitize-recover=all" \
  "$root/native/test/balancer_pickers_test.cc" "$root/native/test/balancer_ring_test.cc" \
  "$root/native/l4/proxy_protocol.cc" "$root/native/test/l4_proxy_protocol_test.cc" \
  "$root"/native/l4/udp_{listener,loop,flow_machine,flow_table,sockets}.cc "$root/native/l4/event_log.cc" \
  "$root/native/l4/sockets.cc" "$root/native/l4/access_log.cc" "$root/native/test/l4_udp_engine_test.cc" \
  "$root/native/l4/connection_gate.cc" "$root"/native/limits/{token_buckets,concurrency_counts}.cc \
  "$root/native/test/l4_connection_gate_test.cc"
build tsan "-fsanitize=thread" "$root/native/test/balancer_concurrency_test.cc" \
  "$root/native/limits/token_buckets.cc" "$root/native/test/limits_token_buckets_test.cc" \
  "$root/native/limits/concurrency_counts.cc" "$root/native/test/limits_concurrency_counts_test.cc" \
  "$root/native/l4/connection_gate.cc" "$root/native/test/l4_connection_gate_test.cc" \
  "$root/native/l4/access_log.cc" "$root/native/test/l4_access_log_test.cc" \
  "$root"/native/l4/udp_{listener,loop,flow_machine,flow_table,sockets}.cc "$root/native/l4/event_log.cc" \
  "$root/native/l4/sockets.cc" "$root/native/test/l4_udp_engine_test.cc"

echo "== ASan + UBSan: pickers, rings, PROXY protocol parser, UDP engine (flows freed, no leak), connection gate"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 "$out/asan/tests"
echo "== TSan: concurrency (balancer, l4 access log ring, UDP engine, rate-limit buckets, concurrency counts, connection gate)"
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 "$out/tsan/tests"
