// lkr-bench-dwconv: our depthwise conv (native/cpu/dwconv.h) against oneDNN, llm.c style.
//
//   ./lkr-bench-dwconv                      the default rows (project targets), all passes, version 3
//   ./lkr-bench-dwconv --kernel 2           forward lab version: 1 scalar, 2 per-pixel vector, 3 register-blocked
//   ./lkr-bench-dwconv --rows "8,128,56,56,31,1;8,128,28,28,31,2" --pass fwd,bwd_data --reps 30 --json
//   LKR_ISA=avx2 LKR_NUM_THREADS=1 ./lkr-bench-dwconv --no-onednn
//   ./lkr-bench-dwconv --device cuda --json    our CUDA kernels; default rows N64 (C128 56x56 k31 first)
//
// Rows are n,c,h,w,k,stride with "same" padding. Single-line build (no CMake):
//   g++ -O3 -fopenmp -std=c++17 -Inative native/bench/dwconv_bench.cpp native/bench/dwconv_bench_core.cpp
//       native/cpu/dwconv*.cpp native/cpu/isa.cpp -ldnnl -o /tmp/lkr-bench-dwconv
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <sstream>
#include <string>

#include "dwconv_bench_core.h"

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

int usage() {
  std::fprintf(stderr,
               "usage: lkr-bench-dwconv [--kernel 1|2|3] [--rows \"n,c,h,w,k,stride;...\"] "
               "[--pass fwd,bwd_data,bwd_weights] [--reps N] [--warmup N] [--no-onednn] [--device cpu|cuda[:N]] [--json]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  lk::bench::BenchOptions opt;
  bool json = false;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--json") json = true;
    else if (a == "--no-onednn") opt.onednn = false;
    else if (a == "--device" && (v = next())) opt.device = v;
    else if (a == "--kernel" && (v = next())) opt.kernel = std::atoi(v);
    else if (a == "--reps" && (v = next())) opt.reps = std::atoi(v);
    else if (a == "--warmup" && (v = next())) opt.warmup = std::atoi(v);
    else if (a == "--pass" && (v = next())) opt.passes = split(v, ',');
    else if (a == "--rows" && (v = next())) {
      for (const auto& r : split(v, ';')) {
        lk::bench::DwconvBenchRow row{};
        if (std::sscanf(r.c_str(), "%d,%d,%d,%d,%d,%d", &row.n, &row.c, &row.h, &row.w, &row.k, &row.stride) != 6) {
          std::fprintf(stderr, "lkr-bench-dwconv: bad row \"%s\" (want n,c,h,w,k,stride)\n", r.c_str());
          return 2;
        }
        opt.rows.push_back(row);
      }
    } else return usage();
  }
  if (opt.reps < 1 || opt.kernel < 1 || opt.kernel > 3) return usage();
  try {
    const auto rep = lk::bench::measure_dwconv_bench(opt);
    std::fputs((json ? lk::bench::dwconv_bench_json(rep) + "\n" : lk::bench::dwconv_bench_table(rep)).c_str(), stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lkr-bench-dwconv: %s\n", e.what());
    return 1;
  }
  return 0;
}
