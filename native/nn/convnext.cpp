// Placeholder until the convnext graph lands: the family is listed but cannot be built yet.
#include "families.h"

namespace lk::nn {

std::unique_ptr<Model> make_convnext(const Config&) { throw NotImplemented("model family convnext is not available in this build yet"); }

}  // namespace lk::nn
