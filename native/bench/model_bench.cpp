// lkr-bench-model: a model graph run natively (no Node), for the GPU machine. Builds a model from the
// exported registry (scripts/gpu/models.json), then either
//   --check: runs the .safetensors' weights on its stored input (__input__, N x H x W x 3 in [0, 1]) on the
//            CPU and on CUDA, forward and input gradient (sum of cross-entropy for __labels__), and reports the
//            relative L2 error of CUDA vs CPU and of each vs PyTorch's stored __logits__ / __input_grad__;
//            exit 1 when CUDA's logits differ from the CPU's by more than --tol (1e-4);
//   default: times images/s, forward and input gradient, on --device (random weights unless --weights).
//
//   lkr-bench-model --models scripts/gpu/models.json --model convnext_tiny --weights w.safetensors --check
//   lkr-bench-model --models scripts/gpu/models.json --model replknet_31b --device cuda --batch 64 --json
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "core/backend.h"
#include "nn/json.h"
#include "nn/model.h"
#include "nn/safetensors.h"

using namespace lk;

namespace {

struct Options {
  std::string models = "scripts/gpu/models.json", model, weights, device = "cuda";
  bool check = false, json = false;
  int batch = 8, size = 0, reps = 5, warmup = 2;
  double tol = 1e-4;
};

struct Entry {
  std::string family;
  nn::Config config;
  int input_size = 224, classes = 1000;
};

// {"name": {"family", "config": {k: number | number[] | string}, "inputSize", "numClasses", "mean", "std"}}
Entry find_entry(const std::string& file, const std::string& name) {
  const nn::Json all = nn::parse_json(nn::read_text_file(file));
  const nn::Json* e = all.find(name);
  if (!e) {
    std::string known;
    for (const auto& k : all.order) known += (known.empty() ? "" : ", ") + k;
    throw ArgError("--model: \"" + name + "\" is not in " + file + " (known: " + known + ")");
  }
  Entry out;
  out.family = e->at("family").str;
  out.input_size = static_cast<int>(e->at("inputSize").num);
  out.classes = static_cast<int>(e->at("numClasses").num);
  for (const auto& [k, v] : e->at("config").fields) {
    if (v.is(nn::Json::Kind::string)) {
      out.config.set(k, v.str);
    } else if (v.is(nn::Json::Kind::array)) {
      std::vector<double> xs;
      for (const nn::Json& x : v.items) xs.push_back(x.num);
      out.config.set(k, xs);
    } else {
      out.config.set(k, v.is(nn::Json::Kind::boolean) ? (v.b ? 1.0 : 0.0) : v.num);
    }
  }
  return out;
}

// Fan-in uniform weights, norm scales near 1, positive running variances (as src/bench/model.ts does).
std::map<std::string, Tensor> random_params(const nn::Model& m, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::map<std::string, Tensor> out;
  for (const nn::ParamSpec& s : m.param_specs()) {
    Tensor t = Tensor::empty(s.shape);
    const std::string leaf = s.name.substr(s.name.rfind('.') + 1);
    int64_t fan_in = 1;
    for (size_t d = 1; d < s.shape.size(); d++) fan_in *= s.shape[d];
    for (int64_t i = 0; i < t.numel(); i++) {
      const float r = u(rng);
      float& v = t.data()[i];
      if (leaf == "running_var") v = 1.f + 0.5f * r;
      else if (leaf == "running_mean" || leaf == "bias") v = 0.1f * r;
      else if (s.shape.size() == 1) v = 1.f + 0.1f * r;
      else v = r * std::sqrt(3.f / static_cast<float>(fan_in));
    }
    out[s.name] = t;
  }
  return out;
}

// The model's parameters out of a checkpoint: every spec by name (missing ones listed), the rest ignored.
std::map<std::string, Tensor> params_from(const nn::Model& m, const std::map<std::string, Tensor>& ck,
                                          const std::string& file) {
  std::map<std::string, Tensor> out;
  std::string missing;
  for (const nn::ParamSpec& s : m.param_specs()) {
    auto it = ck.find(s.name);
    if (it == ck.end()) missing += (missing.empty() ? "" : ", ") + s.name;
    else out[s.name] = it->second;
  }
  if (!missing.empty()) throw ArgError(file + ": missing parameters " + missing);
  return out;
}

double rel_l2(const Tensor& ref, const Tensor& got) {
  if (!ref.defined() || !got.defined() || ref.numel() != got.numel()) return NAN;
  const std::vector<float> a = ref.to_vector(), b = got.to_vector();
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); i++) {
    num += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
    den += static_cast<double>(a[i]) * a[i];
  }
  return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

