#include "meshplane/common/limits.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace meshplane {
namespace {

// The length of the valid UTF-8 sequence at the start of `s`, or 0.
size_t SequenceLength(absl::string_view s) {
  const auto b = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const uint8_t c = b(0);
  if (c < 0x80) return 1;
  size_t n = 0;
  uint32_t cp = 0;
  if ((c & 0xe0) == 0xc0) {
    n = 2;
    cp = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3;
    cp = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (s.size() < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i) & 0x3f);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return n;
}

}  // namespace

bool IsValidUtf8(absl::string_view s) {
  while (!s.empty()) {
    size_t n = SequenceLength(s);
    if (n == 0) return false;
    s.remove_prefix(n);
  }
  return true;
}

std::string ToValidUtf8(absl::string_view s) {
  if (IsValidUtf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 16);
  while (!s.empty()) {
    size_t n = SequenceLength(s);
    if (n == 0) {
      out += absl::StrFormat("\\x%02x", static_cast<uint8_t>(s[0]));
      n = 1;
    } else {
      out.append(s.data(), n);
    }
    s.remove_prefix(n);
  }
  return out;
}

absl::string_view Utf8Prefix(absl::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t end = max;
  // Back up over continuation bytes to the start of the cut sequence.
  while (end > 0 && (static_cast<uint8_t>(s[end]) & 0xc0) == 0x80) --end;
  return s.substr(0, end);
}

std::string QuotePrefix(absl::string_view value, size_t max) {
  std::string out = "\"";
  size_t used = 0;
  bool cut = false;
  while (!value.empty()) {
    size_t n = SequenceLength(value);
    std::string piece;
    const uint8_t c = static_cast<uint8_t>(value[0]);
    if (n == 0 || (n == 1 && (c < 0x20 || c == 0x7f))) {
      piece = absl::StrFormat("\\x%02x", c);
      n = 1;
    } else if (c == '"' || c == '\\') {
      piece = absl::StrCat("\\", std::string(1, static_cast<char>(c)));
    } else {
      piece.assign(value.data(), n);
    }
    if (used + piece.size() > max) {
      cut = true;
      break;
    }
    out += piece;
    used += piece.size();
    value.remove_prefix(n);
  }
  out += cut ? "...\"" : "\"";
  return out;
}

}  // namespace meshplane
