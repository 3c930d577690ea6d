// Placeholder until the vit graph lands: the family is listed but cannot be built yet.
#include "families.h"

namespace lk::nn {

std::unique_ptr<Model> make_vit(const Config&) { throw NotImplemented("model family vit is not available in this build yet"); }

}  // namespace lk::nn
