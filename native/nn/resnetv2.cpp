// Placeholder until the resnetv2 graph lands: the family is listed but cannot be built yet.
#include "families.h"

namespace lk::nn {

std::unique_ptr<Model> make_resnetv2(const Config&) { throw NotImplemented("model family resnetv2 is not available in this build yet"); }

}  // namespace lk::nn
