// One builder per model family, each in native/nn/<family>.cpp. Config keys are listed in each file's header.
#pragma once
#include <memory>

#include "model.h"

namespace lk::nn {

std::unique_ptr<Model> make_convnext(const Config& cfg);
std::unique_ptr<Model> make_vit(const Config& cfg);
std::unique_ptr<Model> make_resnet(const Config& cfg);
std::unique_ptr<Model> make_resnetv2(const Config& cfg);
std::unique_ptr<Model> make_alexnet(const Config& cfg);
std::unique_ptr<Model> make_replknet(const Config& cfg);

}  // namespace lk::nn
