// Resource names and ids (AIP-122). Ids match [a-z][a-z0-9-]{0,62}; names are
// immutable paths such as `domains/sales/dataProducts/orders/outputPorts/v1`.
// Domain nesting is a `parent` reference, never a deeper path, so moving a
// subdomain never renames it.
#ifndef MESHPLANE_MODEL_RESOURCE_NAME_H_
#define MESHPLANE_MODEL_RESOURCE_NAME_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshplane::model {

// Returns OK if `id` is a valid resource id: a lowercase letter, then up to
// 62 lowercase letters, digits or hyphens, not ending in a hyphen. Otherwise
// INVALID_ARGUMENT whose message starts with `field` and quotes the value, e.g.
// `domain.id: "Sales" is not a valid id (lowercase letters, digits, hyphens;
// 1-63 chars, starting with a letter)`.
absl::Status ValidateId(absl::string_view field, absl::string_view id);

// Returns true if `id` is a valid resource id.
bool IsValidId(absl::string_view id);

// The address of an output port.
struct OutputPortRef {
  std::string domain_id;
  std::string product_id;
  std::string port_id;
  bool operator==(const OutputPortRef& o) const {
    return domain_id == o.domain_id && product_id == o.product_id &&
           port_id == o.port_id;
  }
};

// The address of a data product.
struct ProductKey {
  std::string domain_id;
  std::string product_id;
  bool operator==(const ProductKey& o) const {
    return domain_id == o.domain_id && product_id == o.product_id;
  }
  bool operator<(const ProductKey& o) const {
    return domain_id != o.domain_id ? domain_id < o.domain_id
                                    : product_id < o.product_id;
  }
};

// Formatting: DomainName("sales") == "domains/sales", and so on.
std::string DomainName(absl::string_view domain_id);
std::string TeamName(absl::string_view team_id);
std::string ProductName(const ProductKey& key);
std::string OutputPortName(const OutputPortRef& ref);
std::string TokenName(absl::string_view token_id);
std::string WebhookName(absl::string_view webhook_id);

// Parsing. Each returns INVALID_ARGUMENT naming `field` and the value when the
// name is not of the expected form or an id in it is invalid.
absl::StatusOr<std::string> ParseDomainName(absl::string_view field,
                                            absl::string_view name);
absl::StatusOr<std::string> ParseTeamName(absl::string_view field,
                                          absl::string_view name);
absl::StatusOr<ProductKey> ParseProductName(absl::string_view field,
                                            absl::string_view name);
absl::StatusOr<OutputPortRef> ParseOutputPortName(absl::string_view field,
                                                  absl::string_view name);
absl::StatusOr<std::string> ParseTokenName(absl::string_view field,
                                           absl::string_view name);
absl::StatusOr<std::string> ParseWebhookName(absl::string_view field,
                                             absl::string_view name);

// Returns OK if `principal` is a principal id: `user:<email-ish>`,
// `service:<id>` or `team:<id>`, 3-320 printable non-space characters.
absl::Status ValidatePrincipal(absl::string_view field,
                               absl::string_view principal);

}  // namespace meshplane::model

#endif  // MESHPLANE_MODEL_RESOURCE_NAME_H_
