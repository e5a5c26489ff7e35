#include "cli/util.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace meshplane::cli {

absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text) {
  const std::string shown(text);
  auto bad = [&shown]() {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", shown,
        "\" is not a duration (examples: 30d, 12h, 1h30m, 90s, 250ms)"));
  };
  if (text.empty()) {
    return bad();
  }
  absl::Duration total = absl::ZeroDuration();
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (
        i < text.size() &&
        (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
      ++i;
    }
    if (i == start) {
      return bad();
    }
    std::string number(text.substr(start, i - start));
    char* end = nullptr;
    double value = std::strtod(number.c_str(), &end);
    if (end == nullptr || *end != '\0' || !std::isfinite(value)) {
      return bad();
    }
    size_t unit_start = i;
    while (i < text.size() &&
           std::isalpha(static_cast<unsigned char>(text[i]))) {
      ++i;
    }
    absl::string_view unit = text.substr(unit_start, i - unit_start);
    absl::Duration scale;
    if (unit == "ms") {
      scale = absl::Milliseconds(1);
    } else if (unit == "s") {
      scale = absl::Seconds(1);
    } else if (unit == "m") {
      scale = absl::Minutes(1);
    } else if (unit == "h") {
      scale = absl::Hours(1);
    } else if (unit == "d") {
      scale = absl::Hours(24);
    } else if (unit == "w") {
      scale = absl::Hours(24 * 7);
    } else {
      return bad();
    }
    total += value * scale;
  }
  return total;
}

std::string HumanDuration(absl::Duration d) {
  if (d == absl::ZeroDuration()) {
    return "0s";
  }
  std::string out;
  if (d < absl::ZeroDuration()) {
    out = "-";
    d = -d;
  }
  const int64_t days = absl::IDivDuration(d, absl::Hours(24), &d);
  const int64_t hours = absl::IDivDuration(d, absl::Hours(1), &d);
  const int64_t minutes = absl::IDivDuration(d, absl::Minutes(1), &d);
  const int64_t seconds = absl::IDivDuration(d, absl::Seconds(1), &d);
  const int64_t millis = absl::IDivDuration(d, absl::Milliseconds(1), &d);
  if (days > 0) absl::StrAppend(&out, days, "d");
  if (hours > 0) absl::StrAppend(&out, hours, "h");
  if (minutes > 0) absl::StrAppend(&out, minutes, "m");
  if (seconds > 0) absl::StrAppend(&out, seconds, "s");
  if (millis > 0) absl::StrAppend(&out, millis, "ms");
  if (out.empty() || out == "-") {
    absl::StrAppend(&out, absl::ToInt64Microseconds(d), "us");
  }
  return out;
}

absl::StatusOr<std::pair<std::string, std::string>> ParseLabel(
    absl::string_view text) {
  size_t eq = text.find('=');
  if (eq == absl::string_view::npos || eq == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("label \"", text, "\" is not of the form key=value"));
  }
  return std::make_pair(std::string(text.substr(0, eq)),
                        std::string(text.substr(eq + 1)));
}

bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > 63) {
    return false;
  }
  if (id[0] < 'a' || id[0] > 'z' || id.back() == '-') {
    return false;
  }
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return false;
    }
  }
  return true;
}

std::string Slugify(absl::string_view text) {
  std::string out;
  bool pending_hyphen = false;
  for (char raw : text) {
    unsigned char c = static_cast<unsigned char>(raw);
    if (std::isalnum(c)) {
      if (pending_hyphen && !out.empty()) {
        out.push_back('-');
      }
      pending_hyphen = false;
      out.push_back(static_cast<char>(std::tolower(c)));
    } else {
      pending_hyphen = true;
    }
  }
  if (!out.empty() && !(out[0] >= 'a' && out[0] <= 'z')) {
    out = "x-" + out;
  }
  if (out.size() > 63) {
    out.resize(63);
    while (!out.empty() && out.back() == '-') {
      out.pop_back();
    }
  }
  return out;
}

namespace {
std::string WithPrefix(absl::string_view prefix, absl::string_view text) {
  if (absl::StartsWith(text, prefix)) {
    return std::string(text);
  }
  return absl::StrCat(prefix, text);
}
}  // namespace

