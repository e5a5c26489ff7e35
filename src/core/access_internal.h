// What access.cc (the index, CheckAccess) and access_requests.cc (requests
// and grants) share.
#ifndef MESHPLANE_CORE_ACCESS_INTERNAL_H_
#define MESHPLANE_CORE_ACCESS_INTERNAL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "meshplane/model/data_product.h"
#include "meshplane/model/domain.h"
#include "meshplane/store/store.h"

namespace meshplane::core::internal {

// The product and port a request names, with the product's domain chain.
struct PortContext {
  model::DataProduct product;
  std::vector<model::Domain> chain;
};

// Loads the port `port` (named at request field `field`): NOT_FOUND naming
// the field when its product or the port does not exist.
absl::StatusOr<PortContext> LoadPort(store::Transaction& txn,
                                     const model::OutputPortRef& port,
                                     const std::string& field);

}  // namespace meshplane::core::internal

#endif  // MESHPLANE_CORE_ACCESS_INTERNAL_H_
