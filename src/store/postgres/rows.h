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

// Reads column `f` into `out` as the type of `out` says: times (a null is
// nullopt for an optional one) and durations from microseconds, labels and
// string lists from JSON, anything else as libpqxx converts it.
inline void ReadColumn(const pqxx::field& f, absl::Time& out) {
  out = FromMicros(f.as<int64_t>());
}
inline void ReadColumn(const pqxx::field& f, std::optional<absl::Time>& out) {
  out = OptionalTime(f);
}
inline void ReadColumn(const pqxx::field& f, absl::Duration& out) {
  out = absl::Microseconds(f.as<int64_t>());
}
inline void ReadColumn(const pqxx::field& f,
                       std::map<std::string, std::string>& out) {
  out = ParseLabels(f);
}
inline void ReadColumn(const pqxx::field& f, std::vector<std::string>& out) {
  out = ParseStrings(f);
}
template <typename T>
void ReadColumn(const pqxx::field& f, T& out) {
  out = f.as<T>();
}

// Reads the columns of `r` from column `first` on into `fields`, one each,
// in order (the order of the statement's column list).
template <typename... Fields>
void ReadColumns(const pqxx::row& r, int first, Fields&... fields) {
  int column = first;
  (ReadColumn(r[column++], fields), ...);
}

}  // namespace meshplane::store::pg

#endif  // MESHPLANE_STORE_POSTGRES_ROWS_H_
