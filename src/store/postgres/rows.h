// Private to src/store/postgres: how values cross the wire. Times travel as
// int64 microseconds since the epoch (mp_ts()/mp_us() on the server side,
// migrations/0001_init.sql); labels, string lists and port lists as JSON.
#ifndef MESHPLANE_STORE_POSTGRES_ROWS_H_
#define MESHPLANE_STORE_POSTGRES_ROWS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace meshplane::store::pg {

using json = nlohmann::json;

// absl's infinite times map to PostgreSQL's -infinity/infinity.
int64_t ToMicros(absl::Time t);
absl::Time FromMicros(int64_t us);

// A nullable bigint parameter: libpqxx sends a null `const char*` as NULL.
class OptionalMicros {
 public:
  explicit OptionalMicros(const std::optional<absl::Time>& t);
  const char* param() const { return null_ ? nullptr : text_.c_str(); }

 private:
  bool null_;
  std::string text_;
};

// A nullable bigint column of microseconds.
std::optional<absl::Time> OptionalTime(const pqxx::field& f);

// JSON parameters: an object of strings, an array of strings.
std::string LabelsJson(const std::map<std::string, std::string>& labels);
std::string StringsJson(const std::vector<std::string>& v);

// JSON columns: an object of strings, an array of strings.
std::map<std::string, std::string> ParseLabels(const pqxx::field& f);
std::vector<std::string> ParseStrings(const pqxx::field& f);

}  // namespace meshplane::store::pg

#endif  // MESHPLANE_STORE_POSTGRES_ROWS_H_
