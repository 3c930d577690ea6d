// A model's architecture settings as plain name -> numbers/strings (from the TS registry, or a C++ driver).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace lk::nn {

struct Config {
  std::map<std::string, std::vector<double>> nums;
  std::map<std::string, std::string> strs;

  int i(const std::string& k, int def) const;
  float f(const std::string& k, float def) const;
  std::vector<int> ints(const std::string& k, std::vector<int> def = {}) const;
  std::vector<float> floats(const std::string& k, std::vector<float> def = {}) const;
  std::string s(const std::string& k, const std::string& def) const;
  Config& set(const std::string& k, std::vector<double> v) { nums[k] = std::move(v); return *this; }
  Config& set(const std::string& k, double v) { nums[k] = {v}; return *this; }
  Config& set(const std::string& k, const std::string& v) { strs[k] = v; return *this; }
};

}  // namespace lk::nn
