// Placeholder until the resnet graph lands: the family is listed but cannot be built yet.
#include "families.h"

namespace lk::nn {

std::unique_ptr<Model> make_resnet(const Config&) { throw NotImplemented("model family resnet is not available in this build yet"); }

}  // namespace lk::nn
