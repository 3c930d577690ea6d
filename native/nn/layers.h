// Layer helpers for model graphs: each runs one engine op and, when the context has a tape, pushes the
// op's input-gradient closure. Composite pieces (residual blocks, attention) are built from these.
#pragma once
#include <functional>
#include <string>

#include "context.h"
#include "core/backend.h"

namespace lk::nn {

Tensor conv(Context& c, const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dArgs& a);
// A conv with "same"-style symmetric padding p and stride s (the common case).
Tensor conv(Context& c, const Tensor& x, const Tensor& w, const Tensor& b, int stride, int pad, int groups = 1);
Tensor linear(Context& c, const Tensor& x, const Tensor& w, const Tensor& b);
Tensor batch_norm(Context& c, const Tensor& x, const Tensor& g, const Tensor& b, const Tensor& mean,
                  const Tensor& var, float eps);
Tensor layer_norm(Context& c, const Tensor& x, const Tensor& g, const Tensor& b, float eps);
Tensor group_norm(Context& c, const Tensor& x, int groups, const Tensor& g, const Tensor& b, float eps);
Tensor relu(Context& c, const Tensor& x);
Tensor gelu(Context& c, const Tensor& x, GeluApprox approx = GeluApprox::none);
Tensor mul(Context& c, const Tensor& x, const Tensor& per_channel);  // x * s over the last dim
Tensor max_pool(Context& c, const Tensor& x, const Pool2dArgs& a);
Tensor avg_pool(Context& c, const Tensor& x, const Pool2dArgs& a);
Tensor global_avg_pool(Context& c, const Tensor& x);
Tensor pad(Context& c, const Tensor& x, const Pad2dArgs& a);
Tensor permute(Context& c, const Tensor& x, const std::vector<int>& dims);
Tensor reshape(Context& c, const Tensor& x, const Shape& shape);
Tensor pixel_normalize(Context& c, const Tensor& x, const std::vector<float>& mean, const std::vector<float>& std);

// y = x + branch(x): the block index counts every residual block in forward order (lesion skips by index),
// and the block's output is recorded under `name` when asked.
Tensor residual(Context& c, const std::string& name, const Tensor& x, const std::function<Tensor(Context&, const Tensor&)>& branch);
// y = shortcut(x) + branch(x), for blocks whose shortcut is a projection (pre-activation ResNetV2's first block of
// a stage); a skipped block (lesion) keeps shortcut(x). Counted and recorded as above.
Tensor residual(Context& c, const std::string& name, const Tensor& x,
                const std::function<Tensor(Context&, const Tensor&)>& shortcut,
                const std::function<Tensor(Context&, const Tensor&)>& branch);
// Records `x` under `name` when the context asks (for non-residual stages: stems, transitions).
void record(Context& c, const std::string& name, const Tensor& x);

// Multi-head self-attention on tokens x (B, T, D) with fused qkv (3D, D) weights in timm's layout
// (feature = s*D + h*hd + d): returns proj(attn(...)); keeps probs in the context when asked.
Tensor self_attention(Context& c, const Tensor& x, const Tensor& qkv_w, const Tensor& qkv_b, const Tensor& proj_w,
                      const Tensor& proj_b, int heads, bool keep_attention);

}  // namespace lk::nn
