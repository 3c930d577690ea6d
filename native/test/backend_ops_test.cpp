// lkr-test-backend-ops: every op of LK_OPS on CUDA against the CPU backend, in the spirit of llama.cpp's
// test-backend-ops. Each case makes random inputs on the host, runs the op on the CPU and on cuda:0 (inputs
// copied there), and compares every output by relative L2 error ||cuda - cpu|| / ||cpu|| (NaN/inf in either
// fails). Tolerance 1e-5 for every op: no op here uses TF32 (our GEMMs and convolutions are plain f32 FMAs).
//
//   lkr-test-backend-ops [--op NAME] [--list]
//
// First, without needing a device: every op of LK_OPS must have a CUDA entry (exit 1 otherwise). Then exit
// 77 (ctest: skipped) with a message when the build has no CUDA or the machine no GPU.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/backend.h"

using namespace lk;

namespace {

using Tensors = std::vector<Tensor>;

struct Case {
  std::string op, desc;
  Tensors inputs;                               // host tensors
  std::function<Tensors(const Tensors&)> run;  // the op on whichever device its inputs are on
};

std::mt19937 rng(1234);

Tensor random(const Shape& s, float lo = -1.f, float hi = 1.f) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(static_cast<size_t>(shape_numel(s)));
  for (float& x : v) x = u(rng);
  return Tensor::from_vector(v, s);
}

std::string dims(const Shape& s) { return shape_str(s); }

// ---- the cases ----

struct ConvSpec {
  int n, h, w, cin, cout, k, stride, pad, dil, groups;
  bool bias;
  int pad_b = -1, pad_r = -1;  // -1: same as pad
};

Conv2dArgs args_of(const ConvSpec& c) {
  Conv2dArgs a;
  a.stride_h = a.stride_w = c.stride;
  a.pad_t = a.pad_l = c.pad;
  a.pad_b = c.pad_b < 0 ? c.pad : c.pad_b;
  a.pad_r = c.pad_r < 0 ? c.pad : c.pad_r;
  a.dil_h = a.dil_w = c.dil;
  a.groups = c.groups;
  return a;
}

std::string conv_desc(const ConvSpec& c) {
  char b[200];
  std::snprintf(b, sizeof b, "x(%d,%d,%d,%d) w(%d,%d,%d,%d) s%d p%d%s d%d g%d%s", c.n, c.h, c.w, c.cin, c.cout,
                c.cin / c.groups, c.k, c.k, c.stride, c.pad, c.pad_b >= 0 ? "(asym)" : "", c.dil, c.groups,
                c.bias ? " bias" : "");
  return b;
}

