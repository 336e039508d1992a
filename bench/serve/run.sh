#!/usr/bin/env bash
# Serving benchmark: clones the repository (committed state) into a scratch
# folder, runs the pipeline on a MovieLens release there, starts
# `genie serve` on a free loopback port, runs bench/serve against it (open
# loop, closed loop, then a soak with feedback writes), and stops the server;
# then a closed loop against a server that computes every list
# (--no-list-cache).
# Prints Markdown tables and the machine's load average.
#
#   bench/serve/run.sh [scratch-dir]
#
# Settings (environment): DATA (../shared/datasets/ml-100k), RATE (1000),
# DURATION (10s), WORKERS (32), MAXDUR (5s), SOAK (2m; 0 skips it),
# SOAK_RATE (100), FEEDBACK_RATE (10).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="${1:-${TMPDIR:-/tmp}/servebench}"
data="${DATA:-$repo/../shared/datasets/ml-100k}"
data="$(cd "$data" && pwd)"
mkdir -p "$work"
work="$(cd "$work" && pwd)"

if [ ! -d "$work/clone/.git" ]; then
  git clone --quiet --no-hardlinks "$repo" "$work/clone"
fi
echo "== building genie ($(git -C "$work/clone" rev-parse --short HEAD)) and bench/serve"
(cd "$work/clone" && go build -o bin/genie ./cmd/genie)
(cd "$repo" && go build -o "$work/serve-bench" ./bench/serve)

cd "$work/clone"
echo "== pipeline: genie up --from $data --smoke"
start=$(date +%s)
bin/genie up --from "$data" --port 0 --smoke
echo "pipeline + smoke: $(($(date +%s) - start)) s"

# start_server [genie serve flags...]: starts genie serve in the background,
# setting pid and url.
start_server() {
  local log="$work/serve.log"
  bin/genie serve --port 0 --reload-every 0 "$@" >"$log" 2>"$work/serve.err" &
  pid=$!
  url=""
  for _ in $(seq 1 600); do
    url="$(sed -n 's/^Movie Genie is serving \(http:[^ ]*\).*/\1/p' "$log")"
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$url" ] || { echo "server did not start" >&2; exit 1; }
  echo "== serving $url (pid $pid${*:+; $*})"
}
stop_server() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
pid=""
trap stop_server EXIT

start_server
echo "load before: $(cat /proc/loadavg) on $(nproc) cores"
"$work/serve-bench" -url "$url" -rate "${RATE:-1000}" -duration "${DURATION:-10s}" \
  -workers "${WORKERS:-32}" -max-duration "${MAXDUR:-5s}" -pid "$pid"
echo "load after: $(cat /proc/loadavg)"
if [ "${SOAK:-2m}" != 0 ]; then
  "$work/serve-bench" -url "$url" -soak "${SOAK:-2m}" -rate "${SOAK_RATE:-100}" \
    -feedback-rate "${FEEDBACK_RATE:-10}" -pid "$pid"
  echo "load after soak: $(cat /proc/loadavg)"
fi
stop_server

# The server answers a user's list again while their history and the models
# are unchanged; the loops above mostly hit that cache once every user has
# been asked once. This closed loop computes every list, the cost of a miss.
start_server --no-list-cache
echo "== closed loop, every list computed (--no-list-cache)"
"$work/serve-bench" -url "$url" -duration 0s -workers "${WORKERS:-32}" -max-duration "${MAXDUR:-5s}" \
  -endpoints recommendations,healthz -pid "$pid"
echo "load after: $(cat /proc/loadavg)"
