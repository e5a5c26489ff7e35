// Request validation: collects every violation with its full field path
// (`data_product.output_ports[1].id`) so that a caller learns of all of them
// at once.
#ifndef MESHPLANE_CORE_VALIDATION_H_
#define MESHPLANE_CORE_VALIDATION_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

#include "meshplane/common/errors.h"
#include "meshplane/model/data_product.h"
#include "meshplane/model/domain.h"
#include "meshplane/model/team.h"

namespace meshplane::core::internal {

// Limits shared by every resource (see docs/api.md).
inline constexpr size_t kMaxDisplayName = 200;
inline constexpr size_t kMaxDescription = 4096;
inline constexpr size_t kMaxLabels = 64;
inline constexpr size_t kMaxLabelKey = 63;
inline constexpr size_t kMaxLabelValue = 256;
inline constexpr size_t kMaxTags = 64;
inline constexpr size_t kMaxPorts = 100;
inline constexpr size_t kMaxMembers = 1000;
inline constexpr size_t kMaxShortText = 1024;  // port type/server/location
// A product's stored ODPS document, in bytes: the CLI's YAML budget is
// larger, but a product descriptor of a few hundred ports fits well below.
inline constexpr size_t kMaxOdpsDocument = 256 * 1024;

class Violations {
 public:
  void Add(std::string field, std::string description);
  // Adds the violation of a model::Validate*() status, whose message starts
  // with "<field>: ". No-op for OK.
  void AddStatus(const std::string& field, const absl::Status& status);
  void CheckId(const std::string& field, absl::string_view id);
  void CheckText(const std::string& field, absl::string_view text, size_t max);
  void CheckLabels(const std::string& field,
                   const std::map<std::string, std::string>& labels);
  bool empty() const { return list_.empty(); }
  const std::vector<FieldViolation>& list() const { return list_; }
  // INVALID_ARGUMENT with every violation; OK when there are none.
  absl::Status ToStatus() const;

 private:
  std::vector<FieldViolation> list_;
};

// Number of UTF-8 code points (limits count characters, not bytes).
size_t Utf8Length(absl::string_view s);

// The fields of each resource that a client sets, checked under `prefix`
// ("domain", "team", "data_product"). Ids and names are checked by callers,
// because their field paths depend on the method.
void ValidateDomainFields(const model::Domain& d, Violations& v);
void ValidateTeamFields(const model::Team& t, Violations& v);
void ValidateProductFields(const model::DataProduct& p, Violations& v);

// Sorts and de-duplicates (members, tags are sets).
void SortUnique(std::vector<std::string>& v);

}  // namespace meshplane::core::internal

#endif  // MESHPLANE_CORE_VALIDATION_H_