std::string num(double v) {
  if (!std::isfinite(v)) return "null";
  char b[40];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

nn::RunResult run_on(nn::Model& m, Device d, const Tensor& x, const std::vector<int>& labels) {
  m.to_device(d);
  nn::GradRequest g;
  g.labels = labels;
  nn::RunResult r = nn::run_model(m, x, nn::RunOptions{}, &g);
  r.logits = r.logits.to(cpu_device());
  r.input_grad = r.input_grad.to(cpu_device());
  return r;
}

int check(const Options& o, const Entry& e) {
  const auto ck = nn::read_safetensors(o.weights);
  auto need = [&](const char* k) -> Tensor {
    auto it = ck.find(k);
    if (it == ck.end()) throw ArgError(o.weights + ": --check needs the tensor " + k);
    return it->second;
  };
  const Tensor x = need("__input__");
  std::vector<int> labels;
  for (float v : need("__labels__").to_vector()) labels.push_back(static_cast<int>(v));
  auto model = nn::create_model(e.family, e.config);
  model->set_params(params_from(*model, ck, o.weights));
  nn::RunResult cpu = run_on(*model, cpu_device(), x, labels);
  nn::RunResult gpu = run_on(*model, Device::parse(o.device), x, labels);
  auto torch = [&](const char* k) { auto it = ck.find(k); return it == ck.end() ? Tensor() : it->second; };
  const Tensor tl = torch("__logits__"), tg = torch("__input_grad__");
  const double l_gc = rel_l2(cpu.logits, gpu.logits), g_gc = rel_l2(cpu.input_grad, gpu.input_grad);
  const double l_ct = rel_l2(tl, cpu.logits), l_gt = rel_l2(tl, gpu.logits);
  const double g_ct = rel_l2(tg, cpu.input_grad), g_gt = rel_l2(tg, gpu.input_grad);
  const bool ok = l_gc <= o.tol;
  std::printf("{\"model\": \"%s\", \"check\": %s, \"tol\": %g, \"logits_cuda_vs_cpu\": %s, \"grad_cuda_vs_cpu\": %s, "
              "\"logits_cpu_vs_torch\": %s, \"logits_cuda_vs_torch\": %s, \"grad_cpu_vs_torch\": %s, "
              "\"grad_cuda_vs_torch\": %s}\n",
              o.model.c_str(), ok ? "true" : "false", o.tol, num(l_gc).c_str(), num(g_gc).c_str(), num(l_ct).c_str(),
              num(l_gt).c_str(), num(g_ct).c_str(), num(g_gt).c_str());
  return ok ? 0 : 1;
}

template <class F>
double median_seconds(F&& fn, int warmup, int reps) {
  for (int i = 0; i < warmup; i++) fn();
  std::vector<double> ts;
  for (int i = 0; i < reps; i++) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    ts.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ts.begin(), ts.end());
  return ts[ts.size() / 2];
}

int time_model(const Options& o, const Entry& e) {
  auto model = nn::create_model(e.family, e.config);
  if (o.weights.empty()) model->set_params(random_params(*model, 0));
  else model->set_params(params_from(*model, nn::read_safetensors(o.weights), o.weights));
  const Device dev = Device::parse(o.device);
  model->to_device(dev);
  const int s = o.size ? o.size : e.input_size;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<float> xv(static_cast<size_t>(o.batch) * s * s * 3);
  for (float& v : xv) v = u(rng);
  const Tensor x = Tensor::from_vector(xv, {o.batch, s, s, 3}).to(dev);  // uploaded once, outside the clock
  std::vector<int> labels(o.batch);
  for (int i = 0; i < o.batch; i++) labels[i] = i % std::max(e.classes, 1);
  // Reading the logits back waits for everything queued before (one stream), so the clock covers the work.
  const double fwd = median_seconds([&] { nn::run_model(*model, x, nn::RunOptions{}).logits.to(cpu_device()); },
                                    o.warmup, o.reps);
  nn::GradRequest g;
  g.labels = labels;
  const double grad = median_seconds([&] { nn::run_model(*model, x, nn::RunOptions{}, &g).logits.to(cpu_device()); },
                                     o.warmup, o.reps);
  std::printf("{\"model\": \"%s\", \"device\": \"%s\", \"batch\": %d, \"size\": %d, \"forward_ips\": %s, "
              "\"grad_ips\": %s}\n",
              o.model.c_str(), dev.str().c_str(), o.batch, s, num(o.batch / fwd).c_str(), num(o.batch / grad).c_str());
  return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: lkr-bench-model --model NAME [--models models.json] [--weights w.safetensors] [--check] "
               "[--tol 1e-4] [--device cuda|cpu|cuda:N] [--batch N] [--size S] [--reps N] [--warmup N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--check") o.check = true;
    else if (a == "--models" && (v = next())) o.models = v;
    else if (a == "--model" && (v = next())) o.model = v;
    else if (a == "--weights" && (v = next())) o.weights = v;
    else if (a == "--device" && (v = next())) o.device = v;
    else if (a == "--tol" && (v = next())) o.tol = std::atof(v);
    else if (a == "--batch" && (v = next())) o.batch = std::atoi(v);
    else if (a == "--size" && (v = next())) o.size = std::atoi(v);
    else if (a == "--reps" && (v = next())) o.reps = std::atoi(v);
    else if (a == "--warmup" && (v = next())) o.warmup = std::atoi(v);
    else return usage();
  }
  if (o.model.empty() || (o.check && o.weights.empty()) || o.batch < 1 || o.reps < 1 || o.warmup < 0) return usage();
  try {
    const Entry e = find_entry(o.models, o.model);
    return o.check ? check(o, e) : time_model(o, e);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "lkr-bench-model: %s\n", ex.what());
    return 1;
  }
}
