// The in-memory index CheckAccess answers from: the active grants by
// (output port, consumer), team memberships, and the output ports that
// exist with their product's owner team. core::Access keeps one per replica
// current through LISTEN/NOTIFY; this class is only the data structure.
//
//   AccessIndex index;
//   index.Replace(std::move(loaded));                 // at start, on resync
//   index.UpsertGrant(grant);                         // on a notification
//   auto r = index.Check("user:ana", "domains/d/dataProducts/p/outputPorts/o",
//                        "read", clock.Now());
//
// Memory: grants are kept as fixed-size records (no strings): about 90
// bytes a grant with its hash-table entries (docs/performance.md).
#ifndef MESHPLANE_CORE_ACCESS_INDEX_H_
#define MESHPLANE_CORE_ACCESS_INDEX_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/numeric/int128.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#include "meshplane/model/access.h"
#include "meshplane/model/data_product.h"
#include "meshplane/model/team.h"

namespace meshplane::core {

// An output port as the index knows it.
struct IndexedPort {
  model::OutputPortRef port;
  std::string owner_team_id;  // the owner team of the port's product
};

// Everything a full load reads.
struct AccessIndexData {
  std::vector<model::Grant> grants;  // active ones (others are ignored)
  std::vector<model::Team> teams;
  std::vector<IndexedPort> ports;
};

// The answer of AccessIndex::Check.
struct IndexCheck {
  bool allowed = false;
  bool port_known = false;
  std::string grant_id;  // the grant that allows
  std::string consumer;  // whom that grant names
  absl::Time expire_time = absl::InfinitePast();
  std::string reason;         // why not
  model::ProductKey product;  // when port_known
  std::string owner_team_id;  // when port_known
};

// Thread-safe: many concurrent Check calls, writers exclusive.
class AccessIndex {
 public:
  AccessIndex();
  ~AccessIndex();
  AccessIndex(const AccessIndex&) = delete;
  AccessIndex& operator=(const AccessIndex&) = delete;

  // Replaces everything with `data` (built aside, swapped in at once).
  void Replace(const AccessIndexData& data);
  // Adds or replaces a grant (by id); a grant that is revoked is removed.
  // An expired one is kept until replaced: Check compares with `now`.
  void UpsertGrant(const model::Grant& grant);
  // Sets a team's members (none: the team is gone or empty).
  void SetTeam(const std::string& team_id,
               const std::vector<std::string>& members);
  // Sets the output ports of a product (none: the product is gone).
  void SetProductPorts(const model::ProductKey& product,
                       const std::string& owner_team_id,
                       const std::vector<std::string>& port_ids);

  // Whether `principal` may do `action` on the port named `port_name` at
  // `now`: a grant to the principal, or to a team it is a member of, that
  // is active at `now` and allows `action`. A direct grant is preferred,
  // then the one that lasts longest.
  IndexCheck Check(absl::string_view principal, absl::string_view port_name,
                   absl::string_view action, absl::Time now) const;
  // The owner team of a port's product; "" when the port is unknown.
  std::string OwnerTeamOf(absl::string_view port_name) const;

  int64_t grant_count() const;
  // An estimate of the bytes the index holds (tables and records).
  int64_t MemoryBytes() const;

 private:
  struct State;
  mutable absl::Mutex mu_;
  std::unique_ptr<State> state_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meshplane::core

#endif  // MESHPLANE_CORE_ACCESS_INDEX_H_
