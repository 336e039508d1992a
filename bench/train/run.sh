#!/bin/sh
# Side-by-side training benchmark: genie's nn engine (pure-Go and OpenBLAS
# builds) against a PyTorch reference of the same model, same data and
# batches, same thread count; prints seconds and CPU seconds per epoch and
# the ratios genie/PyTorch; then GEMM GFLOP/s on the shapes training uses.
#
#   bench/train/run.sh                          # BERT4Rec; THREADS=2 EPOCHS=2
#   MODEL=two-tower EPOCHS=3 bench/train/run.sh # Two-Tower
#   MODEL=all THREADS=1 bench/train/run.sh      # both, one thread
#
# MODEL=bert4rec (default): BERT4Rec of the seed's shape on ml-100k sliding
#   windows read from DATA (u.data); reference bench/train/bert4rec_ref.py.
# MODEL=two-tower: internal/model/twotower's own Fit (params from PARAMS,
#   model_training.two_tower; early stopping off) on DATASET processed
#   through the pipeline (genie process, genie features content) into
#   $OUT/processed, unless PROCESSED names an existing processed folder.
#   main.go -dump writes Fit's batches (after its cold-start dropout draws);
#   bench/train/twotower_ref.py trains the identical PyTorch model on them.
#   PASSIVE=1 adds a PyTorch row with OMP_WAIT_POLICY=passive (OpenMP
#   threads sleep instead of spinning between parallel regions: on a
#   loaded machine PyTorch's default spinning costs it an order of
#   magnitude, see docs/twotower.md). DENSE=1 adds a PyTorch row pooling
#   the history with a dense [B, I] matrix product instead of
#   nn.EmbeddingBag (genie's way before it had the op); passive too when
#   PASSIVE=1.
# GEMM=0 skips the GEMM GFLOP/s section.
#
# Needs Debian python3-torch and libopenblas-dev. Seconds per epoch are the
# mean over epochs after the first (warm-up); CPU seconds (user+system of
# the process) are reported too, since wall time on a shared machine
# depends on the neighbours. PyTorch runs with OMP_NUM_THREADS and
# OPENBLAS_NUM_THREADS set to THREADS (Debian's torch does its GEMMs in
# OpenBLAS, which keeps its own thread pool).
set -eu
cd "$(dirname "$0")/../.."
MODEL=${MODEL:-bert4rec}
THREADS=${THREADS:-2}
EPOCHS=${EPOCHS:-2}
PYTHON=${PYTHON:-/usr/bin/python3}
DATA=${DATA:-../shared/datasets/ml-100k/u.data}
DATASET=${DATASET:-../shared/datasets/ml-100k}
PROCESSED=${PROCESSED:-}
PARAMS=${PARAMS:-params.yaml}
OUT=${OUT:-$(mktemp -d)}
GEMM=${GEMM:-1}
DENSE=${DENSE:-0}
PASSIVE=${PASSIVE:-0}
case $MODEL in
bert4rec | two-tower | all) ;;
*) echo "MODEL=$MODEL: want bert4rec, two-tower or all" >&2; exit 2 ;;
esac

go build -o "$OUT/train-purego" ./bench/train
go build -tags openblas -o "$OUT/train-openblas" ./bench/train
torch() { OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS "$PYTHON" "$@"; }

# summary MODEL FILE... prints the side-by-side table, ratios against the
# first file (the PyTorch run).
summary() {
	"$PYTHON" - "$@" <<'PY'
import json, sys
model, files = sys.argv[1], sys.argv[2:]
r = [json.load(open(f)) for f in files]
t = r[0]
if model == "bert4rec":
    print(f"\nBERT4Rec, {t['windows']} windows, {t['steps_per_epoch']} steps/epoch, {t['threads']} threads")
else:
    print(f"\nTwo-Tower, {t['pairs']} pairs, {t['users']} users, {t['items']} items, "
          f"{t['steps_per_epoch']} steps/epoch, {t['threads']} threads")
print(f"{'engine':<34}{'s/epoch':>9}{'CPU s/epoch':>13}{'ratio wall':>12}{'ratio CPU':>11}{'loss':>8}")
for e in r:
    print(f"{e['engine']:<34}{e['seconds_per_epoch']:>9.2f}{e['cpu_seconds_per_epoch']:>13.2f}"
          f"{e['seconds_per_epoch'] / t['seconds_per_epoch']:>12.2f}"
          f"{e['cpu_seconds_per_epoch'] / t['cpu_seconds_per_epoch']:>11.2f}{e['final_loss']:>8.3f}")
# Ratios against any further PyTorch rows (DENSE=1, PASSIVE=1).
for p in r[1:]:
    if not p["engine"].startswith("pytorch"):
        continue
    for e in r:
        if e["engine"].startswith("genie"):
            print(f"{e['engine']} / {p['engine']}: wall {e['seconds_per_epoch'] / p['seconds_per_epoch']:.2f}, "
                  f"CPU {e['cpu_seconds_per_epoch'] / p['cpu_seconds_per_epoch']:.2f}")
PY
}

