#!/usr/bin/env bash
# The whole GPU check of the CUDA backend in one command, for the GPU machine (nvcc, CMake, Python with PyTorch
# and timm; no Node.js). Docs: docs/CUDA.md.
#
#   bash scripts/gpu-check.sh [all | build | ops | parity | dwconv | models | summary]
#
#   build    cmake -DLKR_CUDA=ON (arch LKR_GPU_ARCH, default 90) into build/gpu, then ctest
#   ops      lkr-test-backend-ops: every op of LK_OPS on CUDA against the CPU backend
#   parity   random-weight checkpoints from PyTorch (scripts/gpu/make_weights.py), then per model
#            lkr-bench-model --check: logits CUDA vs CPU (rel. L2 <= 1e-4), both vs PyTorch; first the tiny
#            graphs of every family (scripts/gpu/tiny_models.json), then the registry's real sizes
#   dwconv   lkr-bench-dwconv --device cuda beside torch conv2d(groups=C) channels-last (cudnn.benchmark, no TF32)
#   models   images/s forward and input gradient, RepLKNet-31B (and ConvNeXt-T) at batch 64, ours vs PyTorch
#   summary  results.json and summary.md from the above (thresholds of issue #8 marked pass/FAIL)
#
# Results go to $OUT/gpu-check if OUT is set, else build/gpu-check. Phases can run in separate calls (the
# build directory is reused). oneDNN: the system's, or build/onednn from scripts/gpu/pack-onednn.sh (carried).
# A dry run of the scripts on a machine without a GPU: LKR_CHECK_DEVICE=cpu LKR_BATCH=2 LKR_DWCONV_ROWS="1,32,14,14,7,1"
# (every comparison is then CPU against CPU: it checks the plumbing, not the CUDA kernels).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
phase=${1:-all}
build=$root/build/gpu
res=${OUT:-$root/build}/gpu-check
work=$root/build/gpu-work
py=${PYTHON:-python3}
dev=${LKR_CHECK_DEVICE:-cuda}
rows=()
[ -n "${LKR_DWCONV_ROWS:-}" ] && rows=(--rows "$LKR_DWCONV_ROWS")
mkdir -p "$res" "$work"
status=0

onednn_flags=()
if [ -d "$root/build/onednn/lib" ]; then
  onednn_flags=(-DCMAKE_DISABLE_FIND_PACKAGE_dnnl=ON -DLKR_DNNL="$root/build/onednn/lib/libdnnl.so"
                -DCMAKE_CXX_FLAGS="-I$root/build/onednn/include")
  export LD_LIBRARY_PATH="$root/build/onednn/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

step() { echo "== $* ($(date +%T))"; }

do_build() {
  step build
  cmake -S "$root" -B "$build" -DLKR_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="${LKR_GPU_ARCH:-90}" \
    -DCMAKE_BUILD_TYPE=Release "${onednn_flags[@]}" >"$work/configure.log" 2>&1 &&
    cmake --build "$build" -j"$(nproc)" >"$work/build.log" 2>&1 || {
      tail -40 "$work/configure.log" "$work/build.log"; echo "build failed"; exit 1; }
  (cd "$build" && ctest --output-on-failure) >"$res/ctest.log" 2>&1 || status=1
  tail -3 "$res/ctest.log"
}

do_ops() {
  step ops
  "$build/lkr-test-backend-ops" >"$res/backend_ops.txt" 2>&1 || status=1
  grep -E "FAIL|MISSING" "$res/backend_ops.txt" | head -40
  tail -1 "$res/backend_ops.txt"
}

parity_models="replknet_31b convnext_tiny vit_small_patch16_224 resnet50 lkr_demo_convnext"
tiny_models="tiny_replknet tiny_convnext tiny_vit tiny_resnet"

# check_models MODELS_JSON MODEL...: weights from PyTorch, then CUDA vs CPU vs PyTorch for each.
check_models() {
  local file=$1
  shift
  "$py" "$root/scripts/gpu/make_weights.py" --models "$file" "$work/weights" "$@" >>"$work/make_weights.log" 2>&1 ||
    { tail -20 "$work/make_weights.log"; status=1; return; }
  for m in "$@"; do
    "$build/lkr-bench-model" --models "$file" --model "$m" --check --device "$dev" \
      --weights "$work/weights/$m.safetensors" >>"$res/parity.jsonl" 2>>"$work/parity.err" || status=1
  done
}

