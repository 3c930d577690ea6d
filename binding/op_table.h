// Every engine op callable from JS by name: the table parses attributes on the JS thread and returns a
// closure that runs the op (on a worker thread for async calls).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "js_tensor.h"

namespace lkb {

using Tensors = std::vector<lk::Tensor>;
using OpRun = std::function<Tensors(const Tensors& in)>;

struct OpEntry {
  const char* name;
  int n_inputs;
  OpRun (*prepare)(const Attrs& a);  // reads attributes; throws lk::ArgError
};

const OpEntry* find_op(const std::string& name);
const std::vector<OpEntry>& op_entries();

}  // namespace lkb
