#!/usr/bin/env bash
# Installs the system packages lkrobust builds against, only those missing: a C++ compiler, CMake, oneDNN
# (with the OpenCL loader its Debian CMake config asks for; CMakeLists.txt also builds without it), libjpeg,
# libpng, and ffmpeg (used at run time to read the ImageNet-P videos). As root it uses apt-get (Debian/Ubuntu);
# otherwise it prints the exact command to run.
# Other systems: install the equivalents (g++ >= 10, cmake >= 3.18, oneDNN 2.x or 3.x, libjpeg(-turbo), libpng,
# ffmpeg) yourself.
set -euo pipefail

missing=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
need() { # need PACKAGE CHECK-COMMAND...
  local pkg=$1; shift
  if ! "$@" >/dev/null 2>&1; then missing+=("$pkg"); fi
}
need g++ command -v g++
need make command -v make
need cmake command -v cmake
need libdnnl-dev test -f /usr/include/oneapi/dnnl/dnnl.hpp
# dnnl-config.cmake calls find_package(OpenCL REQUIRED); --no-install-recommends would leave this out.
if command -v dpkg-query >/dev/null 2>&1; then need ocl-icd-opencl-dev have_pkg ocl-icd-opencl-dev; fi
need libjpeg-dev test -f /usr/include/jpeglib.h
# PNG decoded natively in Pillow's modes (native/image/decode_png.cpp), for inputs exact to torchvision's.
need libpng-dev test -f /usr/include/png.h
need pkg-config command -v pkg-config
# Run time, not build: ffmpeg + ffprobe decode the released ImageNet-P .mp4 videos (src/data/video.ts).
need ffmpeg command -v ffprobe

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "lkrobust: missing system packages: ${missing[*]} (no apt-get here: install their equivalents, then rerun)" >&2
  exit 1
fi

cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "lkrobust: missing system packages: ${missing[*]}" >&2
  echo "lkrobust: run this as root, then rerun the install:" >&2
  echo "  sudo sh -c '$cmd'" >&2
  exit 1
fi

echo "lkrobust: installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# apt's own chatter goes to a log, shown only when it fails.
log=$(mktemp)
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "lkrobust: apt-get failed (above); the command was: $cmd" >&2
  exit 1
fi
rm -f "$log"
echo "lkrobust: installed ${missing[*]}" >&2
