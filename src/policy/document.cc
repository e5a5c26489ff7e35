// Documents as policies see them, the principal variable, and decisions as
// JSON for the decision log.
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "policy/cel/time_util.h"

#include "meshplane/policy/cel/json.h"
#include "meshplane/policy/engine.h"

namespace meshplane::policy {
namespace {

bool IsTimeKey(absl::string_view key) { return absl::EndsWith(key, "_time"); }

bool IsDurationKey(absl::string_view key) {
  return key == "max_staleness" || key == "latency" || key == "duration" ||
         absl::EndsWith(key, "_duration");
}

cel::Value Convert(const cel::Value& v, bool* changed);

// The value of entry `key`: a timestamp or duration for a string under a
// time or duration key that parses as one, else `v` converted recursively.
cel::Value ConvertEntry(const cel::Value& key, const cel::Value& v,
                        bool* changed) {
  if (v.kind() == cel::ValueKind::kString &&
      key.kind() == cel::ValueKind::kString) {
    cel::Value parsed;
    if (IsTimeKey(key.string_value())) {
      parsed = cel::internal::ParseTimestamp(v.string_value());
    } else if (IsDurationKey(key.string_value())) {
      parsed = cel::internal::ParseDuration(v.string_value());
    } else {
      return v;
    }
    // A string that is not a timestamp (or duration) stays a string.
    if (parsed.IsError()) return v;
    *changed = true;
    return parsed;
  }
  return Convert(v, changed);
}

// `v` with its time and duration strings converted; `v` itself (shared,
// not copied) when nothing under it changes.
cel::Value Convert(const cel::Value& v, bool* changed) {
  if (v.kind() == cel::ValueKind::kMap) {
    std::vector<std::pair<cel::Value, cel::Value>> entries;
    bool any = false;
    const auto& in = v.map().entries();
    for (size_t i = 0; i < in.size(); ++i) {
      bool c = false;
      cel::Value out = ConvertEntry(in[i].first, in[i].second, &c);
      if (c && !any) {
        any = true;
        entries.reserve(in.size());
        entries.assign(in.begin(), in.begin() + static_cast<ptrdiff_t>(i));
      }
      if (any) entries.emplace_back(in[i].first, std::move(out));
    }
    if (!any) return v;
    *changed = true;
    return cel::Value::Map(std::move(entries));
  }
  if (v.kind() == cel::ValueKind::kList) {
    std::vector<cel::Value> elements;
    bool any = false;
    const auto& in = v.list().elements();
    for (size_t i = 0; i < in.size(); ++i) {
      bool c = false;
      cel::Value out = Convert(in[i], &c);
      if (c && !any) {
        any = true;
        elements.reserve(in.size());
        elements.assign(in.begin(), in.begin() + static_cast<ptrdiff_t>(i));
      }
      if (any) elements.push_back(std::move(out));
    }
    if (!any) return v;
    *changed = true;
    return cel::Value::List(std::move(elements));
  }
  return v;
}

// JSON string literal of `s`: quotes, backslashes and control characters
// escaped; other bytes (UTF-8) as they are.
void AppendJsonString(std::string* out, absl::string_view s) {
  out->push_back('"');
  size_t start = 0;  // the first byte not yet appended
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default: {
        static const char kHex[] = "0123456789abcdef";
        const char escaped[] = {'\\', 'u',          '0',
                                '0',  kHex[c >> 4], kHex[c & 0xf]};
        out->append(escaped, sizeof(escaped));
      }
    }
  }
  out->append(s.data() + start, s.size() - start);
  out->push_back('"');
}

void AppendField(std::string* out, absl::string_view key,
                 absl::string_view value, bool first = false) {
  if (!first) out->push_back(',');
  AppendJsonString(out, key);
  out->push_back(':');
  AppendJsonString(out, value);
}

void AppendField(std::string* out, absl::string_view key, int64_t value) {
  out->push_back(',');
  AppendJsonString(out, key);
  absl::StrAppend(out, ":", value);
}

void AppendField(std::string* out, absl::string_view key, bool value) {
  out->push_back(',');
  AppendJsonString(out, key);
  out->append(value ? ":true" : ":false");
}

void AppendViolation(std::string* out, const Violation& v) {
  out->push_back('{');
  AppendField(out, "policy", v.policy, /*first=*/true);
  AppendField(out, "scope", v.scope);
  AppendField(out, "effect", EffectName(v.effect));
  AppendField(out, "enforcement", EnforcementName(v.enforcement));
  AppendField(out, "message", v.message);
  AppendField(out, "revision", v.revision);
  AppendField(out, "evaluation_error", v.evaluation_error);
  out->push_back('}');
}

void AppendEvaluated(std::string* out, const Evaluated& e) {
  out->push_back('{');
  AppendField(out, "policy", e.policy, /*first=*/true);
  AppendField(out, "revision", e.revision);
  AppendField(out, "violated", e.violated);
  // Most policies hold without a waiver or an error: leaving the empty
  // fields out keeps a decision over many policies short.
  if (!e.waiver.empty()) AppendField(out, "waiver", e.waiver);
  if (!e.error.empty()) AppendField(out, "error", e.error);
  out->push_back('}');
}

}  // namespace

absl::StatusOr<cel::Value> DocumentFromJson(absl::string_view json) {
  absl::StatusOr<cel::Value> parsed = cel::ValueFromJson(json);
  if (!parsed.ok()) return parsed.status();
  if (parsed->kind() != cel::ValueKind::kMap) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a document must be a JSON object, not ", parsed->TypeName()));
  }
  bool changed = false;
  return Convert(*parsed, &changed);
}

cel::Value PrincipalValue(absl::string_view name,
                          const std::vector<std::string>& team_ids,
                          bool admin) {
  absl::string_view kind;
  absl::string_view id = name;
  if (size_t colon = name.find(':'); colon != absl::string_view::npos) {
    kind = name.substr(0, colon);
    id = name.substr(colon + 1);
  }
  std::vector<cel::Value> teams;
  teams.reserve(team_ids.size());
  for (const std::string& t : team_ids) teams.push_back(cel::Value::String(t));
  std::vector<std::pair<cel::Value, cel::Value>> entries;
  entries.reserve(5);
  // Interned keys, as cel::ValueFromJson makes them, so that field lookups
  // compare pointers.
  entries.emplace_back(cel::Value::InternedString("name"),
                       cel::Value::String(std::string(name)));
  entries.emplace_back(cel::Value::InternedString("kind"),
                       cel::Value::String(std::string(kind)));
  entries.emplace_back(cel::Value::InternedString("id"),
                       cel::Value::String(std::string(id)));
  entries.emplace_back(cel::Value::InternedString("teams"),
                       cel::Value::List(std::move(teams)));
  entries.emplace_back(cel::Value::InternedString("admin"),
                       cel::Value::Bool(admin));
  return cel::Value::Map(std::move(entries));
}

std::string DecisionToJson(const Decision& d) {
  std::string out;
  out.reserve(64 + 96 * d.evaluated.size() + 256 * d.violations.size());
  out.push_back('{');
  AppendField(&out, "outcome", OutcomeName(d.outcome), /*first=*/true);
  AppendField(&out, "set_version", d.set_version);
  out.append(",\"violations\":[");
  for (size_t i = 0; i < d.violations.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendViolation(&out, d.violations[i]);
  }
  out.append("],\"evaluated\":[");
  for (size_t i = 0; i < d.evaluated.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendEvaluated(&out, d.evaluated[i]);
  }
  out.append("]}");
  return out;
}

}  // namespace meshplane::policy
