#!/usr/bin/env bash
# bench/process: genie process vs the same work in pandas, side by side in
# one run, on ml-100k and on a synthetic 25M-rating release. Prints wall
# time and peak memory of each and the ratios. Usage:
#   bash bench/process/run.sh [RATINGS]   (default 25000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-25000000}
PY=/usr/bin/python3   # Debian's python3 with python3-pandas
work=$(mktemp -d /tmp/genie-bench-process.XXXX)
trap 'rm -rf "$work"' EXIT
go build -o "$work/genie" ./cmd/genie

measure() { # name cmd... -> "seconds maxrss_kb"
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" >"$work/$name.log" 2>&1 || { cat "$work/$name.log"; exit 1; }
  cat "$work/$name.time"
}

row() { # label genie_time pandas_time
  read -r gs gm <<<"$2"; read -r ps pm <<<"$3"
  printf '%-22s genie %7.2fs %7.0f MB | pandas %7.2fs %7.0f MB | speed-up %5.1fx | memory ratio %.2f\n' \
    "$1" "$gs" "$((gm/1024))" "$ps" "$((pm/1024))" "$(echo "$ps/$gs" | bc -l)" "$(echo "$gm/$pm" | bc -l)"
}

if [ -d ../shared/datasets/ml-100k ]; then
  g=$(measure g100k "$work/genie" process --input ../shared/datasets/ml-100k --output "$work/g100k" --report "$work/g100k.json" --params /dev/null)
  p=$(measure p100k $PY bench/process/pandas_process.py ../shared/datasets/ml-100k "$work/p100k")
  row "ml-100k" "$g" "$p"
fi

"$work/genie" data synth --users $((N/150)) --items $((N/400)) --ratings "$N" --format ml-25m --seed 1 --out "$work/synth" >/dev/null
g=$(measure gsynth "$work/genie" process --input "$work/synth" --output "$work/gsynth" --report "$work/gsynth.json" --params /dev/null)
p=$(measure psynth $PY bench/process/pandas_process.py "$work/synth" "$work/psynth")
row "synthetic $N" "$g" "$p"
