#!/bin/sh
# Side-by-side training benchmark: genie's nn engine (pure-Go and OpenBLAS
# builds) against the PyTorch reference of the same BERT4Rec, same data,
# same thread count; then GEMM GFLOP/s on the shapes training uses.
#
#   bench/train/run.sh            # THREADS=2 EPOCHS=2 by default
#   THREADS=1 EPOCHS=3 bench/train/run.sh
#
# Needs Debian python3-torch and libopenblas-dev. Seconds per epoch are the
# mean over epochs after the first (warm-up); CPU seconds are reported too,
# since wall time on a shared machine depends on the neighbours.
set -eu
cd "$(dirname "$0")/../.."
THREADS=${THREADS:-2}
EPOCHS=${EPOCHS:-2}
PYTHON=${PYTHON:-/usr/bin/python3}
DATA=${DATA:-../shared/datasets/ml-100k/u.data}
OUT=${OUT:-$(mktemp -d)}

go build -o "$OUT/train-purego" ./bench/train
go build -tags openblas -o "$OUT/train-openblas" ./bench/train

"$OUT/train-purego" -data "$DATA" -threads "$THREADS" -epochs "$EPOCHS" -windows "$OUT/windows.bin" >"$OUT/purego.json"
"$OUT/train-openblas" -data "$DATA" -threads "$THREADS" -epochs "$EPOCHS" >"$OUT/openblas.json"
OMP_NUM_THREADS=$THREADS "$PYTHON" bench/train/bert4rec_ref.py --windows "$OUT/windows.bin" --threads "$THREADS" --epochs "$EPOCHS" >"$OUT/torch.json"

"$PYTHON" - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
r = {k: json.load(open(f"{out}/{k}.json")) for k in ("purego", "openblas", "torch")}
t = r["torch"]
print(f"\nBERT4Rec, {t['windows']} windows, {t['steps_per_epoch']} steps/epoch, {t['threads']} threads")
print(f"{'engine':<26}{'s/epoch':>9}{'CPU s/epoch':>13}{'ratio wall':>12}{'ratio CPU':>11}{'loss':>8}")
for k in ("torch", "purego", "openblas"):
    e = r[k]
    print(f"{e['engine']:<26}{e['seconds_per_epoch']:>9.2f}{e['cpu_seconds_per_epoch']:>13.2f}"
          f"{e['seconds_per_epoch'] / t['seconds_per_epoch']:>12.2f}"
          f"{e['cpu_seconds_per_epoch'] / t['cpu_seconds_per_epoch']:>11.2f}{e['final_loss']:>8.3f}")
PY

echo
echo "GEMM GFLOP/s, pure Go ($THREADS threads):"
go test -run '^$' -bench "PureGo$THREADS\$|PureGo$THREADS/" -benchtime 5x ./internal/nn/blas/ | grep GFLOP || true
echo "GEMM GFLOP/s, OpenBLAS ($THREADS threads):"
go test -tags openblas -run '^$' -bench 'Sgemm' -benchtime 5x ./internal/nn/blas/ | grep GFLOP || true
