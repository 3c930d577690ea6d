#include "cpu_backend.h"

namespace lk::cpu {

void fill_loss(Backend&) {}

}  // namespace lk::cpu
