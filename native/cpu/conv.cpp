// CPU convolution family. Dense and grouped conv2d (forward, backward-data, backward-weights) through oneDNN
// with NHWC activations and PyTorch OIHW weights (GOIHW views when grouped); oneDNN picks its weight layout
// (format_tag::any) and the weights are reordered per call, or once for frozen weights (onednn.h weights_in).
// Depthwise convs (groups == Cin == Cout, dilation 1) go to our own kernels in dwconv.h when `dw::supported`
// says so, unless LKR_DWCONV=onednn.
// weight_standardize (BiT's StdConv2d) is plain C++ with double statistics.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cpu_backend.h"
#include "dwconv.h"
#include "onednn.h"

namespace lk::cpu {
namespace {

using namespace onednn;
using dnnl::algorithm;
using dnnl::prop_kind;

// One conv problem, in the numbers oneDNN wants.
struct ConvProblem {
  int64_t n, h, w, cin, cout, kh, kw, oh, ow;
  Conv2dArgs a;
  bool bias;

  ConvProblem(const Shape& xs, const Shape& ws, const Conv2dArgs& args, bool with_bias) : a(args), bias(with_bias) {
    Shape ys = conv2d_output_shape(xs, ws, args);
    n = xs[0], h = xs[1], w = xs[2], cin = xs[3];
    cout = ws[0], kh = ws[2], kw = ws[3];
    oh = ys[1], ow = ys[2];
  }
  Shape x_shape() const { return {n, h, w, cin}; }
  Shape y_shape() const { return {n, oh, ow, cout}; }
  Shape w_shape() const { return {cout, cin / a.groups, kh, kw}; }

  memory::desc src() const { return md({n, cin, h, w}, tag::nhwc); }
  memory::desc dst() const { return md({n, cout, oh, ow}, tag::nhwc); }
  memory::desc bias_md() const { return bias ? md({cout}, tag::x) : memory::desc(); }
  dims wdims() const {
    const int64_t g = a.groups;
    if (g == 1) return {cout, cin, kh, kw};
    return {g, cout / g, cin / g, kh, kw};
  }
  memory::desc weights_user() const { return md(wdims(), a.groups == 1 ? tag::oihw : tag::goihw); }
  memory::desc weights_any() const { return md(wdims(), tag::any); }
  dims strides() const { return {a.stride_h, a.stride_w}; }
  dims dilates() const { return {a.dil_h - 1, a.dil_w - 1}; }  // oneDNN counts dilation from 0
  dims pad_l() const { return {a.pad_t, a.pad_l}; }
  dims pad_r() const { return {a.pad_b, a.pad_r}; }

  std::string key(const char* kind) const {
    return key_of(kind, {n, h, w, cin, cout, kh, kw, a.stride_h, a.stride_w, a.pad_t, a.pad_b, a.pad_l, a.pad_r,
                         a.dil_h, a.dil_w, a.groups, bias ? 1 : 0});
  }

  dnnl::convolution_forward::desc fwd_desc(prop_kind pk) const {
    if (bias)
      return dnnl::convolution_forward::desc(pk, algorithm::convolution_direct, src(), weights_any(), bias_md(), dst(),
                                             strides(), dilates(), pad_l(), pad_r());
    return dnnl::convolution_forward::desc(pk, algorithm::convolution_direct, src(), weights_any(), dst(), strides(),
                                           dilates(), pad_l(), pad_r());
  }
  dnnl::convolution_forward::primitive_desc fwd_pd(prop_kind pk) const {
    return dnnl::convolution_forward::primitive_desc(fwd_desc(pk), default_attr(), engine());
  }

