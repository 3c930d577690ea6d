// Placeholder until the replknet graph lands: the family is listed but cannot be built yet.
#include "families.h"

namespace lk::nn {

std::unique_ptr<Model> make_replknet(const Config&) { throw NotImplemented("model family replknet is not available in this build yet"); }

}  // namespace lk::nn