if [ "$MODEL" = bert4rec ] || [ "$MODEL" = all ]; then
	"$OUT/train-purego" -data "$DATA" -threads "$THREADS" -epochs "$EPOCHS" -windows "$OUT/windows.bin" >"$OUT/purego.json"
	"$OUT/train-openblas" -data "$DATA" -threads "$THREADS" -epochs "$EPOCHS" >"$OUT/openblas.json"
	torch bench/train/bert4rec_ref.py --windows "$OUT/windows.bin" --threads "$THREADS" --epochs "$EPOCHS" >"$OUT/torch.json"
	summary bert4rec "$OUT/torch.json" "$OUT/purego.json" "$OUT/openblas.json"
fi

if [ "$MODEL" = two-tower ] || [ "$MODEL" = all ]; then
	if [ -z "$PROCESSED" ]; then
		PROCESSED=$OUT/processed
		go build -o "$OUT/genie" ./cmd/genie
		"$OUT/genie" process --params "$PARAMS" --input "$DATASET" --output "$PROCESSED" --report "$OUT/data_quality.json" >/dev/null
		"$OUT/genie" features content --params "$PARAMS" --processed "$PROCESSED" >/dev/null
	fi
	tt="-model two-tower -processed $PROCESSED -params $PARAMS -threads $THREADS -epochs $EPOCHS"
	# The batches do not depend on the weights or the GEMM, so one dump
	# (an untimed run) serves every engine.
	"$OUT/train-purego" $tt -dump "$OUT/twotower.bin"
	"$OUT/train-purego" $tt >"$OUT/tt-purego.json"
	"$OUT/train-openblas" $tt >"$OUT/tt-openblas.json"
	torch bench/train/twotower_ref.py --dump "$OUT/twotower.bin" --threads "$THREADS" >"$OUT/tt-torch.json"
	extra=
	if [ "$PASSIVE" = 1 ]; then
		OMP_WAIT_POLICY=passive torch bench/train/twotower_ref.py --dump "$OUT/twotower.bin" --threads "$THREADS" \
			--label omp-passive >"$OUT/tt-torch-passive.json"
		extra="$extra $OUT/tt-torch-passive.json"
	fi
	if [ "$DENSE" = 1 ]; then
		if [ "$PASSIVE" = 1 ]; then
			OMP_WAIT_POLICY=passive torch bench/train/twotower_ref.py --dump "$OUT/twotower.bin" --threads "$THREADS" \
				--pool dense --label omp-passive >"$OUT/tt-torch-dense.json"
		else
			torch bench/train/twotower_ref.py --dump "$OUT/twotower.bin" --threads "$THREADS" --pool dense >"$OUT/tt-torch-dense.json"
		fi
		extra="$extra $OUT/tt-torch-dense.json"
	fi
	rm -f "$OUT/twotower.bin"
	summary two-tower "$OUT/tt-torch.json" "$OUT/tt-purego.json" "$OUT/tt-openblas.json" $extra
fi

[ "$GEMM" = 1 ] || exit 0
echo
echo "GEMM GFLOP/s, pure Go ($THREADS threads):"
go test -run '^$' -bench "PureGo$THREADS\$|PureGo$THREADS/" -benchtime 5x ./internal/nn/blas/ | grep GFLOP || true
echo "GEMM GFLOP/s, OpenBLAS ($THREADS threads):"
go test -tags openblas -run '^$' -bench 'Sgemm' -benchtime 5x ./internal/nn/blas/ | grep GFLOP || true
