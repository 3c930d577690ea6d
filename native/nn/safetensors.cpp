#include "safetensors.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <vector>

#include "json.h"

namespace lk::nn {

std::map<std::string, Tensor> read_safetensors(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ArgError(path + ": cannot open");
  std::vector<char> buf((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto bad = [&](const std::string& why) { return ArgError(path + ": not a valid .safetensors file: " + why); };
  if (buf.size() < 8) throw bad("truncated (" + std::to_string(buf.size()) + " bytes)");
  uint64_t n = 0;
  std::memcpy(&n, buf.data(), 8);  // little-endian, as x86 and the format are
  if (n > 100000000ull || 8 + n > buf.size()) throw bad("header length " + std::to_string(n) + " out of range");
  const Json header = parse_json(std::string(buf.data() + 8, n));
  if (!header.is(Json::Kind::object)) throw bad("header is not a JSON object");
  const char* data = buf.data() + 8 + n;
  const uint64_t data_len = buf.size() - 8 - n;

  struct Entry {
    std::string name;
    Shape shape;
    uint64_t begin, end;
  };
  std::vector<Entry> entries;
  for (const auto& [name, e] : header.fields) {
    if (name == "__metadata__") continue;
    const Json* dt = e.find("dtype");
    const Json* sh = e.find("shape");
    const Json* off = e.find("data_offsets");
    if (!dt || !sh || !off || !sh->is(Json::Kind::array) || !off->is(Json::Kind::array) || off->items.size() != 2)
      throw bad("entry \"" + name + "\" lacks dtype, shape or data_offsets");
    if (dt->str != "F32")
      throw ArgError(path + ": tensor \"" + name + "\" has dtype " + dt->str + "; the native reader takes F32 only");
    Entry en{name, {}, static_cast<uint64_t>(off->items[0].num), static_cast<uint64_t>(off->items[1].num)};
    for (const Json& d : sh->items) {
      if (d.num < 0) throw bad("entry \"" + name + "\" has a negative dimension");
      en.shape.push_back(static_cast<int64_t>(d.num));
    }
    entries.push_back(en);
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  std::map<std::string, Tensor> out;
  uint64_t expect = 0;
  for (const Entry& e : entries) {
    if (e.begin != expect || e.end < e.begin)
      throw bad("entry \"" + e.name + "\" offsets do not tile the data (expected begin " + std::to_string(expect) + ")");
    expect = e.end;
    const uint64_t want = static_cast<uint64_t>(shape_numel(e.shape)) * 4;
    if (e.end - e.begin != want)
      throw bad("entry \"" + e.name + "\" holds " + std::to_string(e.end - e.begin) + " bytes, F32" +
                shape_str(e.shape) + " needs " + std::to_string(want));
    if (e.end > data_len) throw bad("truncated inside tensor \"" + e.name + "\"");
    Tensor t = Tensor::empty(e.shape);
    if (want) std::memcpy(t.data(), data + e.begin, want);
    out[e.name] = t;
  }
  if (expect != data_len) throw bad("the header accounts for " + std::to_string(expect) + " of " +
                                    std::to_string(data_len) + " data bytes");
  return out;
}

}  // namespace lk::nn
