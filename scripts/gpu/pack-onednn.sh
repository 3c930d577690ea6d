#!/usr/bin/env bash
# The GPU machine has no oneDNN (the CPU backend, our reference there, needs it) and cannot fetch one. Run this
# on a machine with libdnnl-dev (bash scripts/install-system-deps.sh): it copies the headers and the shared
# library (with libOpenCL, which it links) into build/onednn/ (about 41 MB, ignored by git). Name build/onednn in
# the device tool's `carry`; scripts/gpu-check.sh finds it there.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dest=$root/build/onednn
lib=$(ldconfig -p | awk '/libdnnl\.so\.[0-9]+ /{print $NF; exit}')
[ -n "$lib" ] || { echo "pack-onednn: libdnnl not found (install libdnnl-dev)" >&2; exit 1; }
rm -rf "$dest" && mkdir -p "$dest/include" "$dest/lib"
cp -a /usr/include/oneapi "$dest/include/"
cp /usr/include/dnnl*.h /usr/include/dnnl*.hpp "$dest/include/" 2>/dev/null || true
real=$(readlink -f "$lib")
cp "$real" "$dest/lib/"
ln -sf "$(basename "$real")" "$dest/lib/$(basename "$lib")"
ln -sf "$(basename "$lib")" "$dest/lib/libdnnl.so"
ocl=$(ldd "$real" | awk '/libOpenCL/{print $3}')
[ -n "$ocl" ] && cp "$(readlink -f "$ocl")" "$dest/lib/libOpenCL.so.1"
du -sh "$dest"
