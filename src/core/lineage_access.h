// Where lineage meets access: who may declare an input port on another
// team's output port, and which declared readers keep that port (and its
// product) from going away. The rules and their reasons are in
// docs/access.md ("Declared inputs").
//
//   MP_RETURN_IF_ERROR(CheckDeclaredInputs(txn, authz, caller, product,
//                                          already_declared, now));
//   MP_ASSIGN_OR_RETURN(auto detached, ReleaseReaders(txn, producer, gone,
//                                                     now, "HAS_CONSUMERS"));
#ifndef MESHPLANE_CORE_LINEAGE_ACCESS_H_
#define MESHPLANE_CORE_LINEAGE_ACCESS_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "meshplane/auth/authorizer.h"
#include "meshplane/core/context.h"
#include "meshplane/model/access.h"
#include "meshplane/model/data_product.h"
#include "meshplane/model/principal.h"
#include "meshplane/store/store.h"

namespace meshplane::core::internal {

// The grant by which the products of team `team_id` may read `port` at
// `now`: an active grant on the port that allows "read" and names
// `team:{team_id}` or a current member of the team. nullopt when there is
// none. Store errors pass through.
absl::StatusOr<std::optional<model::Grant>> ReadGrantOf(
    store::Transaction& txn, const model::OutputPortRef& port,
    const std::string& team_id, absl::Time now);

// The consumer side. Every input port of `product` whose source is not in
// `already_declared` is a new declaration, which is allowed when the
// caller is a platform admin or an owner of the source's product (its
// owner team, or the owners of its domain chain), when the source's product
// belongs to `product`'s owner team, or when ReadGrantOf finds a grant for
// that team. Otherwise PERMISSION_DENIED (reason INPUT_NOT_GRANTED) naming
// `data_product.input_ports[i].source`. Sources must exist (checked
// before); NOT_FOUND otherwise.
absl::Status CheckDeclaredInputs(
    store::Transaction& txn, const auth::Authorizer& authz,
    const model::Principal& caller, const model::DataProduct& product,
    const std::vector<model::OutputPortRef>& already_declared, absl::Time now);

// A reader whose input ports ReleaseReaders removed.
struct DetachedReader {
  model::DataProduct before;
  model::DataProduct after;
  std::vector<std::string> input_port_ids;  // the ones removed
};

// The producer side, before the output ports `port_ids` of `producer` go
// (the product is deleted, or an update drops them). Another product that
// reads one of them keeps it when it belongs to the producer's owner team
// or when ReadGrantOf finds a grant for its owner team: then
// FAILED_PRECONDITION with `reason` (HAS_CONSUMERS, PORT_IN_USE), naming
// the port, the reader and what keeps it. Every other reader is detached:
// its input ports that read those ports are removed and its revision is
// bumped, in `txn`. Returns the detached readers, by name.
absl::StatusOr<std::vector<DetachedReader>> ReleaseReaders(
    store::Transaction& txn, const model::DataProduct& producer,
    const std::set<std::string>& port_ids, absl::Time now,
    absl::string_view reason);

// Appends, for each detached reader, an audit record of `method` by the
// caller (before and after) and a `dataproduct.updated` event, so that the
// reader's owners and provisioners learn that its input ports changed.
absl::Status RecordDetached(store::Transaction& txn, const RequestContext& ctx,
                            const std::string& method,
                            const std::vector<DetachedReader>& detached,
                            absl::Time now);

}  // namespace meshplane::core::internal

#endif  // MESHPLANE_CORE_LINEAGE_ACCESS_H_
