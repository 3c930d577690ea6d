#!/usr/bin/env bash
# Makes everything `lkrobust demo` ships in data/demo/ with lkrobust's own commands: the two trained models (one
# kernel-size ablation run, kernel 3 vs 7, every other setting and the seed identical) and the held-out slice of
# the Fashion-MNIST test images. Training is deterministic for a given thread count (docs/TRAINING.md, "Resume and
# determinism"), so with LKR_NUM_THREADS=2 on a CPU with the same instruction set (they were made with AVX-512, an
# AMD EPYC) this is meant to rewrite the committed weights byte for byte. About 30 minutes on 2 cores.
# Needs the Fashion-MNIST IDX files (Debian: apt-get install dataset-fashion-mnist).
#
#   scripts/train-demo-models.sh [WORK_DIR]     (default /tmp/lkrobust-demo-train; safe to rerun: it resumes)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/lkrobust-demo-train}
demo=data/demo
lkrobust() { node dist/cli/main.js "$@"; }
export LKR_NUM_THREADS=2

# The full training set (60 000) and the test set (10 000, the `val` split, only measured, never trained on), 32 px.
[ -d "$work/fm32/val" ] || lkrobust data fashion-mnist --out "$work/fm32" --size 32

# Both models, seed 0; the robustness measurements are left to `lkrobust demo`.
lkrobust ablate kernel-size --family convnext --sizes 3,7 --size 32 \
  --config '{"depths":[1,1,2,1],"dims":[24,48,96,192]}' --data "$work/fm32" \
  --epochs 15 --batch 64 --lr 2e-3 --warmup-epochs 1 --pad 0 --seed 0 \
  --corruptions none --occlusion-ratios none --pgd-eps none --bands none --out "$work/ablate"

for k in 3 7; do
  cp "$work/ablate/models/k$k/model.safetensors" "$demo/lkr_fmnist_convnext_k$k.safetensors"
  cp "$work/ablate/models/k$k/train_log.json" "$demo/lkr_fmnist_convnext_k$k.train_log.json"
done

# The held-out slice: the first 50 test images of each class (file name = index in the test set), 32 px.
lkrobust data fashion-mnist --out "$work/slice" --size 32 --limit-per-class 50
rm -rf "$demo/fashion-mnist-test-slice"
mkdir -p "$demo/fashion-mnist-test-slice"
cp -r "$work/slice/val" "$demo/fashion-mnist-test-slice/val"
sha256sum "$demo"/*.safetensors
