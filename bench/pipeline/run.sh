#!/usr/bin/env bash
# Builds genie and runs the pipeline benchmarks; prints Markdown tables.
# Usage: bench/pipeline/run.sh [scratch-dir]   (needs ~3 GB of disk)
set -euo pipefail
cd "$(dirname "$0")/../.."
work="${1:-${TMPDIR:-/tmp}/pipelinebench}"
mkdir -p "$work"
go build -o "$work/genie" ./cmd/genie
echo "## 10,000 x 32 KiB output directory"
go run ./bench/pipeline -genie "$work/genie" -work "$work" -project . -filekb 32
echo
echo "## 10,000 x 128 KiB output directory (MD5 and no-op repro re-measured)"
mkdir -p "$work/128k"
ln -sf "$work/big.bin" "$work/128k/big.bin"
go run ./bench/pipeline -genie "$work/genie" -work "$work/128k" -project . -filekb 128
