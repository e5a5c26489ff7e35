// How the model's enums read their names. Private to src/model.
#ifndef MESHPLANE_MODEL_ENUM_NAMES_H_
#define MESHPLANE_MODEL_ENUM_NAMES_H_

#include <initializer_list>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace meshplane::model::internal {

// The value among `values` whose name(value) `s` is, compared without case
// and also with `proto_prefix` before it (LIFECYCLE_PUBLISHED, the proto
// enum's spelling); nullopt for any other string.
template <typename E>
std::optional<E> ParseEnumName(absl::string_view s,
                               std::initializer_list<E> values,
                               absl::string_view (*name)(E),
                               absl::string_view proto_prefix = "") {
  const std::string upper = absl::AsciiStrToUpper(s);
  absl::string_view v = upper;
  absl::ConsumePrefix(&v, proto_prefix);
  for (E e : values) {
    if (v == name(e)) return e;
  }
  return std::nullopt;
}

}  // namespace meshplane::model::internal

#endif  // MESHPLANE_MODEL_ENUM_NAMES_H_