void conv_cases(std::vector<Case>& out) {
  const std::vector<ConvSpec> specs = {
      {2, 9, 11, 5, 7, 3, 1, 1, 1, 1, true},       // dense 3x3, odd sizes
      {1, 7, 7, 16, 24, 1, 1, 0, 1, 1, false},     // pointwise
      {1, 23, 21, 3, 8, 7, 2, 3, 1, 1, true},      // stem-like 7x7 stride 2
      {2, 8, 8, 8, 12, 3, 1, 1, 1, 4, true},       // grouped
      {1, 10, 10, 4, 6, 3, 1, 2, 2, 1, false},     // dilated
      {1, 9, 9, 6, 6, 3, 2, 0, 1, 1, true, 1, 1},  // asymmetric padding (timm "same" style)
      {2, 20, 19, 16, 16, 31, 1, 15, 1, 16, true}, // depthwise 31x31 (tiled path)
      {1, 40, 44, 24, 24, 31, 1, 15, 1, 24, false},// depthwise 31x31, several tiles
      {2, 14, 14, 13, 13, 13, 1, 6, 1, 13, true},  // depthwise 13x13, C not a multiple of 8
      {1, 15, 17, 32, 32, 7, 1, 3, 1, 32, true},   // depthwise 7x7
      {3, 12, 12, 8, 8, 5, 1, 2, 1, 8, false},     // depthwise 5x5
      {2, 16, 15, 24, 24, 3, 2, 1, 1, 24, true},   // depthwise 3x3 stride 2 (direct path)
      {1, 11, 11, 8, 8, 3, 1, 2, 2, 8, false},     // depthwise dilated (direct path)
      {1, 6, 6, 8, 8, 5, 1, 0, 1, 8, true},        // depthwise, no padding
      {1, 12, 13, 8, 8, 4, 1, 1, 1, 8, true, 2, 2},// depthwise, even kernel, asymmetric padding
      {2, 7, 6, 16, 16, 3, 1, 3, 1, 16, false},    // depthwise, padding wider than the kernel
      {1, 5, 70, 8, 8, 31, 1, 15, 1, 8, true},     // depthwise 31x31, wide and short (3 column tiles)
  };
  for (const ConvSpec& c : specs) {
    const Conv2dArgs a = args_of(c);
    const Shape xs{c.n, c.h, c.w, c.cin}, ws{c.cout, c.cin / c.groups, c.k, c.k};
    const Shape ys = conv2d_output_shape(xs, ws, a);
    Tensor x = random(xs), w = random(ws), b = c.bias ? random({c.cout}) : Tensor(), dy = random(ys);
    const std::string d = conv_desc(c);
    out.push_back({"conv2d", d, {x, w, b}, [a](const Tensors& t) { return Tensors{conv2d(t[0], t[1], t[2], a)}; }});
    out.push_back({"conv2d_backward_input", d, {dy, w}, [a, xs](const Tensors& t) {
                     return Tensors{conv2d_backward_input(t[0], t[1], xs, a)};
                   }});
    const bool bias = c.bias;
    out.push_back({"conv2d_backward_params", d, {dy, x}, [a, ws, bias](const Tensors& t) {
                     ConvGrads g = conv2d_backward_params(t[0], t[1], ws, bias, a);
                     return bias ? Tensors{g.dw, g.db} : Tensors{g.dw};
                   }});
  }
  for (Shape ws : {Shape{8, 4, 3, 3}, Shape{5, 1, 7, 7}, Shape{3, 64, 1, 1}}) {
    Tensor w = random(ws), g = random(ws);
    out.push_back({"weight_standardize", dims(ws), {w}, [](const Tensors& t) {
                     return Tensors{weight_standardize(t[0], 1e-6f)};
                   }});
    out.push_back({"weight_standardize_backward", dims(ws), {g, w}, [](const Tensors& t) {
                     return Tensors{weight_standardize_backward(t[0], t[1], 1e-6f)};
                   }});
  }
}

void gemm_cases(std::vector<Case>& out) {
  struct L {
    Shape x;
    int64_t out;
    bool bias;
  };
  for (const L& l : {L{{3, 5, 17}, 9, true}, L{{37, 64}, 130, false}, L{{1, 1}, 1, true}, L{{2, 7, 7, 96}, 384, true}}) {
    Shape ys = l.x;
    ys.back() = l.out;
    Tensor x = random(l.x), w = random({l.out, l.x.back()}), b = l.bias ? random({l.out}) : Tensor(), dy = random(ys);
    const std::string d = "x" + dims(l.x) + " out " + std::to_string(l.out) + (l.bias ? " bias" : "");
    out.push_back({"linear", d, {x, w, b}, [](const Tensors& t) { return Tensors{linear(t[0], t[1], t[2])}; }});
    out.push_back({"linear_backward_input", d, {dy, w}, [](const Tensors& t) {
                     return Tensors{linear_backward_input(t[0], t[1])};
                   }});
    const bool bias = l.bias;
    out.push_back({"linear_backward_params", d, {dy, x}, [bias](const Tensors& t) {
                     LinearGrads g = linear_backward_params(t[0], t[1], bias);
                     return bias ? Tensors{g.dw, g.db} : Tensors{g.dw};
                   }});
  }
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++)
      for (Shape mnk : {Shape{13, 9, 17}, Shape{65, 70, 3}, Shape{1, 5, 130}, Shape{33, 17, 1500}}) {
        const int64_t M = mnk[0], N = mnk[1], K = mnk[2];
        Shape as = ta ? Shape{2, 3, K, M} : Shape{2, 3, M, K}, bs = tb ? Shape{2, 3, N, K} : Shape{2, 3, K, N};
        Tensor a = random(as), b = random(bs), dy = random({2, 3, M, N});
        const std::string d = "a" + dims(as) + (ta ? "^T" : "") + " b" + dims(bs) + (tb ? "^T" : "");
        const bool tA = ta, tB = tb;
        out.push_back({"matmul", d, {a, b}, [tA, tB](const Tensors& t) { return Tensors{matmul(t[0], t[1], tA, tB)}; }});
        out.push_back({"matmul_backward", d, {dy, a, b}, [tA, tB](const Tensors& t) {
                         MatmulGrads g = matmul_backward(t[0], t[1], t[2], tA, tB);
                         return Tensors{g.da, g.db};
                       }});
      }
}

