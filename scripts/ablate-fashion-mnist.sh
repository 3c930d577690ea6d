#!/usr/bin/env bash
# The kernel-size ablation on the full Fashion-MNIST (docs/TRAINING.md, "Fashion-MNIST ablation"): ConvNeXt with
# kernels 3, 5 and 7 at 32 px (the first stage works on 8×8 maps, so 7 already spans the map), the demo models'
# recipe, the full robustness suite on the 10 000 test images, once per seed. Safe to rerun: it resumes.
# Needs the Fashion-MNIST IDX files (Debian: apt-get install dataset-fashion-mnist).
#
#   scripts/ablate-fashion-mnist.sh [WORK_DIR] [SEEDS]     (defaults /tmp/lkrobust-ablate, "0 1")
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/lkrobust-ablate}
seeds=${2:-0 1}
lkrobust() { node dist/cli/main.js "$@"; }
export LKR_NUM_THREADS=${LKR_NUM_THREADS:-2}

[ -d "$work/fm32/val" ] || lkrobust data fashion-mnist --out "$work/fm32" --size 32

for seed in $seeds; do
  lkrobust ablate kernel-size --family convnext --sizes 3,5,7 --size 32 \
    --config '{"depths":[1,1,2,1],"dims":[24,48,96,192]}' --data "$work/fm32" \
    --epochs 15 --batch 64 --lr 2e-3 --warmup-epochs 1 --pad 0 --seed "$seed" \
    --out "$work/seed$seed"
done
