// What one forward pass is asked to do besides computing logits: keep a tape for the input gradient, skip
// residual blocks (lesion), record per-block statistics, keep the last block's attention map.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tape.h"

namespace lk::nn {

// Summary of one block's output, over the whole batch (feature-map variance as REFERENCE.md §6.6 / §8).
struct BlockRecord {
  std::string name;
  Shape shape;
  double mean = 0, std = 0;
  double fmap_var_batch_mean = 0;   // variance over H,W of the batch-mean map, averaged over channels (released)
  double fmap_var_per_image = 0;    // per image spatial variance, averaged over images and channels ([PK])
};

// Parameter gradients of one backward pass. Layer helpers see parameter tensors, not their names, so the
// gradients are keyed by the parameter's data pointer; named_param_grads() maps them back to checkpoint keys.
// A parameter used twice (shared weights) gets the sum.
struct ParamGrads {
  std::map<const float*, Tensor> by_data;
  void add(const Tensor& param, const Tensor& g);
};

struct Context {
  Tape* tape = nullptr;                 // set: record backward closures
  std::set<int> skip_blocks;            // residual block indices to replace by identity
  bool record_blocks = false;
  bool record_attention = false;
  int record_skip_tokens = 0;           // token maps: leading tokens left out of block records
  // Return the last feature map (N, h, w, C) before pooling and the head (for the effective receptive field).
  bool features_only = false;
  std::vector<BlockRecord> records;
  Tensor attention;                     // (B, heads, T, T) of the last block when recorded
  int block_counter = 0;                // index of the next residual block met in this pass

  // Training mode: batch-norm normalises with the batch's statistics and updates the running ones in place
  // (PyTorch's momentum rule); drop-path drops residual branches per sample with drop_path_rates[block].
  bool training = false;
  float bn_momentum = 0.1f;
  std::vector<float> drop_path_rates;   // by residual block index; empty = none
  uint64_t drop_seed = 0;               // drop-path masks: a pure function of (seed, block, sample)
  ParamGrads* grads = nullptr;          // set (with a tape): backward also accumulates parameter gradients

  bool taping() const { return tape != nullptr; }
  bool param_grads() const { return tape != nullptr && grads != nullptr; }
};

// Statistics of a feature map (NHWC, or tokens (B, T, C) treated as T positions).
// skip_tokens: leading tokens of a (B, T, C) map left out of the statistics (ViT: the class token).
BlockRecord summarize(const std::string& name, const Tensor& x, int skip_tokens = 0);

}  // namespace lk::nn