void norm_cases(std::vector<Case>& out) {
  for (Shape s : {Shape{2, 5, 7, 12}, Shape{1, 3, 3, 1000}, Shape{4, 197, 64}}) {
    const int64_t C = s.back();
    Tensor x = random(s, -3, 3), dy = random(s), g = random({C}, 0.5, 1.5), b = random({C}),
           mean = random({C}), var = random({C}, 0.1f, 2.f);
    const std::string d = "x" + dims(s);
    out.push_back({"batch_norm", d, {x, g, b, mean, var}, [](const Tensors& t) {
                     return Tensors{batch_norm(t[0], t[1], t[2], t[3], t[4], 1e-5f)};
                   }});
    out.push_back({"batch_norm_backward_input", d, {dy, g, var}, [](const Tensors& t) {
                     return Tensors{batch_norm_backward_input(t[0], t[1], t[2], 1e-5f)};
                   }});
    out.push_back({"batch_norm_backward_params", d, {dy, x, mean, var}, [](const Tensors& t) {
                     NormGrads r = batch_norm_backward_params(t[0], t[1], t[2], t[3], 1e-5f);
                     return Tensors{r.dgamma, r.dbeta};
                   }});
    out.push_back({"batch_norm_train", d, {x, g, b}, [](const Tensors& t) {
                     BatchNormTrainOut r = batch_norm_train(t[0], t[1], t[2], 1e-5f);
                     return Tensors{r.y, r.mean, r.var};
                   }});
    out.push_back({"batch_norm_train_backward", d, {dy, x, g, mean, var}, [](const Tensors& t) {
                     BatchNormTrainGrads r = batch_norm_train_backward(t[0], t[1], t[2], t[3], t[4], 1e-5f);
                     return Tensors{r.dx, r.dgamma, r.dbeta};
                   }});
    out.push_back({"layer_norm", d, {x, g, b}, [](const Tensors& t) { return Tensors{layer_norm(t[0], t[1], t[2], 1e-6f)}; }});
    out.push_back({"layer_norm_backward_input", d, {dy, x, g}, [](const Tensors& t) {
                     return Tensors{layer_norm_backward_input(t[0], t[1], t[2], 1e-6f)};
                   }});
    out.push_back({"layer_norm_backward_params", d, {dy, x}, [](const Tensors& t) {
                     NormGrads r = layer_norm_backward_params(t[0], t[1], 1e-6f);
                     return Tensors{r.dgamma, r.dbeta};
                   }});
  }
  for (auto [s, groups] : {std::pair<Shape, int>{{2, 5, 7, 12}, 1}, {{2, 5, 7, 12}, 4}, {{1, 9, 9, 32}, 32},
                           {{3, 14, 14, 64}, 8}}) {
    const int64_t C = s.back();
    Tensor x = random(s, -3, 3), dy = random(s), g = random({C}, 0.5, 1.5), b = random({C});
    const std::string d = "x" + dims(s) + " groups " + std::to_string(groups);
    const int G = groups;
    out.push_back({"group_norm", d, {x, g, b}, [G](const Tensors& t) {
                     return Tensors{group_norm(t[0], G, t[1], t[2], 1e-5f)};
                   }});
    out.push_back({"group_norm_backward_input", d, {dy, x, g}, [G](const Tensors& t) {
                     return Tensors{group_norm_backward_input(t[0], t[1], G, t[2], 1e-5f)};
                   }});
    out.push_back({"group_norm_backward_params", d, {dy, x}, [G](const Tensors& t) {
                     NormGrads r = group_norm_backward_params(t[0], t[1], G, 1e-5f);
                     return Tensors{r.dgamma, r.dbeta};
                   }});
  }
  const std::vector<float> mean{0.485f, 0.456f, 0.406f}, stdv{0.229f, 0.224f, 0.225f};
  for (Shape s : {Shape{2, 31, 17, 3}, Shape{1, 1, 1, 3}}) {
    out.push_back({"pixel_normalize", "x" + dims(s), {random(s, 0, 1)}, [mean, stdv](const Tensors& t) {
                     return Tensors{pixel_normalize(t[0], mean, stdv)};
                   }});
    out.push_back({"pixel_normalize_backward", "dy" + dims(s), {random(s)}, [stdv](const Tensors& t) {
                     return Tensors{pixel_normalize_backward(t[0], stdv)};
                   }});
  }
}

