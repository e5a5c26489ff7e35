#include "store/postgres/rows.h"

#include <limits>

namespace meshplane::store::pg {
namespace {

constexpr int64_t kMinMicros = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxMicros = std::numeric_limits<int64_t>::max();

}  // namespace

int64_t ToMicros(absl::Time t) {
  if (t == absl::InfinitePast()) return kMinMicros;
  if (t == absl::InfiniteFuture()) return kMaxMicros;
  return absl::ToUnixMicros(t);
}

absl::Time FromMicros(int64_t us) {
  if (us == kMinMicros) return absl::InfinitePast();
  if (us == kMaxMicros) return absl::InfiniteFuture();
  return absl::FromUnixMicros(us);
}

OptionalMicros::OptionalMicros(const std::optional<absl::Time>& t)
    : null_(!t.has_value()),
      text_(t ? std::to_string(ToMicros(*t)) : std::string()) {}

std::optional<absl::Time> OptionalTime(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return FromMicros(f.as<int64_t>());
}

std::string LabelsJson(const std::map<std::string, std::string>& labels) {
  return json(labels).dump();
}

std::string StringsJson(const std::vector<std::string>& v) {
  return json(v).dump();
}

std::map<std::string, std::string> ParseLabels(const pqxx::field& f) {
  std::map<std::string, std::string> out;
  json j = json::parse(f.c_str());
  for (auto it = j.begin(); it != j.end(); ++it) {
    out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

std::vector<std::string> ParseStrings(const pqxx::field& f) {
  return json::parse(f.c_str()).get<std::vector<std::string>>();
}

}  // namespace meshplane::store::pg