  // Depthwise geometry for our own kernels, when this problem is one they take.
  bool depthwise(dw::Geometry& g) const {
    if (!(a.groups == cin && cin == cout && a.dil_h == 1 && a.dil_w == 1)) return false;
    const char* route = std::getenv("LKR_DWCONV");  // read per call so a test can flip it (see conv.test.ts)
    if (route && std::strcmp(route, "onednn") == 0) return false;
    g = dw::Geometry{static_cast<int>(n), static_cast<int>(h), static_cast<int>(w), static_cast<int>(cin),
                     static_cast<int>(kh), static_cast<int>(kw), a.stride_h, a.stride_w, a.pad_t, a.pad_l,
                     static_cast<int>(oh), static_cast<int>(ow)};
    return dw::supported(g);
  }
};

// A 1x1 conv with stride and no padding reads only every stride-th pixel. oneDNN 2.6 runs such convs (ResNet's
// downsampling shortcuts) at about a third of its stride-1 rate, so they are run as a gather of those pixels
// followed by a stride-1 conv: the same sums in the same order.
bool strided_pointwise(const ConvProblem& p) {
  const Conv2dArgs& a = p.a;
  return p.kh == 1 && p.kw == 1 && a.groups == 1 && a.dil_h == 1 && a.dil_w == 1 && a.pad_t == 0 && a.pad_b == 0 &&
         a.pad_l == 0 && a.pad_r == 0 && (a.stride_h > 1 || a.stride_w > 1);
}

Tensor every_stride_pixel(const Tensor& x, const ConvProblem& p) {
  Tensor s = Tensor::empty({p.n, p.oh, p.ow, p.cin});
  const size_t row = static_cast<size_t>(p.cin) * sizeof(float);
#pragma omp parallel for collapse(2)
  for (int64_t n = 0; n < p.n; n++)
    for (int64_t i = 0; i < p.oh; i++)
      for (int64_t j = 0; j < p.ow; j++)
        std::memcpy(s.data() + ((n * p.oh + i) * p.ow + j) * p.cin,
                    x.data() + ((n * p.h + i * p.a.stride_h) * p.w + j * p.a.stride_w) * p.cin, row);
  return s;
}

// ---------------------------------------------------------------------------------------------- forward
Tensor conv2d_cpu(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dArgs& a) {
  ConvProblem p(x.shape(), w.shape(), a, b.defined());
  if (strided_pointwise(p) && p.oh * p.ow > 0 && p.cin > 0) return conv2d_cpu(every_stride_pixel(x, p), w, b, Conv2dArgs{});
  Tensor y = Tensor::empty(p.y_shape());
  if (y.numel() == 0) return y;
  if (p.cin == 0) {  // nothing to sum: the bias alone
    for (int64_t i = 0; i < y.numel(); i++) y.data()[i] = b.defined() ? b.data()[i % p.cout] : 0.f;
    return y;
  }
  dw::Geometry g;
  if (p.depthwise(g)) {
    dw::forward(x.data(), w.data(), b.defined() ? b.data() : nullptr, y.data(), g);
    return y;
  }
  using Entry = Cached<dnnl::convolution_forward::primitive_desc, dnnl::convolution_forward>;
  auto e = PrimitiveCache::instance().get<Entry>(p.key("conv_fwd"), [&] {
    auto pd = p.fwd_pd(prop_kind::forward_inference);
    return Entry{pd, dnnl::convolution_forward(pd)};
  });
  const WeightsView wv = weights_in(w, p.weights_user(), e->pd.weights_desc());
  const float* wp = wv.data;
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, mem(e->pd.src_desc(), x.data())},
                                       {DNNL_ARG_WEIGHTS, mem(e->pd.weights_desc(), wp)},
                                       {DNNL_ARG_DST, mem(e->pd.dst_desc(), y.data())}};
  if (p.bias) args.emplace(DNNL_ARG_BIAS, mem(e->pd.bias_desc(), b.data()));
  execute(e->prim, e->pd.scratchpad_desc(), std::move(args));
  return y;
}

// ---------------------------------------------------------------------------------------- backward data
Tensor conv2d_backward_input_cpu(const Tensor& dy, const Tensor& w, const Shape& x_shape, const Conv2dArgs& a) {
  ConvProblem p(x_shape, w.shape(), a, false);
  Tensor dx = Tensor::empty(x_shape);
  if (dx.numel() == 0) return dx;
  if (dy.numel() == 0 || p.cout == 0) {
    dx.fill(0.f);
    return dx;
  }
  dw::Geometry g;
  if (p.depthwise(g)) {
    dw::backward_data(dy.data(), w.data(), dx.data(), g);
    return dx;
  }
  using Entry = Cached<dnnl::convolution_backward_data::primitive_desc, dnnl::convolution_backward_data>;
  auto e = PrimitiveCache::instance().get<Entry>(p.key("conv_bwd_data"), [&] {
    auto hint = p.fwd_pd(prop_kind::forward_training);
    dnnl::convolution_backward_data::desc d(algorithm::convolution_direct, p.src(), p.weights_any(), p.dst(),
                                            p.strides(), p.dilates(), p.pad_l(), p.pad_r());
    dnnl::convolution_backward_data::primitive_desc pd(d, default_attr(), engine(), hint);
    return Entry{pd, dnnl::convolution_backward_data(pd)};
  });
  const WeightsView wv = weights_in(w, p.weights_user(), e->pd.weights_desc());
  const float* wp = wv.data;
  execute(e->prim, e->pd.scratchpad_desc(),
          {{DNNL_ARG_DIFF_DST, mem(e->pd.diff_dst_desc(), dy.data())},
           {DNNL_ARG_WEIGHTS, mem(e->pd.weights_desc(), wp)},
           {DNNL_ARG_DIFF_SRC, mem(e->pd.diff_src_desc(), dx.data())}});
  return dx;
}