void activation_cases(std::vector<Case>& out) {
  for (Shape s : {Shape{1}, Shape{3, 7, 5, 33}, Shape{1000, 257}}) {
    Tensor x = random(s, -6, 6), dy = random(s);
    const std::string d = "x" + dims(s);
    out.push_back({"relu", d, {x}, [](const Tensors& t) { return Tensors{relu(t[0])}; }});
    out.push_back({"relu_backward", d, {dy, x}, [](const Tensors& t) { return Tensors{relu_backward(t[0], t[1])}; }});
    for (GeluApprox ap : {GeluApprox::none, GeluApprox::tanh}) {
      const std::string da = d + (ap == GeluApprox::tanh ? " tanh" : " erf");
      out.push_back({"gelu", da, {x}, [ap](const Tensors& t) { return Tensors{gelu(t[0], ap)}; }});
      out.push_back({"gelu_backward", da, {dy, x}, [ap](const Tensors& t) { return Tensors{gelu_backward(t[0], t[1], ap)}; }});
    }
  }
  for (Shape s : {Shape{5, 7}, Shape{3, 1000}, Shape{2, 3, 197, 197}, Shape{4, 1}}) {
    Tensor x = random(s, -8, 8), dy = random(s);
    Tensor y = softmax(x);  // the backward's input is the forward's output
    const std::string d = "x" + dims(s);
    out.push_back({"softmax", d, {x}, [](const Tensors& t) { return Tensors{softmax(t[0])}; }});
    out.push_back({"softmax_backward", d, {dy, y}, [](const Tensors& t) { return Tensors{softmax_backward(t[0], t[1])}; }});
  }
}

void elementwise_cases(std::vector<Case>& out) {
  for (Shape s : {Shape{1}, Shape{7, 13}, Shape{2, 9, 11, 33}}) {
    for (bool row : {false, true}) {
      Shape bs = row ? Shape{s.back()} : s;
      Tensor a = random(s), b = random(bs), dy = random(s);
      const std::string d = "a" + dims(s) + " b" + dims(bs);
      out.push_back({"add", d, {a, b}, [](const Tensors& t) { return Tensors{add(t[0], t[1])}; }});
      out.push_back({"add_backward", d, {dy}, [bs](const Tensors& t) {
                       BinaryGrads g = add_backward(t[0], bs);
                       return Tensors{g.da, g.db};
                     }});
      out.push_back({"mul", d, {a, b}, [](const Tensors& t) { return Tensors{mul(t[0], t[1])}; }});
      out.push_back({"mul_backward", d, {dy, a, b}, [](const Tensors& t) {
                       BinaryGrads g = mul_backward(t[0], t[1], t[2]);
                       return Tensors{g.da, g.db};
                     }});
    }
    Tensor x = random(s);
    out.push_back({"scale", "x" + dims(s), {x}, [](const Tensors& t) { return Tensors{scale(t[0], -0.37f)}; }});
    out.push_back({"scale_backward", "x" + dims(s), {x}, [](const Tensors& t) {
                     return Tensors{scale_backward(t[0], 2.5f)};
                   }});
  }
  struct P {
    Shape s;
    std::vector<int> dims;
  };
  for (const P& p : {P{{2, 5, 7, 3}, {0, 3, 1, 2}}, P{{2, 4, 9, 6}, {0, 2, 1, 3}}, P{{3, 5}, {1, 0}},
                     P{{2, 3, 4, 5, 6}, {4, 2, 0, 3, 1}}}) {
    Tensor x = random(p.s);
    Shape ys;
    for (int d : p.dims) ys.push_back(p.s[d]);
    Tensor dy = random(ys);
    std::string d = "x" + dims(p.s) + " dims";
    for (int v : p.dims) d += " " + std::to_string(v);
    const std::vector<int> pd = p.dims;
    out.push_back({"permute", d, {x}, [pd](const Tensors& t) { return Tensors{permute(t[0], pd)}; }});
    out.push_back({"permute_backward", d, {dy}, [pd](const Tensors& t) { return Tensors{permute_backward(t[0], pd)}; }});
  }
}

