#!/usr/bin/env bash
# Runs lkr-test-backend-ops (or lkr-bench-model) with the CUDA backend's kernels executed on the CPU by an
# emulator, so their index arithmetic, bounds, shared-memory use and barriers, and a whole model's residency on
# the device, can be checked on a machine without a GPU (docs/CUDA.md).
# The .cu sources are rewritten only where C++ cannot take them (kernel<<<grid, block, smem, stream>>>(...)
# becomes cuemu::launch(...); `extern __shared__` becomes the block's buffer), then compiled by g++ against
# include/cuda_runtime.h: one block at a time, one std::thread per CUDA thread, __syncthreads and warp
# shuffles as barriers. Built with AddressSanitizer and exact-size device allocations (allocator_exact.cpp), so
# an access past any device buffer or past shared memory stops the run.
#
# Needs the plain CMake tree built with CUDA (its CPU objects are linked in):
#   cmake -S . -B build/native -DLKR_CUDA=ON && cmake --build build/native -j2
#   bash native/test/cuda_emu/run.sh ops [--op NAME]     every op of LK_OPS (about 4 minutes on 2 cores)
#   bash native/test/cuda_emu/run.sh model ARGS...       lkr-bench-model, e.g. the tiny graphs of every family:
#     python3 scripts/gpu/make_weights.py --models scripts/gpu/tiny_models.json build/tiny tiny_vit
#     bash native/test/cuda_emu/run.sh model --models scripts/gpu/tiny_models.json --model tiny_vit \
#          --weights build/tiny/tiny_vit.safetensors --check
#   CUEMU_TRACE_COPIES=1 lists every host<->device copy (a forward on the device should make none but its
#   input's upload and its output's download).
#
# What it cannot show: speed, the GPU memory model (ordering between blocks, which it serialises), warp
# divergence, and launch limits beyond block size and shared memory. It does not replace the GPU check.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
what=${1:-ops}
[ $# -gt 0 ] && shift
objs=$root/build/native/CMakeFiles/lkr_core.dir/native
[ -d "$objs/cuda" ] || { echo "cuda_emu: build build/native with -DLKR_CUDA=ON first" >&2; exit 1; }
out=$root/build/cuda_emu
rm -rf "$out/src" && mkdir -p "$out/src" "$out/obj"
python3 "$here/rewrite_launches.py" "$root/native/cuda" "$out/src" >/dev/null
rm -f "$out/src/allocator.cpp"  # replaced by allocator_exact.cpp
flags=(-std=c++20 -O1 -g -fsanitize=address -fno-omit-frame-pointer -pthread -fopenmp -w
       -I"$here/include" -I"$out/src" -I"$root/native" -DLKR_WITH_CUDA=1 -DLKR_CUDA_ARCHS='"emulated"')
case $what in
  ops) main=$root/native/test/backend_ops_test.cpp ;;
  model) main=$root/native/bench/model_bench.cpp ;;
  *) echo "usage: run.sh ops|model [ARGS...]" >&2; exit 2 ;;
esac
for f in "$out"/src/*.cpp "$here"/emulator.cpp "$here"/allocator_exact.cpp "$here"/bench_absent.cpp; do
  g++ "${flags[@]}" -c "$f" -o "$out/obj/$(basename "$f" .cpp).o" &
  while [ "$(jobs -r | wc -l)" -ge 2 ]; do wait -n; done
done
wait
rm -f "$out"/obj/main_*.o
g++ "${flags[@]}" -c "$main" -o "$out/obj/main_$what.o"
cpu=$(find "$objs"/{core,cpu,nn,bench} -name '*.o')
g++ -fsanitize=address -pthread -fopenmp "$out"/obj/*.o $cpu -ldnnl -o "$out/$what-emulated"
cd "$root"
ASAN_OPTIONS=detect_leaks=0 "$out/$what-emulated" "$@"
