#include "policy/cel/time_util.h"

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"

namespace meshplane::policy::cel::internal {

namespace {

constexpr int64_t kNanosPerSecond = 1000000000;

bool ReadDigits(absl::string_view s, size_t* pos, int n, int* out) {
  if (*pos + n > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

std::string FormatFraction(int32_t nanos) {
  // nanos > 0; nine digits with trailing zeros removed.
  std::string f = absl::StrCat(nanos + kNanosPerSecond).substr(1);
  while (!f.empty() && f.back() == '0') f.pop_back();
  return f;
}

}  // namespace

Value MakeTimestamp(int64_t seconds, int64_t nanos) {
  seconds += nanos / kNanosPerSecond;
  nanos %= kNanosPerSecond;
  if (nanos < 0) {
    nanos += kNanosPerSecond;
    seconds -= 1;
  }
  if (seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds) {
    return Value::Error("timestamp out of range");
  }
  return Value::Timestamp(seconds, static_cast<int32_t>(nanos));
}

Value MakeDuration(int64_t seconds, int64_t nanos) {
  seconds += nanos / kNanosPerSecond;
  nanos %= kNanosPerSecond;
  if (seconds > 0 && nanos < 0) {
    seconds -= 1;
    nanos += kNanosPerSecond;
  } else if (seconds < 0 && nanos > 0) {
    seconds += 1;
    nanos -= kNanosPerSecond;
  }
  if (seconds > kMaxDurationSeconds || seconds < -kMaxDurationSeconds) {
    return Value::Error("duration out of range");
  }
  return Value::Duration(seconds, static_cast<int32_t>(nanos));
}

std::string FormatTimestamp(int64_t seconds, int32_t nanos) {
  absl::CivilSecond cs =
      absl::ToCivilSecond(absl::FromUnixSeconds(seconds), absl::UTCTimeZone());
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d",
                static_cast<int>(cs.year()), cs.month(), cs.day(), cs.hour(),
                cs.minute(), cs.second());
  std::string out = buf;
  if (nanos != 0) absl::StrAppend(&out, ".", FormatFraction(nanos));
  out += "Z";
  return out;
}

std::string FormatDuration(int64_t seconds, int32_t nanos) {
  std::string out;
  if (seconds < 0 || nanos < 0) {
    out = "-";
    seconds = -seconds;
    nanos = -nanos;
  }
  absl::StrAppend(&out, seconds);
  if (nanos != 0) absl::StrAppend(&out, ".", FormatFraction(nanos));
  out += "s";
  return out;
}

// RFC 3339 (the format of google.protobuf.Timestamp's JSON form):
// YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM).
Value ParseTimestamp(absl::string_view s) {
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  auto bad = [&]() {
    return Value::Error(
        absl::StrCat("timestamp: cannot parse \"", s.substr(0, 64), "\""));
  };
  if (!ReadDigits(s, &pos, 4, &year) || pos >= s.size() || s[pos++] != '-' ||
      !ReadDigits(s, &pos, 2, &month) || pos >= s.size() || s[pos++] != '-' ||
      !ReadDigits(s, &pos, 2, &day) || pos >= s.size() ||
      (s[pos] != 'T' && s[pos] != 't') || !ReadDigits(s, &++pos, 2, &hour) ||
      pos >= s.size() || s[pos++] != ':' || !ReadDigits(s, &pos, 2, &minute) ||
      pos >= s.size() || s[pos++] != ':' || !ReadDigits(s, &pos, 2, &second)) {
    return bad();
  }
  int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 9) {
        nanos = nanos * 10 + (s[pos] - '0');
      }
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad();
    for (int i = digits; i < 9; ++i) nanos *= 10;
  }
  int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!ReadDigits(s, &pos, 2, &oh) || pos >= s.size() || s[pos++] != ':' ||
        !ReadDigits(s, &pos, 2, &om) || oh > 23 || om > 59) {
      return bad();
    }
    offset = sign * (oh * 3600 + om * 60);
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second > 60) {
    return bad();
  }
  absl::CivilSecond cs(year, month, day, hour, minute, second);
  if (cs.day() != day) return bad();  // e.g. February 30th
  int64_t secs =
      absl::ToUnixSeconds(absl::FromCivil(cs, absl::UTCTimeZone())) - offset;
  if (year < 1) return Value::Error("timestamp out of range");
  return MakeTimestamp(secs, nanos);
}

