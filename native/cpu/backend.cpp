#include <cstring>

#include "cpu_backend.h"

namespace lk::cpu {

static Backend make_backend() {
  Backend b;
  std::memset(&b, 0, sizeof(b));
  b.name = "cpu";
  fill_conv(b);
  fill_matmul(b);
  fill_norm(b);
  fill_activation(b);
  fill_elementwise(b);
  fill_pool(b);
  fill_attention(b);
  fill_loss(b);
  return b;
}

const Backend& backend() {
  static const Backend b = make_backend();
  return b;
}

}  // namespace lk::cpu
