// Placeholder until the alexnet graph lands: the family is listed but cannot be built yet.
#include "families.h"

namespace lk::nn {

std::unique_ptr<Model> make_alexnet(const Config&) { throw NotImplemented("model family alexnet is not available in this build yet"); }

}  // namespace lk::nn