// Go's time.ParseDuration syntax, which the CEL spec adopts for duration().
Value ParseDuration(absl::string_view s) {
  auto bad = [&]() {
    return Value::Error(
        absl::StrCat("duration: cannot parse \"", s.substr(0, 64), "\""));
  };
  size_t pos = 0;
  bool neg = false;
  if (pos < s.size() && (s[pos] == '-' || s[pos] == '+')) {
    neg = s[pos] == '-';
    ++pos;
  }
  if (s.substr(pos) == "0") return Value::Duration(0, 0);
  if (pos >= s.size()) return bad();
  __int128 total = 0;  // nanoseconds
  const __int128 kLimit =
      static_cast<__int128>(kMaxDurationSeconds + 1) * kNanosPerSecond;
  while (pos < s.size()) {
    // Integer part.
    __int128 whole = 0;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      whole = whole * 10 + (s[pos] - '0');
      if (whole > kLimit) return Value::Error("duration out of range");
      ++pos;
    }
    bool had_int = pos > start;
    __int128 frac = 0;
    __int128 scale = 1;
    bool had_frac = false;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (scale < static_cast<__int128>(1000000000000000000LL)) {
          frac = frac * 10 + (s[pos] - '0');
          scale *= 10;
        }
        had_frac = true;
        ++pos;
      }
    }
    if (!had_int && !had_frac) return bad();
    // Unit.
    int64_t unit;
    absl::string_view rest = s.substr(pos);
    if (absl::StartsWith(rest, "ns")) {
      unit = 1;
      pos += 2;
    } else if (absl::StartsWith(rest, "us")) {
      unit = 1000;
      pos += 2;
    } else if (absl::StartsWith(rest, "\xC2\xB5s") ||
               absl::StartsWith(rest, "\xCE\xBCs")) {
      unit = 1000;
      pos += 3;
    } else if (absl::StartsWith(rest, "ms")) {
      unit = 1000000;
      pos += 2;
    } else if (absl::StartsWith(rest, "s")) {
      unit = kNanosPerSecond;
      pos += 1;
    } else if (absl::StartsWith(rest, "m")) {
      unit = 60 * kNanosPerSecond;
      pos += 1;
    } else if (absl::StartsWith(rest, "h")) {
      unit = 3600 * kNanosPerSecond;
      pos += 1;
    } else {
      return bad();
    }
    total += whole * unit + frac * unit / scale;
    if (total > kLimit) return Value::Error("duration out of range");
  }
  if (neg) total = -total;
  int64_t secs = static_cast<int64_t>(total / kNanosPerSecond);
  int64_t nanos = static_cast<int64_t>(total % kNanosPerSecond);
  return MakeDuration(secs, nanos);
}

bool LoadZone(absl::string_view name, absl::TimeZone* zone) {
  // Fixed offsets: [+|-]HH:MM (CEL spec, "Timezones").
  absl::string_view s = name;
  int sign = 1;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
  }
  if (s.size() == 5 && s[2] == ':') {
    size_t pos = 0;
    int h, m;
    if (ReadDigits(s, &pos, 2, &h) && ++pos && ReadDigits(s, &pos, 2, &m) &&
        h <= 23 && m <= 59) {
      *zone = absl::FixedTimeZone(sign * (h * 3600 + m * 60));
      return true;
    }
    return false;
  }
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    // Only names made of the characters IANA uses; never a path.
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '/' ||
          c == '_' || c == '-' || c == '+')) {
      return false;
    }
  }
  if (name.find("..") != absl::string_view::npos || name[0] == '/') {
    return false;
  }
  return absl::LoadTimeZone(std::string(name), zone);
}

}  // namespace meshplane::policy::cel::internal
