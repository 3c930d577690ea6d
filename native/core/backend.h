// A backend is a table of op implementations (function pointers, NULL = not implemented there), in the
// spirit of ggml's backend interface. The public op functions in ops/*.cpp check arguments, then call the
// entry of the backend that owns the tensors' device. A missing entry throws "op <name> is not implemented
// on <device>": never a silent fallback to another device.
#pragma once
#include "ops/activation.h"
#include "ops/attention.h"
#include "ops/conv.h"
#include "ops/elementwise.h"
#include "ops/loss.h"
#include "ops/matmul.h"
#include "ops/norm.h"
#include "ops/pool.h"

namespace lk {

// Every op, once. The names are the Backend members below and the names users see in errors.
#define LK_OPS(X)                                                                                      \
  X(conv2d) X(conv2d_backward_input) X(conv2d_backward_params) X(weight_standardize)                  \
  X(weight_standardize_backward) X(linear) X(linear_backward_input) X(linear_backward_params)          \
  X(matmul) X(matmul_backward) X(batch_norm) X(batch_norm_backward_input) X(batch_norm_backward_params) \
  X(batch_norm_train) X(batch_norm_train_backward)                                                      \
  X(layer_norm) X(layer_norm_backward_input) X(layer_norm_backward_params) X(group_norm)               \
  X(group_norm_backward_input) X(group_norm_backward_params) X(pixel_normalize)                        \
  X(pixel_normalize_backward) X(relu) X(relu_backward) X(gelu) X(gelu_backward) X(softmax)             \
  X(softmax_backward) X(add) X(add_backward) X(mul) X(mul_backward) X(scale) X(scale_backward)         \
  X(permute) X(permute_backward) X(avg_pool2d) X(avg_pool2d_backward) X(max_pool2d)                    \
  X(max_pool2d_backward) X(global_avg_pool) X(global_avg_pool_backward) X(pad2d) X(pad2d_backward)     \
  X(attention) X(attention_backward) X(cross_entropy) X(cross_entropy_backward)

enum class Op {
#define LK_OP_ENUM(name) name,
  LK_OPS(LK_OP_ENUM)
#undef LK_OP_ENUM
  COUNT
};
static_assert(static_cast<int>(Op::COUNT) == 49, "update the op count when adding an op");
const char* op_name(Op op);

struct Backend {
  const char* name;  // "cpu", "cuda"
  Tensor (*conv2d)(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dArgs& a);
  Tensor (*conv2d_backward_input)(const Tensor& dy, const Tensor& w, const Shape& x_shape, const Conv2dArgs& a);
  ConvGrads (*conv2d_backward_params)(const Tensor& dy, const Tensor& x, const Shape& w_shape, bool with_bias,
                                      const Conv2dArgs& a);
  Tensor (*weight_standardize)(const Tensor& w, float eps);
  Tensor (*weight_standardize_backward)(const Tensor& dwstd, const Tensor& w, float eps);
  Tensor (*linear)(const Tensor& x, const Tensor& w, const Tensor& b);
  Tensor (*linear_backward_input)(const Tensor& dy, const Tensor& w);
  LinearGrads (*linear_backward_params)(const Tensor& dy, const Tensor& x, bool with_bias);
  Tensor (*matmul)(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b);
  MatmulGrads (*matmul_backward)(const Tensor& dy, const Tensor& a, const Tensor& b, bool trans_a, bool trans_b);
  Tensor (*batch_norm)(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& mean,
                       const Tensor& var, float eps);
  Tensor (*batch_norm_backward_input)(const Tensor& dy, const Tensor& gamma, const Tensor& var, float eps);
  NormGrads (*batch_norm_backward_params)(const Tensor& dy, const Tensor& x, const Tensor& mean, const Tensor& var,
                                          float eps);
  BatchNormTrainOut (*batch_norm_train)(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps);
  BatchNormTrainGrads (*batch_norm_train_backward)(const Tensor& dy, const Tensor& x, const Tensor& gamma,
                                                   const Tensor& mean, const Tensor& var, float eps);
  Tensor (*layer_norm)(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps);
  Tensor (*layer_norm_backward_input)(const Tensor& dy, const Tensor& x, const Tensor& gamma, float eps);
  NormGrads (*layer_norm_backward_params)(const Tensor& dy, const Tensor& x, float eps);
  Tensor (*group_norm)(const Tensor& x, int groups, const Tensor& gamma, const Tensor& beta, float eps);
  Tensor (*group_norm_backward_input)(const Tensor& dy, const Tensor& x, int groups, const Tensor& gamma, float eps);
  NormGrads (*group_norm_backward_params)(const Tensor& dy, const Tensor& x, int groups, float eps);
  Tensor (*pixel_normalize)(const Tensor& x, const std::vector<float>& mean, const std::vector<float>& std);
  Tensor (*pixel_normalize_backward)(const Tensor& dy, const std::vector<float>& std);
  Tensor (*relu)(const Tensor& x);
  Tensor (*relu_backward)(const Tensor& dy, const Tensor& x);
  Tensor (*gelu)(const Tensor& x, GeluApprox approx);
  Tensor (*gelu_backward)(const Tensor& dy, const Tensor& x, GeluApprox approx);
  Tensor (*softmax)(const Tensor& x);
  Tensor (*softmax_backward)(const Tensor& dy, const Tensor& y);
  Tensor (*add)(const Tensor& a, const Tensor& b);
  BinaryGrads (*add_backward)(const Tensor& dy, const Shape& b_shape);
  Tensor (*mul)(const Tensor& a, const Tensor& b);
  BinaryGrads (*mul_backward)(const Tensor& dy, const Tensor& a, const Tensor& b);
  Tensor (*scale)(const Tensor& x, float s);
  Tensor (*scale_backward)(const Tensor& dy, float s);
  Tensor (*permute)(const Tensor& x, const std::vector<int>& dims);
  Tensor (*permute_backward)(const Tensor& dy, const std::vector<int>& dims);
  Tensor (*avg_pool2d)(const Tensor& x, const Pool2dArgs& a);
  Tensor (*avg_pool2d_backward)(const Tensor& dy, const Shape& x_shape, const Pool2dArgs& a);
  Tensor (*max_pool2d)(const Tensor& x, const Pool2dArgs& a);
  Tensor (*max_pool2d_backward)(const Tensor& dy, const Tensor& x, const Pool2dArgs& a);
  Tensor (*global_avg_pool)(const Tensor& x);
  Tensor (*global_avg_pool_backward)(const Tensor& dy, const Shape& x_shape);
  Tensor (*pad2d)(const Tensor& x, const Pad2dArgs& a);
  Tensor (*pad2d_backward)(const Tensor& dy, const Pad2dArgs& a);
  AttentionOut (*attention)(const Tensor& q, const Tensor& k, const Tensor& v, float scale);
  AttentionGrads (*attention_backward)(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                                       const Tensor& probs, float scale);
  Tensor (*cross_entropy)(const Tensor& logits, const std::vector<int>& labels);
  Tensor (*cross_entropy_backward)(const Tensor& dloss, const Tensor& logits, const std::vector<int>& labels);

  // Device memory, used by Tensor for allocation and copies. Host backends leave copy_* NULL.
  void* (*alloc)(size_t bytes, int device_index);
  void (*free)(void* p, int device_index);
  void (*copy_to_host)(void* dst, const void* src, size_t bytes, int device_index);
  void (*copy_from_host)(void* dst, const void* src, size_t bytes, int device_index);
  void (*memset_zero)(void* p, size_t bytes, int device_index);
};

// The backend owning a device; throws when that device type was not compiled in or has no such device.
const Backend& backend_for(Device d);
bool backend_supports(const Backend& b, Op op);
bool cuda_compiled();

// Each backend defines its table in its own directory.
namespace cpu { const Backend& backend(); }
namespace cuda { const Backend* backend_or_null(); int device_count(); }

}  // namespace lk
