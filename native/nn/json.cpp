#include "json.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/tensor.h"

namespace lk::nn {
namespace {

struct Parser {
  const std::string& s;
  size_t i = 0;

  [[noreturn]] void fail(const std::string& what) const {
    throw ArgError("json: expected " + what + " at byte " + std::to_string(i));
  }
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++;
  }
  bool eat(char c) {
    ws();
    if (i < s.size() && s[i] == c) {
      i++;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("'") + c + "'");
  }

  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  unsigned hex4() {
    if (i + 4 > s.size()) fail("4 hex digits");
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
      const char c = s[i++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else fail("a hex digit");
    }
    return v;
  }

  std::string string() {
    expect('"');
    std::string out;
    while (true) {
      if (i >= s.size()) fail("a closing '\"'");
      const char c = s[i++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i >= s.size()) fail("an escape");
      const char e = s[i++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < s.size() && s[i] == '\\' && s[i + 1] == 'u') {
            i += 2;
            const unsigned lo = hex4();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          put_utf8(out, cp);
          break;
        }
        default: fail("a valid escape");
      }
    }
  }

  Json value() {
    ws();
    if (i >= s.size()) fail("a value");
    Json j;
    const char c = s[i];
    if (c == '{') {
      i++;
      j.kind = Json::Kind::object;
      if (eat('}')) return j;
      do {
        ws();
        std::string k = string();
        expect(':');
        if (!j.fields.count(k)) j.order.push_back(k);
        j.fields[k] = value();
      } while (eat(','));
      expect('}');
    } else if (c == '[') {
      i++;
      j.kind = Json::Kind::array;
      if (eat(']')) return j;
      do j.items.push_back(value());
      while (eat(','));
      expect(']');
    } else if (c == '"') {
      j.kind = Json::Kind::string;
      j.str = string();
    } else if (s.compare(i, 4, "true") == 0 || s.compare(i, 5, "false") == 0) {
      j.kind = Json::Kind::boolean;
      j.b = s[i] == 't';
      i += j.b ? 4 : 5;
    } else if (s.compare(i, 4, "null") == 0) {
      i += 4;
    } else {
      const char* start = s.c_str() + i;
      char* end = nullptr;
      j.num = std::strtod(start, &end);
      if (end == start) fail("a value");
      j.kind = Json::Kind::number;
      i += static_cast<size_t>(end - start);
    }
    return j;
  }
};

}  // namespace

const Json* Json::find(const std::string& key) const {
  auto it = fields.find(key);
  return it == fields.end() ? nullptr : &it->second;
}

const Json& Json::at(const std::string& key) const {
  const Json* j = find(key);
  if (!j) throw ArgError("json: expected a field \"" + key + "\"");
  return *j;
}

Json parse_json(const std::string& text) {
  Parser p{text};
  Json j = p.value();
  p.ws();
  if (p.i != text.size()) p.fail("the end of the document");
  return j;
}

std::string read_text_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ArgError(path + ": cannot open");
  std::ostringstream o;
  o << f.rdbuf();
  return o.str();
}

}  // namespace lk::nn