do_parity() {
  step parity
  : >"$res/parity.jsonl"
  check_models "$root/scripts/gpu/tiny_models.json" $tiny_models
  check_models "$root/scripts/gpu/models.json" $parity_models
  cat "$res/parity.jsonl" "$work/parity.err" 2>/dev/null
}

do_dwconv() {
  step dwconv
  "$build/lkr-bench-dwconv" --device "$dev" "${rows[@]}" --reps "${LKR_REPS:-20}" --warmup 3 --json >"$work/dwconv_ours.json" ||
    { status=1; return; }
  "$py" - "$work/dwconv_ours.json" "$root/scripts/bench/torch_dwconv.py" "$res/dwconv.json" "$dev" <<'PY'
import json, os, subprocess, sys
ours = json.load(open(sys.argv[1]))
args = {"threads": os.cpu_count(), "reps": 20, "warmup": 3, "rows": ours["rows"], "device": sys.argv[4]}
out = subprocess.run([sys.executable, sys.argv[2], json.dumps(args)], capture_output=True, text=True, check=True)
t = json.loads(out.stdout.strip().splitlines()[-1])
for r, ms in zip(ours["rows"], t["ms"]):
    r["torch_ms"] = ms
    r["ratio_torch"] = ms / r["ms"]
ours["torch"] = t["torch"]
json.dump(ours, open(sys.argv[3], "w"), indent=1)
for r in ours["rows"]:
    print(f'{r["n"]:3} {r["c"]:5} {r["h"]:3} {r["k"]:3} {r["pass"]:12} {r["ms"]:8.3f} ms {r["gflops"]:9.0f} GFLOP/s'
          f' {100 * r["peak_fraction"]:5.1f}% peak  torch {r["torch_ms"]:8.3f} ms  x{r["ratio_torch"]:.2f}')
PY
  [ -s "$res/dwconv.json" ] || status=1
}

do_models() {
  step models
  : >"$res/models.jsonl"
  for m in replknet_31b convnext_tiny; do
    "$build/lkr-bench-model" --models "$root/scripts/gpu/models.json" --model "$m" --device "$dev" \
      --batch "${LKR_BATCH:-64}" --reps 5 --warmup 2 >"$work/ours.json" || { status=1; continue; }
    "$py" - "$root/scripts/gpu/models.json" "$m" "$work/ours.json" "$root/scripts/bench/torch_model.py" \
      "${LKR_BATCH:-64}" "$dev" >>"$res/models.jsonl" <<'PY' || status=1
import json, os, subprocess, sys
entry = json.load(open(sys.argv[1]))[sys.argv[2]]
ours = json.load(open(sys.argv[3]))
args = {"name": sys.argv[2], "family": entry["family"], "batch": int(sys.argv[5]), "size": entry["inputSize"],
        "threads": os.cpu_count(), "reps": 5, "warmup": 2, "config": entry["config"], "device": sys.argv[6]}
out = subprocess.run([sys.executable, sys.argv[4], json.dumps(args)], capture_output=True, text=True, check=True)
t = json.loads(out.stdout.strip().splitlines()[-1])
ours.update(torch=t["torch"], torch_forward_ips=ours["batch"] / t["forward_s"], torch_grad_ips=ours["batch"] / t["grad_s"])
ours["ratio_forward"] = ours["forward_ips"] / ours["torch_forward_ips"]
ours["ratio_grad"] = ours["grad_ips"] / ours["torch_grad_ips"]
print(json.dumps(ours))
PY
  done
  cat "$res/models.jsonl"
}

do_summary() {
  step summary
  "$py" "$root/scripts/gpu/summarize.py" "$res" || status=1
}

case $phase in
  build) do_build ;;
  ops) do_ops ;;
  parity) do_parity ;;
  dwconv) do_dwconv ;;
  models) do_models ;;
  summary) do_summary ;;
  all) do_build; do_ops; do_parity; do_dwconv; do_models; do_summary ;;
  *) echo "usage: gpu-check.sh [all|build|ops|parity|dwconv|models|summary]" >&2; exit 2 ;;
esac
exit $status
