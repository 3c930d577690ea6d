// A small JSON reader for the native drivers (model configs, .safetensors headers): objects, arrays, strings
// (with \uXXXX escapes), numbers, booleans, null. Errors say where: "json: expected ',' at byte 123".
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lk::nn {

struct Json {
  enum class Kind { null, boolean, number, string, array, object } kind = Kind::null;
  bool b = false;
  double num = 0;
  std::string str;
  std::vector<Json> items;                // array
  std::map<std::string, Json> fields;     // object
  std::vector<std::string> order;         // object keys in file order

  bool is(Kind k) const { return kind == k; }
  const Json* find(const std::string& key) const;  // object field or null
  const Json& at(const std::string& key) const;    // object field, or throws naming it
};

Json parse_json(const std::string& text);
std::string read_text_file(const std::string& path);  // throws naming the file

}  // namespace lk::nn
