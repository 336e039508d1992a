#!/usr/bin/env bash
# Runs the browser test against a real genie: builds genie (with the web app
# embedded), brings Movie Genie up on the dataset with `genie up`, waits for
# /readyz, runs e2e/run.mjs, then stops the server it started.
#
#   bash web/e2e/serve-and-test.sh            # from the repository root
#
# Environment:
#   GENIE_URL          test this running server instead of starting one
#   GENIE_DATASET      release folder for genie up --from (default ../shared/datasets/ml-100k)
#   GENIE_BIN          a genie binary to use instead of building one
#   GENIE_PORT         port to serve on (default 8765)
#   GENIE_READY_SECS   how long to wait for the pipeline and server (default 2400)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

if [ -n "${GENIE_URL:-}" ]; then
  exec npm --prefix web run e2e
fi

dataset="${GENIE_DATASET:-../shared/datasets/ml-100k}"
port="${GENIE_PORT:-8765}"
wait_secs="${GENIE_READY_SECS:-2400}"
bin="${GENIE_BIN:-}"
if [ -z "$bin" ]; then
  [ -f web/dist/index.html ] || { echo "web/dist is not built: run npm --prefix web ci && npm --prefix web run build" >&2; exit 1; }
  bin="$(mktemp -d)/genie"
  echo "== go build ./cmd/genie (embedding web/dist)"
  go build -o "$bin" ./cmd/genie
fi

log="$(mktemp)"
echo "== $bin up --from $dataset --port $port (log: $log)"
"$bin" up --from "$dataset" --port "$port" --reload-every 0 >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
trap cleanup EXIT

url="http://127.0.0.1:$port"
deadline=$((SECONDS + wait_secs))
until curl -fsS "$url/readyz" >/dev/null 2>&1; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "genie up stopped before serving:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "genie was not ready after ${wait_secs}s:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  sleep 3
done
echo "== $(curl -fsS "$url/readyz")"
GENIE_URL="$url" npm --prefix web run e2e