// ------------------------------------------------------------------------------------- backward weights
ConvGrads conv2d_backward_params_cpu(const Tensor& dy, const Tensor& x, const Shape& w_shape, bool with_bias,
                                     const Conv2dArgs& a) {
  ConvProblem p(x.shape(), w_shape, a, with_bias);
  ConvGrads r;
  r.dw = Tensor::empty(w_shape);
  if (with_bias) r.db = Tensor::empty({p.cout});
  if (r.dw.numel() == 0 && !with_bias) return r;
  if (dy.numel() == 0 || x.numel() == 0) {  // an empty batch (or no input channels): no contributions
    r.dw.fill(0.f);
    if (with_bias) {
      r.db.fill(0.f);
      if (p.cin == 0) {  // dw is empty but db still sums dy
        for (int64_t i = 0; i < dy.numel(); i++) r.db.data()[i % p.cout] += dy.data()[i];
      }
    }
    return r;
  }
  dw::Geometry g;
  if (p.depthwise(g)) {
    dw::backward_weights(dy.data(), x.data(), r.dw.data(), with_bias ? r.db.data() : nullptr, g);
    return r;
  }
  using Entry = Cached<dnnl::convolution_backward_weights::primitive_desc, dnnl::convolution_backward_weights>;
  auto e = PrimitiveCache::instance().get<Entry>(p.key("conv_bwd_weights"), [&] {
    auto hint = p.fwd_pd(prop_kind::forward_training);
    auto d = with_bias ? dnnl::convolution_backward_weights::desc(algorithm::convolution_direct, p.src(),
                                                                   p.weights_any(), p.bias_md(), p.dst(),
                                                                   p.strides(), p.dilates(), p.pad_l(), p.pad_r())
                       : dnnl::convolution_backward_weights::desc(algorithm::convolution_direct, p.src(),
                                                                   p.weights_any(), p.dst(), p.strides(),
                                                                   p.dilates(), p.pad_l(), p.pad_r());
    dnnl::convolution_backward_weights::primitive_desc pd(d, default_attr(), engine(), hint);
    return Entry{pd, dnnl::convolution_backward_weights(pd)};
  });
  const memory::desc user = p.weights_user(), got = e->pd.diff_weights_desc();
  Buffer wbuf;
  float* dwp = r.dw.data();
  if (!(got == user)) {
    wbuf = alloc_for(got);
    dwp = wbuf.get();
  }
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, mem(e->pd.src_desc(), x.data())},
                                       {DNNL_ARG_DIFF_DST, mem(e->pd.diff_dst_desc(), dy.data())},
                                       {DNNL_ARG_DIFF_WEIGHTS, mem(got, dwp)}};
  if (with_bias) args.emplace(DNNL_ARG_DIFF_BIAS, mem(e->pd.diff_bias_desc(), r.db.data()));
  execute(e->prim, e->pd.scratchpad_desc(), std::move(args));
  if (dwp != r.dw.data()) reorder(dwp, got, r.dw.data(), user);
  return r;
}

// ---------------------------------------------------------------------------------- weight standardise
// Per output channel o over its K = numel/O weights: mean, biased variance (double), rstd = 1/sqrt(var+eps).
Tensor weight_standardize_cpu(const Tensor& w, float eps) {
  Tensor out = Tensor::empty(w.shape());
  const int64_t o = w.dim(0), k = o ? w.numel() / o : 0;
  const float* src = w.data();
  float* dst = out.data();
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < o; c++) {
    const float* wc = src + c * k;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < k; i++) mean += wc[i];
    mean /= static_cast<double>(k);
    for (int64_t i = 0; i < k; i++) var += (wc[i] - mean) * (wc[i] - mean);
    var /= static_cast<double>(k);
    const double rstd = 1.0 / std::sqrt(var + eps);
    for (int64_t i = 0; i < k; i++) dst[c * k + i] = static_cast<float>((wc[i] - mean) * rstd);
  }
  return out;
}

// With xhat = (w - mean) * rstd and g = dL/dw': dL/dw = rstd * (g - mean(g) - xhat * mean(g * xhat)).
Tensor weight_standardize_backward_cpu(const Tensor& dwstd, const Tensor& w, float eps) {
  Tensor dw = Tensor::empty(w.shape());
  const int64_t o = w.dim(0), k = o ? w.numel() / o : 0;
  const float* src = w.data();
  const float* g = dwstd.data();
  float* dst = dw.data();
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < o; c++) {
    const float* wc = src + c * k;
    const float* gc = g + c * k;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < k; i++) mean += wc[i];
    mean /= static_cast<double>(k);
    for (int64_t i = 0; i < k; i++) var += (wc[i] - mean) * (wc[i] - mean);
    var /= static_cast<double>(k);
    const double rstd = 1.0 / std::sqrt(var + eps);
    double gmean = 0, gxmean = 0;
    for (int64_t i = 0; i < k; i++) {
      gmean += gc[i];
      gxmean += gc[i] * (wc[i] - mean) * rstd;
    }
    gmean /= static_cast<double>(k);
    gxmean /= static_cast<double>(k);
    for (int64_t i = 0; i < k; i++) {
      const double xhat = (wc[i] - mean) * rstd;
      dst[c * k + i] = static_cast<float>(rstd * (gc[i] - gmean - xhat * gxmean));
    }
  }
  return dw;
}

}  // namespace

void fill_conv(Backend& b) {
  b.conv2d = conv2d_cpu;
  b.conv2d_backward_input = conv2d_backward_input_cpu;
  b.conv2d_backward_params = conv2d_backward_params_cpu;
  b.weight_standardize = weight_standardize_cpu;
  b.weight_standardize_backward = weight_standardize_backward_cpu;
}

}  // namespace lk::cpu
