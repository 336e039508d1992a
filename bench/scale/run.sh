#!/usr/bin/env bash
# bench/scale: the scale run. Data stages (process, sequences, features,
# db setup) on a synthetic 25M-rating release of ml-25m's shape, and data +
# training stages (SASRec, BERT4Rec, Two-Tower with params.yaml's settings
# but EPOCHS epochs) on a synthetic ml-1m-sized release. Each stage is one
# genie process, measured for wall time, user/system CPU time and peak RSS
# (wait4 rusage, as GNU time -v reports it), with the load average sampled
# while it runs. Writes results.md and results.json into the work folder and
# prints the Markdown.
#
#   bench/scale/run.sh [data|train|all] [extra scalebench flags]
#
# Environment: WORK (default /tmp/genie-scale; ~5 GB of disk for `all`),
# GENIE (a prebuilt genie binary; default: build one into WORK), EPOCHS (2),
# THREADS (training --threads; default the pipeline's, i.e. params.yaml's),
# RATINGS (25000000). Extra flags (go run ./bench/scale -h lists them all):
#   -stages 'features,db setup' -reuse   rerun some stages on the kept data
#   -pg postgres://… -name results-pg    also load the 25M set into PostgreSQL
#   -rebuild                             recompute the report of a finished run
#   -skip-db
# `all` took 63 minutes on the shared 2-core machine (load average ~9; about
# 36 CPU-minutes, mostly single-threaded): see docs/scale.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
part=${1:-all}
[ $# -gt 0 ] && shift
WORK=${WORK:-/tmp/genie-scale}
mkdir -p "$WORK"
case "$(cd "$WORK" && pwd -P)/" in
"$(pwd -P)"/*) echo "WORK=$WORK is inside the repository; pick a folder outside it" >&2; exit 2 ;;
esac
if [ -z "${GENIE:-}" ]; then
  go build -o "$WORK/genie" ./cmd/genie
  GENIE=$WORK/genie
fi
go build -o "$WORK/scalebench" ./bench/scale
commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- cmd internal 2>/dev/null || commit="$commit+uncommitted changes"
"$WORK/scalebench" -genie "$GENIE" -work "$WORK" -part "$part" -params params.yaml \
  -epochs "${EPOCHS:-2}" -threads "${THREADS:-0}" -ratings "${RATINGS:-25000000}" -commit "$commit" "$@"