void pool_cases(std::vector<Case>& out) {
  struct S {
    Shape x;
    int k, s, pad;
    bool include_pad;
  };
  for (const S& p : {S{{2, 9, 11, 5}, 3, 2, 1, true}, S{{2, 9, 11, 5}, 3, 2, 1, false}, S{{1, 8, 8, 16}, 2, 2, 0, true},
                     S{{3, 7, 7, 4}, 3, 1, 1, true}, S{{1, 112, 112, 8}, 3, 2, 1, true}}) {
    Pool2dArgs a;
    a.kernel_h = a.kernel_w = p.k;
    a.stride_h = a.stride_w = p.s;
    a.pad_t = a.pad_b = a.pad_l = a.pad_r = p.pad;
    a.count_include_pad = p.include_pad;
    const Shape xs = p.x, ys = pool2d_output_shape(xs, a);
    Tensor x = random(xs), dy = random(ys);
    char b[120];
    std::snprintf(b, sizeof b, "x%s k%d s%d p%d%s", dims(xs).c_str(), p.k, p.s, p.pad,
                  p.include_pad ? "" : " exclude-pad");
    out.push_back({"avg_pool2d", b, {x}, [a](const Tensors& t) { return Tensors{avg_pool2d(t[0], a)}; }});
    out.push_back({"avg_pool2d_backward", b, {dy}, [a, xs](const Tensors& t) {
                     return Tensors{avg_pool2d_backward(t[0], xs, a)};
                   }});
    out.push_back({"max_pool2d", b, {x}, [a](const Tensors& t) { return Tensors{max_pool2d(t[0], a)}; }});
    out.push_back({"max_pool2d_backward", b, {dy, x}, [a](const Tensors& t) {
                     return Tensors{max_pool2d_backward(t[0], t[1], a)};
                   }});
  }
  for (Shape s : {Shape{2, 7, 7, 13}, Shape{1, 1, 1, 5}, Shape{3, 14, 15, 512}}) {
    Tensor x = random(s), dy = random({s[0], s[3]});
    out.push_back({"global_avg_pool", "x" + dims(s), {x}, [](const Tensors& t) { return Tensors{global_avg_pool(t[0])}; }});
    out.push_back({"global_avg_pool_backward", "x" + dims(s), {dy}, [s](const Tensors& t) {
                     return Tensors{global_avg_pool_backward(t[0], s)};
                   }});
  }
  for (Pad2dArgs a : {Pad2dArgs{1, 2, 3, 0, 0.f}, Pad2dArgs{0, 1, 0, 1, -1.5f}}) {
    Shape xs{2, 5, 6, 3};
    Tensor x = random(xs), dy = random({2, 5 + a.pad_t + a.pad_b, 6 + a.pad_l + a.pad_r, 3});
    char b[80];
    std::snprintf(b, sizeof b, "x%s pad %d %d %d %d value %g", dims(xs).c_str(), a.pad_t, a.pad_b, a.pad_l, a.pad_r,
                  a.value);
    out.push_back({"pad2d", b, {x}, [a](const Tensors& t) { return Tensors{pad2d(t[0], a)}; }});
    out.push_back({"pad2d_backward", b, {dy}, [a](const Tensors& t) { return Tensors{pad2d_backward(t[0], a)}; }});
  }
}

void attention_loss_cases(std::vector<Case>& out) {
  for (Shape s : {Shape{2, 3, 50, 32}, Shape{1, 2, 197, 64}, Shape{1, 1, 1, 8}}) {
    Tensor q = random(s), k = random(s), v = random(s), dout = random(s);
    const float sc = 1.f / std::sqrt(static_cast<float>(s[3]));
    Tensor probs = attention(q, k, v, sc).probs;
    out.push_back({"attention", "q" + dims(s), {q, k, v}, [sc](const Tensors& t) {
                     AttentionOut r = attention(t[0], t[1], t[2], sc);
                     return Tensors{r.out, r.probs};
                   }});
    out.push_back({"attention_backward", "q" + dims(s), {dout, q, k, v, probs}, [sc](const Tensors& t) {
                     AttentionGrads g = attention_backward(t[0], t[1], t[2], t[3], t[4], sc);
                     return Tensors{g.dq, g.dk, g.dv};
                   }});
  }
  for (Shape s : {Shape{7, 1000}, Shape{1, 3}, Shape{64, 10}}) {
    Tensor logits = random(s, -10, 10), dloss = random({s[0]});
    std::vector<int> labels(s[0]);
    for (int64_t i = 0; i < s[0]; i++) labels[i] = static_cast<int>((i * 7919) % s[1]);
    out.push_back({"cross_entropy", "logits" + dims(s), {logits}, [labels](const Tensors& t) {
                     return Tensors{cross_entropy(t[0], labels)};
                   }});
    out.push_back({"cross_entropy_backward", "logits" + dims(s), {dloss, logits}, [labels](const Tensors& t) {
                     return Tensors{cross_entropy_backward(t[0], t[1], labels)};
                   }});
  }
}

