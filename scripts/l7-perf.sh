#!/usr/bin/env bash
# Fulcrum http mode vs HAProxy `mode http` on one small keep-alive GET, side by side in one run
# (the machine is shared, so only ratios measured in alternating rounds mean anything).
#
#   scripts/l7-perf.sh                       ROUNDS=3 DURATION=5s by default
#   BASELINE=/tmp/fulcrum-base scripts/l7-perf.sh   adds a second Fulcrum built from another checkout
#   PROFILE=/tmp/prof scripts/l7-perf.sh     writes --cpu-prof files of Fulcrum's threads there
#                                            (NODE_OPTIONS refuses --cpu-prof)
#
# Origin: nginx, 1 worker, `return 200` with a 6-byte body. HAProxy: nbthread 1, http-reuse always, and the
# forwarding headers Fulcrum adds (X-Forwarded-For/-Proto/-Host, Forwarded).
# Fulcrum: FULCRUM_WORKERS=1. Load: wrk -t1 -c64. Stops every process it started, by pid.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${ROUNDS:-3}"
duration="${DURATION:-5s}"
origin_port="${ORIGIN_PORT:-9301}"
haproxy_port="${HAPROXY_PORT:-9302}"
fulcrum_port="${FULCRUM_PORT:-9303}"
baseline_port="${BASELINE_PORT:-9304}"
work="$(mktemp -d /tmp/fulcrum-l7-perf.XXXXXX)"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

wait_for_port() {
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$1/"; then return 0; fi
    sleep 0.1
  done
  echo "nothing answered on 127.0.0.1:$1" >&2
  exit 1
}

mkdir -p "$work/nginx"
cat >"$work/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$origin_port backlog=4096;
    location / { default_type text/plain; return 200 "hello\n"; }
  }
}
EOF
nginx -c "$work/nginx.conf" -p "$work/nginx" &
pids+=($!)

cat >"$work/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4000
defaults
  mode http
  timeout connect 5s
  timeout client 120s
  timeout server 120s
frontend perf_in
  bind 127.0.0.1:$haproxy_port
  # The forwarding headers Fulcrum adds by default: the same work per request on both sides.
  option forwardfor
  http-request set-header X-Forwarded-Proto http
  http-request set-header X-Forwarded-Host %[req.hdr(host)]
  http-request set-header Forwarded "for=%[src];proto=http;host=\\"%[req.hdr(host)]\\""
  default_backend perf_origin
backend perf_origin
  balance roundrobin
  http-reuse always
  server origin1 127.0.0.1:$origin_port
EOF
haproxy -db -f "$work/haproxy.cfg" &
pids+=($!)

start_fulcrum() { # checkout port
  local node_args=()
  if [[ -n "${PROFILE:-}" ]]; then
    mkdir -p "$PROFILE"
    node_args=(--cpu-prof --cpu-prof-dir="$PROFILE")
  fi
  # Worker threads inherit the process's execArgv, so piscina workers write their profiles too.
  FULCRUM_MODE=http FULCRUM_WORKERS=1 FULCRUM_LISTEN="127.0.0.1:$2" \
    FULCRUM_BACKENDS="127.0.0.1:$origin_port" FULCRUM_ADMIN_LISTEN=off FULCRUM_LOG_LEVEL=warn \
    node ${node_args[@]+"${node_args[@]}"} "$1/dist/cli.js" &
  pids+=($!)
}
start_fulcrum "$root" "$fulcrum_port"
contenders=("haproxy:$haproxy_port" "fulcrum:$fulcrum_port")
if [[ -n "${BASELINE:-}" ]]; then
  start_fulcrum "$BASELINE" "$baseline_port"
  contenders+=("baseline:$baseline_port")
fi

wait_for_port "$origin_port"
for contender in "${contenders[@]}"; do wait_for_port "${contender#*:}"; done
for contender in "${contenders[@]}"; do wrk -t1 -c64 -d1s "http://127.0.0.1:${contender#*:}/" >/dev/null; done

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  nproc: $(nproc)  load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: wrk -t1 -c64 -d$duration --latency http://127.0.0.1:PORT/"
printf '%-6s %-9s %10s %9s %12s %12s\n' round who 'req/s' 'p99' 'rps ratio' 'p99 ratio'
to_ms() { # wrk latency such as 812.00us, 1.23ms, 1.01s
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[^m]s$/) n *= 1000; printf "%.3f", n }'
}
for round in $(seq 1 "$rounds"); do
  # Alternate the order so neither side always runs right after the other.
  ordered=("${contenders[@]}")
  if ((round % 2 == 0)); then
    ordered=()
    for ((index = ${#contenders[@]} - 1; index >= 0; index--)); do ordered+=("${contenders[$index]}"); done
  fi
  declare -A rps=() p99=()
  for contender in "${ordered[@]}"; do
    name="${contender%%:*}"
    output="$(wrk -t1 -c64 -d"$duration" --latency "http://127.0.0.1:${contender#*:}/")"
    if grep -q 'Non-2xx\|Socket errors' <<<"$output"; then echo "$name: errors in round $round" >&2; echo "$output" >&2; fi
    rps[$name]="$(awk '/^Requests\/sec/ { print $2 }' <<<"$output")"
    p99[$name]="$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$output")")"
  done
  for contender in "${contenders[@]}"; do
    name="${contender%%:*}"
    printf '%-6s %-9s %10.0f %7sms %12s %12s\n' "$round" "$name" "${rps[$name]}" "${p99[$name]}" \
      "$(awk -v a="${rps[$name]}" -v b="${rps[haproxy]}" 'BEGIN { printf "%.2f", a / b }')" \
      "$(awk -v a="${p99[$name]}" -v b="${p99[haproxy]}" 'BEGIN { printf "%.2f", a / b }')"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