std::string DomainName(absl::string_view id_or_name) {
  return WithPrefix("domains/", id_or_name);
}

std::string TeamName(absl::string_view id_or_name) {
  return WithPrefix("teams/", id_or_name);
}

std::string TokenName(absl::string_view id_or_name) {
  return WithPrefix("tokens/", id_or_name);
}

std::string WebhookName(absl::string_view id_or_name) {
  return WithPrefix("webhooks/", id_or_name);
}

std::string LastSegment(absl::string_view name) {
  size_t slash = name.rfind('/');
  if (slash == absl::string_view::npos) {
    return std::string(name);
  }
  return std::string(name.substr(slash + 1));
}

absl::StatusOr<std::string> PortName(absl::string_view text) {
  if (absl::StartsWith(text, "domains/")) return std::string(text);
  std::vector<std::string> parts = absl::StrSplit(text, absl::ByAnyChar("/:"));
  if (parts.size() == 3 && !parts[0].empty() && !parts[1].empty() &&
      !parts[2].empty()) {
    return absl::StrCat("domains/", parts[0], "/dataProducts/", parts[1],
                        "/outputPorts/", parts[2]);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", text,
      "\" is not an output port (DOMAIN/PRODUCT/PORT, DOMAIN/PRODUCT:PORT or "
      "domains/DOMAIN/dataProducts/PRODUCT/outputPorts/PORT)"));
}

absl::StatusOr<std::string> ProductName(absl::string_view text,
                                        absl::string_view domain) {
  if (absl::StartsWith(text, "domains/")) {
    return std::string(text);
  }
  std::vector<std::string> parts = absl::StrSplit(text, '/');
  if (parts.size() == 2 && !parts[0].empty() && !parts[1].empty()) {
    return absl::StrCat("domains/", parts[0], "/dataProducts/", parts[1]);
  }
  if (parts.size() == 1 && !text.empty()) {
    if (domain.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "data product \"", text,
          "\": give it as DOMAIN/PRODUCT, as a full name, or pass --domain"));
    }
    return absl::StrCat(DomainName(domain), "/dataProducts/", text);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("\"", text,
                   "\" is not a data product name (DOMAIN/PRODUCT or "
                   "domains/DOMAIN/dataProducts/PRODUCT)"));
}

absl::StatusOr<std::string> PolicyName(absl::string_view text,
                                       absl::string_view domain) {
  std::vector<std::string> parts = absl::StrSplit(text, '/');
  auto valid = [](const std::vector<std::string>& ids) {
    for (const std::string& id : ids) {
      if (!IsValidId(id)) return false;
    }
    return true;
  };
  if (parts.size() == 1 && valid(parts)) {
    if (domain.empty()) return absl::StrCat("policies/", text);
    return absl::StrCat(DomainName(domain), "/policies/", text);
  }
  if (parts.size() == 2 && parts[0] == "policies" && valid({parts[1]})) {
    return std::string(text);
  }
  if (parts.size() == 2 && valid(parts)) {
    return absl::StrCat("domains/", parts[0], "/policies/", parts[1]);
  }
  if (parts.size() == 4 && parts[0] == "domains" && parts[2] == "policies" &&
      valid({parts[1], parts[3]})) {
    return std::string(text);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("\"", text,
                   "\" is not a policy name (ID, DOMAIN/ID, policies/ID or "
                   "domains/DOMAIN/policies/ID)"));
}

std::string ShortPolicyName(absl::string_view name) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() == 2 && parts[0] == "policies") return parts[1];
  if (parts.size() == 4 && parts[0] == "domains" && parts[2] == "policies") {
    return absl::StrCat(parts[1], "/", parts[3]);
  }
  return std::string(name);
}

absl::StatusOr<absl::Time> ParseTime(absl::string_view text) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &err)) {
    return t;
  }
  if (absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &err)) {
    return t;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", text,
      "\" is not a time (RFC 3339 such as 2026-12-31T00:00:00Z, or a date "
      "such as 2026-12-31)"));
}

}  // namespace meshplane::cli