std::vector<Case> all_cases() {
  std::vector<Case> c;
  conv_cases(c);
  gemm_cases(c);
  norm_cases(c);
  activation_cases(c);
  elementwise_cases(c);
  pool_cases(c);
  attention_loss_cases(c);
  return c;
}

// ---- comparison ----

// Relative L2 error of got against ref; +inf when shapes differ or either holds a NaN/inf.
double rel_l2(const Tensor& ref, const Tensor& got) {
  if (ref.shape() != got.shape()) return INFINITY;
  std::vector<float> a = ref.to_vector(), b = got.to_vector();
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); i++) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) return INFINITY;
    num += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
    den += static_cast<double>(a[i]) * a[i];
  }
  return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

Tensors to_device(const Tensors& ts, Device d) {
  Tensors out;
  for (const Tensor& t : ts) out.push_back(t.defined() ? t.to(d) : Tensor());
  return out;
}

int coverage_failures(const Backend& b) {
  int missing = 0;
  for (int i = 0; i < static_cast<int>(Op::COUNT); i++)
    if (!backend_supports(b, static_cast<Op>(i))) {
      std::printf("MISSING: op %s has no CUDA entry\n", op_name(static_cast<Op>(i)));
      missing++;
    }
  return missing;
}

}  // namespace

int main(int argc, char** argv) {
  std::string only;
  bool list = false;
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--op") && i + 1 < argc) {
      only = argv[++i];
    } else if (!std::strcmp(argv[i], "--list")) {
      list = true;
    } else {
      std::fprintf(stderr, "usage: lkr-test-backend-ops [--op NAME] [--list]\n");
      return 2;
    }
  }
  if (!only.empty()) {
    bool known = false;
    for (int i = 0; i < static_cast<int>(Op::COUNT); i++) known = known || only == op_name(static_cast<Op>(i));
    if (!known) {
      std::fprintf(stderr, "--op: expected an op of LK_OPS, received \"%s\"\n", only.c_str());
      return 2;
    }
  }
  if (!cuda_compiled()) {
    std::printf("skip: this build has no CUDA backend (configure with -DLKR_CUDA=ON)\n");
    return 77;
  }
  if (int missing = coverage_failures(*cuda::backend_or_null())) {
    std::printf("FAIL: %d op(s) of LK_OPS have no CUDA entry\n", missing);
    return 1;
  }
  std::vector<Case> cases = all_cases();
  if (list) {
    for (const Case& c : cases) std::printf("%s  %s\n", c.op.c_str(), c.desc.c_str());
    return 0;
  }
  if (cuda::device_count() == 0) {
    std::printf("skip: no CUDA device visible (%zu cases not run)\n", cases.size());
    return 77;
  }
  const Device gpu{DeviceType::cuda, 0};
  const double tol = 1e-5;
  int run = 0, failed = 0;
  std::vector<int> covered(static_cast<int>(Op::COUNT), 0);
  for (const Case& c : cases) {
    if (!only.empty() && c.op != only) continue;
    run++;
    double worst = 0;
    std::string err;
    try {
      Tensors ref = c.run(c.inputs), got = c.run(to_device(c.inputs, gpu));
      if (ref.size() != got.size()) err = "output count differs";
      for (size_t i = 0; i < ref.size() && err.empty(); i++) {
        if (got[i].device() != gpu) err = "output " + std::to_string(i) + " not on cuda:0";
        worst = std::max(worst, rel_l2(ref[i], got[i]));
      }
    } catch (const std::exception& e) {
      err = e.what();
    }
    const bool ok = err.empty() && worst <= tol;
    if (!ok) failed++;
    for (int i = 0; i < static_cast<int>(Op::COUNT); i++)
      if (c.op == op_name(static_cast<Op>(i))) covered[i]++;
    std::printf("%-4s %-28s %-60s rel_l2 %.2e%s%s\n", ok ? "ok" : "FAIL", c.op.c_str(), c.desc.c_str(), worst,
                err.empty() ? "" : "  error: ", err.c_str());
  }
  if (only.empty())
    for (int i = 0; i < static_cast<int>(Op::COUNT); i++)
      if (!covered[i]) {
        std::printf("FAIL %-28s no test case\n", op_name(static_cast<Op>(i)));
        failed++;
      }
  std::printf("%d case(s), %d failed (tolerance rel L2 <= %.0e)\n", run, failed, tol);
  return failed ? 1 : 0;
}
