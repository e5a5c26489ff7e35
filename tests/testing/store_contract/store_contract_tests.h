// Repository contract tests: one typed suite that every store::Store
// implementation must pass, so that InMemoryStore cannot drift from the
// PostgreSQL store. The specification is the contract comments of
// include/meshplane/store/store.h.
//
// Instantiate it with a factory type that returns a fresh, empty store:
//
//   struct MemFactory {
//     static std::unique_ptr<meshplane::store::Store> Make();
//   };
//   INSTANTIATE_TYPED_TEST_SUITE_P(InMemory, StoreContractTest, MemFactory);
//
// Behaviour the suite relies on beyond the header comments (both stores meet
// it):
// - Two read-write transactions may be open at once, even on one thread
//   (TryLockRequest is tested that way); conflicts are detected, at the
//   latest, at Commit.
// - A method that returns ALREADY_EXISTS, NOT_FOUND, FAILED_PRECONDITION or
//   an ETAG_MISMATCH leaves the transaction usable and changes nothing.
// - Times keep microsecond precision; strings are stored byte for byte.
// - List pages are ordered by key: domains, teams and tokens by id, data
//   products and policies by (domain_id, id), waivers by (policy domain_id,
//   policy id, id), contracts by id, audit records and policy revisions
//   newest first, contract versions newest first by semver precedence,
//   access requests and grants newest first by (create_time, id).
// - Listener delivery is asynchronous; the tests poll for it (bounded).
#ifndef MESHPLANE_TESTS_TESTING_STORE_CONTRACT_STORE_CONTRACT_TESTS_H_
#define MESHPLANE_TESTS_TESTING_STORE_CONTRACT_STORE_CONTRACT_TESTS_H_

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/testing/matchers/status_matchers.h"
#include "tests/testing/store_contract/notification_recorder.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/store/store.h"

namespace meshplane::store_contract {

using ::meshplane::testing::IsOk;
using ::meshplane::testing::StatusIs;
using store::LineageDirection;
using store::PageRequest;
using store::Transaction;
using store::TxnMode;

// Matches an OK StatusOr whose value equals `expected`.
MATCHER_P(OkAndHolds, expected,
          "is OK and holds " + ::testing::PrintToString(expected)) {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status().ToString();
    return false;
  }
  *result_listener << "value is " << ::testing::PrintToString(*arg);
  return *arg == expected;
}

// A fixed instant with a non-zero microsecond part, to check precision.
inline absl::Time T0() { return absl::FromUnixMicros(1767225600123456); }

// Strings that break naive SQL or encodings; stores keep them verbatim.
inline std::vector<std::string> NastyStrings() {
  return {"it's",
          "say \"hi\"",
          "back\\slash",
          "'; DROP TABLE domains; --",
          "percent % and _ underscore",
          "Grüße, 東京, emoji 🚀",
          "tab\tnew\nline",
          "{\"json\": [1, 2]}",
          "$1 $$ dollar"};
}

inline model::Team MakeTeam(const std::string& id,
                            std::vector<std::string> members = {}) {
  model::Team t;
  t.id = id;
  t.uid = "uid-team-" + id;
  t.display_name = "Team " + id;
  t.description = "The " + id + " team";
  std::sort(members.begin(), members.end());
  t.members = std::move(members);
  t.create_time = T0();
  t.update_time = T0();
  t.revision = 1;
  return t;
}

inline model::Domain MakeDomain(const std::string& id, const std::string& owner,
                                const std::string& parent = "") {
  model::Domain d;
  d.id = id;
  d.uid = "uid-domain-" + id;
  d.display_name = "Domain " + id;
  d.description = "All about " + id;
  d.parent_id = parent;
  d.owner_team_id = owner;
  d.labels = {{"cost-center", "cc-" + id}, {"env", "prod"}};
  d.create_time = T0();
  d.update_time = T0() + absl::Microseconds(1);
  d.revision = 1;
  return d;
}

inline model::OutputPort MakeOutputPort(const std::string& id) {
  model::OutputPort p;
  p.id = id;
  p.display_name = "Port " + id;
  p.type = "table";
  p.server = "postgres://warehouse:5432/analytics";
  p.location = "public." + id;
  p.description = "Serves " + id;
  p.contract_id = "contract-" + id;
  p.deprecated = true;
  return p;
}

inline model::DataProduct MakeProduct(const std::string& domain,
                                      const std::string& id,
                                      const std::string& owner) {
  model::DataProduct p;
  p.domain_id = domain;
  p.id = id;
  p.uid = "uid-product-" + domain + "-" + id;
  p.display_name = "Product " + id;
  p.description = "Data product " + id;
  p.owner_team_id = owner;
  p.lifecycle = model::Lifecycle::kDraft;
  p.tier = 2;
  p.classification = model::Classification::kInternal;
  p.tags = {"core", "daily"};
  p.labels = {{"source", "erp"}};
  p.archetype = "source-aligned";
  p.odps_document = "apiVersion: v1.1.0\nkind: DataProduct\nid: " + id + "\n";
  p.output_ports = {MakeOutputPort(id + "-v1")};
  p.create_time = T0();
  p.update_time = T0();
  p.revision = 1;
  return p;
}

inline model::InputPort MakeInputPort(const std::string& id,
                                      const model::OutputPortRef& source) {
  model::InputPort in;
  in.id = id;
  in.source = source;
  in.description = "Reads " + source.domain_id + "/" + source.product_id + "/" +
                   source.port_id;
  in.deprecated = true;
  return in;
}

inline model::ApiToken MakeToken(const std::string& id,
                                 const std::string& principal,
                                 bool admin = false) {
  model::ApiToken t;
  t.id = id;
  t.principal = principal;
  t.description = "token " + id;
  t.secret_hash = std::string(64, 'a');
  t.platform_admin = admin;
  t.create_time = T0();
  t.created_by = "user:admin";
  return t;
}

inline void ExpectSameDomain(const model::Domain& a, const model::Domain& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.display_name, b.display_name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.parent_id, b.parent_id);
  EXPECT_EQ(a.owner_team_id, b.owner_team_id);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.create_time, b.create_time);
  EXPECT_EQ(a.update_time, b.update_time);
  EXPECT_EQ(a.revision, b.revision);
}

inline void ExpectSameTeam(const model::Team& a, const model::Team& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.display_name, b.display_name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.members, b.members);
  EXPECT_EQ(a.create_time, b.create_time);
  EXPECT_EQ(a.update_time, b.update_time);
  EXPECT_EQ(a.revision, b.revision);
}

inline void ExpectSameObjectives(const model::ServiceLevelObjectives& a,
                                 const model::ServiceLevelObjectives& b) {
  EXPECT_EQ(a.availability_percent, b.availability_percent);
  EXPECT_EQ(a.max_staleness, b.max_staleness);
  EXPECT_EQ(a.completeness_percent, b.completeness_percent);
  EXPECT_EQ(a.latency, b.latency);
}

inline void ExpectSameProduct(const model::DataProduct& a,
                              const model::DataProduct& b) {
  EXPECT_EQ(a.domain_id, b.domain_id);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.display_name, b.display_name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.owner_team_id, b.owner_team_id);
  EXPECT_EQ(a.lifecycle, b.lifecycle);
  EXPECT_EQ(a.tier, b.tier);
  EXPECT_EQ(a.classification, b.classification);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.sunset_time, b.sunset_time);
  EXPECT_EQ(a.archetype, b.archetype);
  EXPECT_EQ(a.odps_document, b.odps_document);
  EXPECT_EQ(a.create_time, b.create_time);
  EXPECT_EQ(a.update_time, b.update_time);
  EXPECT_EQ(a.revision, b.revision);
  ASSERT_EQ(a.output_ports.size(), b.output_ports.size()) << a.id;
  for (size_t i = 0; i < a.output_ports.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("output_ports[", i, "]"));
    const auto& x = a.output_ports[i];
    const auto& y = b.output_ports[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.display_name, y.display_name);
    EXPECT_EQ(x.type, y.type);
    EXPECT_EQ(x.server, y.server);
    EXPECT_EQ(x.location, y.location);
    EXPECT_EQ(x.description, y.description);
    EXPECT_EQ(x.contract_id, y.contract_id);
    EXPECT_EQ(x.deprecated, y.deprecated);
    ExpectSameObjectives(x.objectives, y.objectives);
  }
  ASSERT_EQ(a.input_ports.size(), b.input_ports.size()) << a.id;
  for (size_t i = 0; i < a.input_ports.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("input_ports[", i, "]"));
    EXPECT_EQ(a.input_ports[i].id, b.input_ports[i].id);
    EXPECT_EQ(a.input_ports[i].source, b.input_ports[i].source);
    EXPECT_EQ(a.input_ports[i].description, b.input_ports[i].description);
    EXPECT_EQ(a.input_ports[i].deprecated, b.input_ports[i].deprecated);
  }
}

inline model::Policy MakePolicy(const std::string& domain,
                                const std::string& id,
                                const std::string& owner) {
  model::Policy p;
  p.domain_id = domain;
  p.id = id;
  p.uid = "uid-policy-" + domain + "-" + id;
  p.display_name = "Policy " + id;
  p.description = "Checks " + id;
  p.triggers = {"dataproduct.create", "dataproduct.update"};
  p.condition = "has(resource.labels.owner)";
  p.effect = "DENY";
  p.enforcement = "ENFORCED";
  p.message = "needs an owner label";
  p.message_expression = "'missing on ' + resource.name";
  p.labels = {{"area", "quality"}};
  p.owner_team_id = owner;
  p.waivable = true;
  p.create_time = T0();
  p.update_time = T0() + absl::Microseconds(3);
  p.revision = 1;
  return p;
}

inline model::Waiver MakeWaiver(const model::PolicyKey& policy,
                                const std::string& id,
                                const std::string& resource,
                                absl::Time expire_time) {
  model::Waiver w;
  w.policy = policy;
  w.id = id;
  w.uid = "uid-waiver-" + id;
  w.resource = resource;
  w.reason = "migration of " + resource;
  w.expire_time = expire_time;
  w.created_by = "user:alice";
  w.create_time = T0();
  w.policy_revision = 1;
  return w;
}

inline void ExpectSamePolicy(const model::Policy& a, const model::Policy& b) {
  EXPECT_EQ(a.domain_id, b.domain_id);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.display_name, b.display_name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.triggers, b.triggers);
  EXPECT_EQ(a.condition, b.condition);
  EXPECT_EQ(a.effect, b.effect);
  EXPECT_EQ(a.enforcement, b.enforcement);
  EXPECT_EQ(a.message, b.message);
  EXPECT_EQ(a.message_expression, b.message_expression);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.owner_team_id, b.owner_team_id);
  EXPECT_EQ(a.waivable, b.waivable);
  EXPECT_EQ(a.create_time, b.create_time);
  EXPECT_EQ(a.update_time, b.update_time);
  EXPECT_EQ(a.revision, b.revision);
}

inline void ExpectSameWaiver(const model::Waiver& a, const model::Waiver& b) {
  EXPECT_EQ(a.policy, b.policy);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.resource, b.resource);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.expire_time, b.expire_time);
  EXPECT_EQ(a.created_by, b.created_by);
  EXPECT_EQ(a.create_time, b.create_time);
  EXPECT_EQ(a.policy_revision, b.policy_revision);
}

inline model::Contract MakeContract(const std::string& id,
                                    const model::ProductKey& product) {
  model::Contract c;
  c.id = id;
  c.uid = "uid-contract-" + id;
  c.product = product;
  c.display_name = "Contract " + id;
  c.description = "What " + id + " promises";
  c.compatibility_mode = "BACKWARD_TRANSITIVE";
  c.state = "ACTIVE";
  c.latest_version = "1.0.0";
  c.version_count = 1;
  c.labels = {{"tier", "gold"}};
  c.create_time = T0();
  c.update_time = T0() + absl::Microseconds(3);
  c.revision = 1;
  return c;
}

// A version with its ordering fields filled from `version` as the service
// does (MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]; no validation here).
inline model::ContractVersion MakeVersion(const std::string& contract,
                                          const std::string& version) {
  model::ContractVersion v;
  v.contract_id = contract;
  v.version = version;
  std::string core = version.substr(0, version.find('+'));
  size_t dash = core.find('-');
  if (dash != std::string::npos) {
    v.prerelease = core.substr(dash + 1);
    core = core.substr(0, dash);
  }
  size_t d1 = core.find('.');
  size_t d2 = core.find('.', d1 + 1);
  v.major = std::stoll(core.substr(0, d1));
  v.minor = std::stoll(core.substr(d1 + 1, d2 - d1 - 1));
  v.patch = std::stoll(core.substr(d2 + 1));
  v.status = "active";
  v.original_yaml = "id: " + contract + "\nversion: " + version + "\n";
  v.normalized_json = "{\"id\":\"" + contract + "\"}";
  v.content_hash = std::string(64, 'f');
  v.published_by = "user:ana@example.com";
  v.create_time = T0() + absl::Seconds(v.major * 100 + v.minor * 10 + v.patch);
  v.report_json = "{\"compatible\":true}";
  return v;
}

inline void ExpectSameContract(const model::Contract& a,
                               const model::Contract& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.product, b.product);
  EXPECT_EQ(a.display_name, b.display_name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.compatibility_mode, b.compatibility_mode);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.deprecation_message, b.deprecation_message);
  EXPECT_EQ(a.latest_version, b.latest_version);
  EXPECT_EQ(a.version_count, b.version_count);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.create_time, b.create_time);
  EXPECT_EQ(a.update_time, b.update_time);
  EXPECT_EQ(a.revision, b.revision);
}

inline void ExpectSameVersion(const model::ContractVersion& a,
                              const model::ContractVersion& b) {
  EXPECT_EQ(a.contract_id, b.contract_id);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.major, b.major);
  EXPECT_EQ(a.minor, b.minor);
  EXPECT_EQ(a.patch, b.patch);
  EXPECT_EQ(a.prerelease, b.prerelease);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.original_yaml, b.original_yaml);
  EXPECT_EQ(a.normalized_json, b.normalized_json);
  EXPECT_EQ(a.content_hash, b.content_hash);
  EXPECT_EQ(a.published_by, b.published_by);
  EXPECT_EQ(a.create_time, b.create_time);
  EXPECT_EQ(a.report_json, b.report_json);
}

inline model::AccessRequest MakeAccessRequest(const std::string& id,
                                              const model::OutputPortRef& port,
                                              const std::string& consumer,
                                              absl::Time create_time) {
  model::AccessRequest r;
  r.id = id;
  r.uid = "uid-request-" + id;
  r.port = port;
  r.consumer = consumer;
  r.requester = "user:ana@example.com";
  r.actions = {"read"};
  r.purpose = "Reporting on " + port.port_id;
  r.duration = absl::Hours(24 * 30) + absl::Microseconds(7);
  r.state = model::AccessRequestState::kPending;
  r.decision_json = "{\"outcome\":\"REQUIRE_APPROVAL\"}";
  r.create_time = create_time;
  r.update_time = create_time + absl::Microseconds(1);
  r.expire_time = create_time + absl::Hours(24 * 7);
  r.revision = 1;
  return r;
}

inline model::Grant MakeGrant(const std::string& id,
                              const model::OutputPortRef& port,
                              const std::string& consumer,
                              absl::Time create_time) {
  model::Grant g;
  g.id = id;
  g.uid = "uid-grant-" + id;
  g.port = port;
  g.consumer = consumer;
  g.actions = {"read"};
  g.purpose = "Reporting on " + port.port_id;
  g.granted_by = "user:owner@example.com";
  g.create_time = create_time;
  g.expire_time = create_time + absl::Hours(24 * 90);
  g.revision = 1;
  return g;
}

inline void ExpectSameAccessRequest(const model::AccessRequest& a,
                                    const model::AccessRequest& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.port, b.port);
  EXPECT_EQ(a.consumer, b.consumer);
  EXPECT_EQ(a.requester, b.requester);
  EXPECT_EQ(a.actions, b.actions);
  EXPECT_EQ(a.purpose, b.purpose);
  EXPECT_EQ(a.duration, b.duration);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.decision_json, b.decision_json);
  EXPECT_EQ(a.grant_id, b.grant_id);
  EXPECT_EQ(a.reviewer, b.reviewer);
  EXPECT_EQ(a.review_comment, b.review_comment);
  EXPECT_EQ(a.create_time, b.create_time);
  EXPECT_EQ(a.update_time, b.update_time);
  EXPECT_EQ(a.expire_time, b.expire_time);
  EXPECT_EQ(a.revision, b.revision);
}

inline void ExpectSameGrant(const model::Grant& a, const model::Grant& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.port, b.port);
  EXPECT_EQ(a.consumer, b.consumer);
  EXPECT_EQ(a.actions, b.actions);
  EXPECT_EQ(a.purpose, b.purpose);
  EXPECT_EQ(a.access_request_id, b.access_request_id);
  EXPECT_EQ(a.granted_by, b.granted_by);
  EXPECT_EQ(a.create_time, b.create_time);
  EXPECT_EQ(a.expire_time, b.expire_time);
  EXPECT_EQ(a.revoke_time, b.revoke_time);
  EXPECT_EQ(a.revoked_by, b.revoked_by);
  EXPECT_EQ(a.revoke_reason, b.revoke_reason);
  EXPECT_EQ(a.revision, b.revision);
}

// The ids of `items` newest first by (create_time, id), as the stores list
// access requests and grants.
template <typename T>
std::vector<std::string> NewestFirstIds(std::vector<T> items) {
  std::sort(items.begin(), items.end(), [](const T& a, const T& b) {
    return std::tie(a.create_time, a.id) > std::tie(b.create_time, b.id);
  });
  std::vector<std::string> ids;
  for (const T& item : items) ids.push_back(item.id);
  return ids;
}

template <typename Factory>
class StoreContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = Factory::Make();
    ASSERT_NE(store_, nullptr);
  }

  // Runs `fn` in a committed read-write transaction.
  absl::Status Write(const std::function<absl::Status(Transaction&)>& fn) {
    return store_->RunInTransaction(TxnMode::kReadWrite, fn);
  }

  // Runs `fn` in a read-only transaction and returns its result.
  template <typename T>
  absl::StatusOr<T> Read(
      const std::function<absl::StatusOr<T>(Transaction&)>& fn) {
    auto txn = store_->Begin(TxnMode::kReadOnly);
    if (!txn.ok()) return txn.status();
    return fn(**txn);
  }

  absl::StatusOr<model::Domain> GetDomain(const std::string& id) {
    return Read<model::Domain>(
        [&](Transaction& t) { return t.registry().GetDomain(id); });
  }
  absl::StatusOr<model::Team> GetTeam(const std::string& id) {
    return Read<model::Team>(
        [&](Transaction& t) { return t.registry().GetTeam(id); });
  }
  absl::StatusOr<model::DataProduct> GetProduct(const std::string& domain,
                                                const std::string& id) {
    return Read<model::DataProduct>([&](Transaction& t) {
      return t.registry().GetDataProduct(model::ProductKey{domain, id});
    });
  }

  absl::Status Insert(const model::Team& t) {
    return Write(
        [&](Transaction& txn) { return txn.registry().InsertTeam(t); });
  }
  absl::Status Insert(const model::Domain& d) {
    return Write(
        [&](Transaction& txn) { return txn.registry().InsertDomain(d); });
  }
  absl::Status Insert(const model::DataProduct& p) {
    return Write(
        [&](Transaction& txn) { return txn.registry().InsertDataProduct(p); });
  }
  absl::Status Insert(const model::Policy& p) {
    return Write([&](Transaction& txn) {
      return txn.governance().InsertPolicy(p, "user:a");
    });
  }
  absl::Status Insert(const model::Waiver& w) {
    return Write(
        [&](Transaction& txn) { return txn.governance().InsertWaiver(w); });
  }
  absl::StatusOr<model::Policy> GetPolicy(const std::string& domain,
                                          const std::string& id) {
    return Read<model::Policy>([&](Transaction& t) {
      return t.governance().GetPolicy(model::PolicyKey{domain, id});
    });
  }
  absl::StatusOr<model::Waiver> GetWaiver(const model::PolicyKey& policy,
                                          const std::string& id) {
    return Read<model::Waiver>(
        [&](Transaction& t) { return t.governance().GetWaiver(policy, id); });
  }

  // Every page of ListPolicies with `limit`: "domain/id" keys in order.
  std::vector<std::string> AllPolicyKeys(const store::PolicyFilter& filter,
                                         int limit) {
    std::vector<std::string> keys;
    PageRequest page{"", limit};
    for (int guard = 0; guard < 1000; ++guard) {
      auto result = Read<store::Page<model::Policy>>([&](Transaction& t) {
        return t.governance().ListPolicies(filter, page);
      });
      EXPECT_THAT(result, IsOk());
      if (!result.ok()) break;
      EXPECT_LE(static_cast<int>(result->items.size()), limit);
      for (const auto& p : result->items) {
        keys.push_back(p.domain_id + "/" + p.id);
      }
      if (result->next.empty()) break;
      EXPECT_FALSE(result->items.empty()) << "a non-final page is empty";
      page.after = result->next;
    }
    return keys;
  }

  // Every page of ListWaivers with `limit`: waiver ids in order.
  std::vector<std::string> AllWaiverIds(const store::WaiverFilter& filter,
                                        int limit) {
    std::vector<std::string> ids;
    PageRequest page{"", limit};
    for (int guard = 0; guard < 1000; ++guard) {
      auto result = Read<store::Page<model::Waiver>>([&](Transaction& t) {
        return t.governance().ListWaivers(filter, page);
      });
      EXPECT_THAT(result, IsOk());
      if (!result.ok()) break;
      EXPECT_LE(static_cast<int>(result->items.size()), limit);
      for (const auto& w : result->items) ids.push_back(w.id);
      if (result->next.empty()) break;
      EXPECT_FALSE(result->items.empty()) << "a non-final page is empty";
      page.after = result->next;
    }
    return ids;
  }

  // Every revision of `key`, newest first, read `limit` at a time.
  std::vector<model::PolicyRevision> AllRevisions(const model::PolicyKey& key,
                                                  int limit) {
    std::vector<model::PolicyRevision> out;
    PageRequest page{"", limit};
    for (int guard = 0; guard < 1000; ++guard) {
      auto result =
          Read<store::Page<model::PolicyRevision>>([&](Transaction& t) {
            return t.governance().ListPolicyRevisions(key, page);
          });
      EXPECT_THAT(result, IsOk());
      if (!result.ok()) break;
      EXPECT_LE(static_cast<int>(result->items.size()), limit);
      for (auto& r : result->items) out.push_back(r);
      if (result->next.empty()) break;
      page.after = result->next;
    }
    return out;
  }

  // Reads every page of ListDataProducts with `limit` and returns the keys
  // in the order seen.
  std::vector<model::ProductKey> AllProductKeys(
      const store::DataProductFilter& filter, int limit) {
    std::vector<model::ProductKey> keys;
    PageRequest page{"", limit};
    for (int guard = 0; guard < 10000; ++guard) {
      auto result = Read<store::Page<model::DataProduct>>([&](Transaction& t) {
        return t.registry().ListDataProducts(filter, page);
      });
      EXPECT_THAT(result, IsOk());
      if (!result.ok()) break;
      EXPECT_LE(static_cast<int>(result->items.size()), limit);
      for (const auto& p : result->items) keys.push_back(p.key());
      if (result->next.empty()) break;
      EXPECT_FALSE(result->items.empty()) << "a non-final page is empty";
      page.after = result->next;
    }
    return keys;
  }

  absl::Status Insert(const model::Contract& c) {
    return Write(
        [&](Transaction& txn) { return txn.contracts().InsertContract(c); });
  }
  absl::Status Insert(const model::ContractVersion& v) {
    return Write([&](Transaction& txn) {
      return txn.contracts().InsertContractVersion(v);
    });
  }
  absl::StatusOr<model::Contract> GetContract(const std::string& id) {
    return Read<model::Contract>(
        [&](Transaction& t) { return t.contracts().GetContract(id); });
  }

  // A team, domain "sales" and products "sales/orders" and "sales/refunds",
  // and a domain "finance" with "finance/ledger".
  void SetUpProducts() {
    ASSERT_OK(Insert(MakeTeam("platform")));
    ASSERT_OK(Insert(MakeDomain("sales", "platform")));
    ASSERT_OK(Insert(MakeDomain("finance", "platform")));
    ASSERT_OK(Insert(MakeProduct("sales", "orders", "platform")));
    ASSERT_OK(Insert(MakeProduct("sales", "refunds", "platform")));
    ASSERT_OK(Insert(MakeProduct("finance", "ledger", "platform")));
  }

  // Every page of ListContracts with `limit`: ids in order.
  std::vector<std::string> AllContractIds(const store::ContractFilter& filter,
                                          int limit) {
    std::vector<std::string> ids;
    PageRequest page{"", limit};
    for (int guard = 0; guard < 1000; ++guard) {
      auto result = Read<store::Page<model::Contract>>([&](Transaction& t) {
        return t.contracts().ListContracts(filter, page);
      });
      EXPECT_THAT(result, IsOk());
      if (!result.ok()) break;
      EXPECT_LE(static_cast<int>(result->items.size()), limit);
      for (const auto& c : result->items) ids.push_back(c.id);
      if (result->next.empty()) break;
      EXPECT_FALSE(result->items.empty()) << "a non-final page is empty";
      page.after = result->next;
    }
    return ids;
  }

  // Every page of ListContractVersions with `limit`: versions in order.
  std::vector<std::string> AllVersionsListed(const std::string& contract,
                                             int limit) {
    std::vector<std::string> out;
    PageRequest page{"", limit};
    for (int guard = 0; guard < 1000; ++guard) {
      auto result =
          Read<store::Page<model::ContractVersion>>([&](Transaction& t) {
            return t.contracts().ListContractVersions(contract, page);
          });
      EXPECT_THAT(result, IsOk());
      if (!result.ok()) break;
      EXPECT_LE(static_cast<int>(result->items.size()), limit);
      for (const auto& v : result->items) out.push_back(v.version);
      if (result->next.empty()) break;
      EXPECT_FALSE(result->items.empty()) << "a non-final page is empty";
      page.after = result->next;
    }
    return out;
  }

  absl::Status Insert(const model::AccessRequest& r) {
    return Write(
        [&](Transaction& txn) { return txn.access().InsertAccessRequest(r); });
  }
  absl::Status Insert(const model::Grant& g) {
    return Write([&](Transaction& txn) { return txn.access().InsertGrant(g); });
  }
  absl::StatusOr<model::AccessRequest> GetAccessRequest(const std::string& id) {
    return Read<model::AccessRequest>(
        [&](Transaction& t) { return t.access().GetAccessRequest(id); });
  }
  absl::StatusOr<model::Grant> GetGrant(const std::string& id) {
    return Read<model::Grant>(
        [&](Transaction& t) { return t.access().GetGrant(id); });
  }

  // A team, domain "sales" with product "orders" (output ports "v1" and
  // "v2") and domain "finance" with "ledger" (port "ledger-v1").
  void SetUpPorts() {
    ASSERT_OK(Insert(MakeTeam("platform")));
    ASSERT_OK(Insert(MakeDomain("sales", "platform")));
    ASSERT_OK(Insert(MakeDomain("finance", "platform")));
    model::DataProduct orders = MakeProduct("sales", "orders", "platform");
    orders.output_ports = {MakeOutputPort("v1"), MakeOutputPort("v2")};
    ASSERT_OK(Insert(orders));
    ASSERT_OK(Insert(MakeProduct("finance", "ledger", "platform")));
  }

  // Every page of a newest-first list (`list` reads one page), checking the
  // page invariants: ids in the order seen.
  template <typename T>
  std::vector<std::string> AllNewestFirst(
      const std::function<absl::StatusOr<store::Page<T>>(
          Transaction&, const PageRequest&)>& list,
      int limit) {
    std::vector<std::string> ids;
    PageRequest page{"", limit};
    for (int guard = 0; guard < 1000; ++guard) {
      auto result =
          Read<store::Page<T>>([&](Transaction& t) { return list(t, page); });
      EXPECT_THAT(result, IsOk());
      if (!result.ok()) break;
      EXPECT_LE(static_cast<int>(result->items.size()), limit);
      for (const auto& item : result->items) ids.push_back(item.id);
      if (result->next.empty()) break;
      EXPECT_FALSE(result->items.empty()) << "a non-final page is empty";
      page.after = result->next;
    }
    return ids;
  }
  std::vector<std::string> AllRequestIds(
      const store::AccessRequestFilter& filter, int limit) {
    return AllNewestFirst<model::AccessRequest>(
        [&](Transaction& t, const PageRequest& page) {
          return t.access().ListAccessRequests(filter, page);
        },
        limit);
  }
  std::vector<std::string> AllGrantIds(const store::GrantFilter& filter,
                                       int limit) {
    return AllNewestFirst<model::Grant>(
        [&](Transaction& t, const PageRequest& page) {
          return t.access().ListGrants(filter, page);
        },
        limit);
  }

  std::unique_ptr<store::Store> store_;
};

TYPED_TEST_SUITE_P(StoreContractTest);

// ---------------------------------------------------------------- domains

TYPED_TEST_P(StoreContractTest, DomainRoundTrip) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  model::Domain d = MakeDomain("sales", "platform");
  ASSERT_OK(this->Insert(d));
  model::Domain sub = MakeDomain("sales-emea", "platform", "sales");
  sub.labels.clear();
  sub.description = "";
  ASSERT_OK(this->Insert(sub));
  ASSERT_OK_AND_ASSIGN(model::Domain got, this->GetDomain("sales"));
  ExpectSameDomain(got, d);
  ASSERT_OK_AND_ASSIGN(model::Domain got_sub, this->GetDomain("sales-emea"));
  ExpectSameDomain(got_sub, sub);
  EXPECT_THAT(this->GetDomain("nope"), StatusIs(absl::StatusCode::kNotFound));
}

// kSingleRead reads what is committed (PostgresStore: each statement sees the
// latest committed data; InMemoryStore: a snapshot, as kReadOnly).
TYPED_TEST_P(StoreContractTest, SingleReadSeesCommitted) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  ASSERT_OK_AND_ASSIGN(auto txn, this->store_->Begin(TxnMode::kSingleRead));
  ASSERT_OK_AND_ASSIGN(model::Domain got, txn->registry().GetDomain("sales"));
  EXPECT_EQ(got.id, "sales");
  EXPECT_THAT(txn->registry().GetDomain("finance"),
              StatusIs(absl::StatusCode::kNotFound));
  txn.reset();
  ASSERT_OK(this->Insert(MakeDomain("finance", "platform")));
  ASSERT_OK_AND_ASSIGN(txn, this->store_->Begin(TxnMode::kSingleRead));
  ASSERT_OK_AND_ASSIGN(model::Domain later,
                       txn->registry().GetDomain("finance"));
  EXPECT_EQ(later.id, "finance");
  ASSERT_OK_AND_ASSIGN(model::Team team, txn->registry().GetTeam("platform"));
  EXPECT_EQ(team.id, "platform");
}

TYPED_TEST_P(StoreContractTest, DomainInsertErrors) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  EXPECT_THAT(this->Insert(MakeDomain("sales", "platform")),
              StatusIs(absl::StatusCode::kAlreadyExists, "sales"));
  EXPECT_THAT(this->Insert(MakeDomain("emea", "platform", "missing-parent")),
              StatusIs(absl::StatusCode::kNotFound, "missing-parent"));
  EXPECT_THAT(this->Insert(MakeDomain("emea", "missing-team")),
              StatusIs(absl::StatusCode::kNotFound, "missing-team"));
  EXPECT_THAT(this->GetDomain("emea"), StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST_P(StoreContractTest, FailedInsertLeavesTransactionUsable) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    EXPECT_THAT(txn.registry().InsertDomain(MakeDomain("sales", "platform")),
                StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(
        txn.registry().InsertDomain(MakeDomain("x", "platform", "nope")),
        StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(txn.registry().UpdateDomain(MakeDomain("sales", "platform"), 7),
                StatusIs(absl::StatusCode::kAborted));
    return txn.registry().InsertDomain(MakeDomain("marketing", "platform"));
  }));
  EXPECT_OK(this->GetDomain("marketing"));
}

TYPED_TEST_P(StoreContractTest, DomainUpdateChecksRevision) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeTeam("other")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  ASSERT_OK(this->Insert(MakeDomain("finance", "platform")));
  model::Domain d = MakeDomain("sales", "other", "finance");
  d.display_name = "Sales & Revenue";
  d.labels = {{"k", "v"}};
  d.update_time = T0() + absl::Seconds(5);
  d.revision = 2;
  ASSERT_OK(this->Write(
      [&](Transaction& txn) { return txn.registry().UpdateDomain(d, 1); }));
  ASSERT_OK_AND_ASSIGN(model::Domain got, this->GetDomain("sales"));
  ExpectSameDomain(got, d);

  // A stale revision changes nothing.
  model::Domain stale = d;
  stale.display_name = "stale";
  stale.revision = 3;
  absl::Status s = this->Write(
      [&](Transaction& txn) { return txn.registry().UpdateDomain(stale, 1); });
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(GetReason(s), "ETAG_MISMATCH");
  EXPECT_FALSE(store::IsRetryableConflict(s));
  ASSERT_OK_AND_ASSIGN(got, this->GetDomain("sales"));
  EXPECT_EQ(got.display_name, "Sales & Revenue");
  EXPECT_EQ(got.revision, 2);

  model::Domain missing = MakeDomain("nope", "platform");
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDomain(missing, 1);
  }),
              StatusIs(absl::StatusCode::kNotFound, "nope"));
  model::Domain bad_owner = d;
  bad_owner.owner_team_id = "ghost-team";
  bad_owner.revision = 3;
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDomain(bad_owner, 2);
  }),
              StatusIs(absl::StatusCode::kNotFound, "ghost-team"));
}

TYPED_TEST_P(StoreContractTest, DomainDeleteRefusesChildren) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  ASSERT_OK(this->Insert(MakeDomain("sales-emea", "platform", "sales")));
  ASSERT_OK(this->Insert(MakeProduct("sales-emea", "orders", "platform")));

  auto del = [&](const std::string& id) {
    return this->Write(
        [&](Transaction& txn) { return txn.registry().DeleteDomain(id); });
  };
  EXPECT_THAT(del("sales"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(del("sales-emea"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(del("nope"), StatusIs(absl::StatusCode::kNotFound));

  ASSERT_OK_AND_ASSIGN(int64_t subs,
                       this->template Read<int64_t>([](Transaction& t) {
                         return t.registry().CountSubdomains("sales");
                       }));
  EXPECT_EQ(subs, 1);
  ASSERT_OK_AND_ASSIGN(int64_t products,
                       this->template Read<int64_t>([](Transaction& t) {
                         return t.registry().CountDataProducts("sales-emea");
                       }));
  EXPECT_EQ(products, 1);

  ASSERT_OK(this->Write([](Transaction& txn) {
    return txn.registry().DeleteDataProduct(
        model::ProductKey{"sales-emea", "orders"});
  }));
  ASSERT_OK(del("sales-emea"));
  ASSERT_OK(del("sales"));
  EXPECT_THAT(this->GetDomain("sales"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->GetDomain("sales-emea"),
              StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST_P(StoreContractTest, DomainAncestorsNearestFirst) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeDomain("a", "platform")));
  ASSERT_OK(this->Insert(MakeDomain("b", "platform", "a")));
  ASSERT_OK(this->Insert(MakeDomain("c", "platform", "b")));
  ASSERT_OK(this->Insert(MakeDomain("d", "platform", "c")));
  using Domains = std::vector<model::Domain>;
  ASSERT_OK_AND_ASSIGN(Domains chain,
                       this->template Read<Domains>([](Transaction& t) {
                         return t.registry().DomainAncestors("d");
                       }));
  std::vector<std::string> ids;
  for (const auto& d : chain) ids.push_back(d.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"c", "b", "a"}));
  ASSERT_FALSE(chain.empty());
  ExpectSameDomain(chain[0], MakeDomain("c", "platform", "b"));
  ASSERT_OK_AND_ASSIGN(Domains none,
                       this->template Read<Domains>([](Transaction& t) {
                         return t.registry().DomainAncestors("a");
                       }));
  EXPECT_TRUE(none.empty());
  EXPECT_THAT(this->template Read<Domains>([](Transaction& t) {
    return t.registry().DomainAncestors("zzz");
  }),
              StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST_P(StoreContractTest, ListDomainsFiltersAndPages) {
  ASSERT_OK(this->Insert(MakeTeam("t1")));
  ASSERT_OK(this->Insert(MakeTeam("t2")));
  ASSERT_OK(this->Write([](Transaction& txn) -> absl::Status {
    for (int i = 0; i < 4; ++i) {
      auto s = txn.registry().InsertDomain(
          MakeDomain(absl::StrCat("top-", i), "t1"));
      if (!s.ok()) return s;
    }
    for (int i = 0; i < 116; ++i) {
      auto s = txn.registry().InsertDomain(
          MakeDomain(absl::StrCat("sub-", 1000 + i), i % 3 == 0 ? "t2" : "t1",
                     absl::StrCat("top-", i % 4)));
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }));

  auto all_ids = [&](const store::DomainFilter& f, int limit) {
    std::vector<std::string> ids;
    PageRequest page{"", limit};
    for (int guard = 0; guard < 1000; ++guard) {
      auto r = this->template Read<store::Page<model::Domain>>(
          [&](Transaction& t) { return t.registry().ListDomains(f, page); });
      EXPECT_THAT(r, IsOk());
      if (!r.ok()) break;
      EXPECT_LE(static_cast<int>(r->items.size()), limit);
      for (const auto& d : r->items) ids.push_back(d.id);
      if (r->next.empty()) break;
      page.after = r->next;
    }
    return ids;
  };
  for (int limit : {1, 7, 50, 119, 120, 121, 1000}) {
    SCOPED_TRACE(limit);
    std::vector<std::string> ids = all_ids({}, limit);
    EXPECT_EQ(ids.size(), 120u);
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 120u);
  }
  store::DomainFilter top;
  top.top_level_only = true;
  EXPECT_EQ(all_ids(top, 3),
            (std::vector<std::string>{"top-0", "top-1", "top-2", "top-3"}));
  store::DomainFilter children;
  children.parent_id = "top-1";
  std::vector<std::string> kids = all_ids(children, 10);
  EXPECT_EQ(kids.size(), 29u);
  for (const auto& id : kids) {
    ASSERT_OK_AND_ASSIGN(model::Domain d, this->GetDomain(id));
    EXPECT_EQ(d.parent_id, "top-1");
  }
  store::DomainFilter owned;
  owned.owner_team_id = "t2";
  EXPECT_EQ(all_ids(owned, 9).size(), 39u);
  owned.parent_id = "top-0";
  // i % 4 == 0 and i % 3 == 0: i % 12 == 0, i < 116.
  EXPECT_EQ(all_ids(owned, 9).size(), 10u);
}

// ------------------------------------------------------------------ teams

TYPED_TEST_P(StoreContractTest, TeamRoundTripAndMembership) {
  model::Team t = MakeTeam("checkout", {"user:b@x.io", "user:a@x.io"});
  ASSERT_OK(this->Insert(t));
  ASSERT_OK(this->Insert(MakeTeam("payments", {"user:a@x.io"})));
  ASSERT_OK(this->Insert(MakeTeam("empty")));
  ASSERT_OK_AND_ASSIGN(model::Team got, this->GetTeam("checkout"));
  ExpectSameTeam(got, t);
  ASSERT_OK_AND_ASSIGN(model::Team empty, this->GetTeam("empty"));
  EXPECT_TRUE(empty.members.empty());
  EXPECT_THAT(this->Insert(MakeTeam("checkout")),
              StatusIs(absl::StatusCode::kAlreadyExists, "checkout"));
  EXPECT_THAT(this->GetTeam("nope"), StatusIs(absl::StatusCode::kNotFound));

  using Ids = std::vector<std::string>;
  ASSERT_OK_AND_ASSIGN(Ids teams,
                       this->template Read<Ids>([](Transaction& txn) {
                         return txn.registry().TeamsOfPrincipal("user:a@x.io");
                       }));
  EXPECT_EQ(teams, (Ids{"checkout", "payments"}));
  ASSERT_OK_AND_ASSIGN(Ids none, this->template Read<Ids>([](Transaction& txn) {
    return txn.registry().TeamsOfPrincipal("user:nobody@x.io");
  }));
  EXPECT_TRUE(none.empty());

  // Update replaces the member list.
  model::Team updated = t;
  updated.members = {"service:ci", "user:c@x.io"};
  updated.display_name = "Checkout!";
  updated.revision = 2;
  ASSERT_OK(this->Write(
      [&](Transaction& txn) { return txn.registry().UpdateTeam(updated, 1); }));
  ASSERT_OK_AND_ASSIGN(got, this->GetTeam("checkout"));
  ExpectSameTeam(got, updated);
  ASSERT_OK_AND_ASSIGN(teams, this->template Read<Ids>([](Transaction& txn) {
    return txn.registry().TeamsOfPrincipal("user:a@x.io");
  }));
  EXPECT_EQ(teams, (Ids{"payments"}));

  absl::Status stale = this->Write(
      [&](Transaction& txn) { return txn.registry().UpdateTeam(updated, 1); });
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(GetReason(stale), "ETAG_MISMATCH");
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateTeam(MakeTeam("ghost"), 1);
  }),
              StatusIs(absl::StatusCode::kNotFound));

  store::TeamFilter filter;
  filter.member = "user:c@x.io";
  ASSERT_OK_AND_ASSIGN(
      auto page,
      this->template Read<store::Page<model::Team>>([&](Transaction& txn) {
        return txn.registry().ListTeams(filter, {"", 10});
      }));
  ASSERT_EQ(page.items.size(), 1u);
  ExpectSameTeam(page.items[0], updated);
  EXPECT_TRUE(page.next.empty());
}

TYPED_TEST_P(StoreContractTest, ListTeamsPages) {
  ASSERT_OK(this->Write([](Transaction& txn) -> absl::Status {
    for (int i = 0; i < 120; ++i) {
      auto s = txn.registry().InsertTeam(
          MakeTeam(absl::StrCat("team-", 500 + i),
                   {absl::StrCat("user:u", i % 5, "@x.io")}));
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }));
  for (int limit : {1, 13, 120, 500}) {
    SCOPED_TRACE(limit);
    std::vector<std::string> ids;
    PageRequest page{"", limit};
    for (int guard = 0; guard < 1000; ++guard) {
      auto r = this->template Read<store::Page<model::Team>>(
          [&](Transaction& t) { return t.registry().ListTeams({}, page); });
      ASSERT_OK(r);
      for (const auto& t : r->items) ids.push_back(t.id);
      if (r->next.empty()) break;
      page.after = r->next;
    }
    EXPECT_EQ(ids.size(), 120u);
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 120u);
  }
}

TYPED_TEST_P(StoreContractTest, TeamDeleteRefusedWhileOwner) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeTeam("analytics", {"user:a@x.io"})));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  ASSERT_OK(this->Insert(MakeProduct("sales", "orders", "analytics")));
  auto del = [&](const std::string& id) {
    return this->Write(
        [&](Transaction& txn) { return txn.registry().DeleteTeam(id); });
  };
  EXPECT_THAT(del("platform"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(del("analytics"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(del("ghost"), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(this->Write([](Transaction& txn) {
    return txn.registry().DeleteDataProduct(
        model::ProductKey{"sales", "orders"});
  }));
  ASSERT_OK(del("analytics"));
  EXPECT_THAT(this->GetTeam("analytics"),
              StatusIs(absl::StatusCode::kNotFound));
  using Ids = std::vector<std::string>;
  ASSERT_OK_AND_ASSIGN(Ids teams,
                       this->template Read<Ids>([](Transaction& txn) {
                         return txn.registry().TeamsOfPrincipal("user:a@x.io");
                       }));
  EXPECT_TRUE(teams.empty());
}

// ---------------------------------------------------------- data products

TYPED_TEST_P(StoreContractTest, ProductRoundTripWithPorts) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  ASSERT_OK(this->Insert(MakeDomain("finance", "platform")));
  ASSERT_OK(this->Insert(MakeProduct("sales", "orders", "platform")));

  model::DataProduct p = MakeProduct("finance", "revenue", "platform");
  p.lifecycle = model::Lifecycle::kDeprecated;
  p.tier = 1;
  p.classification = model::Classification::kRestricted;
  p.tags = {"finance", "gold", "pii"};
  p.labels = {{"a", "1"}, {"b", ""}};
  p.sunset_time = T0() + absl::Hours(24 * 90) + absl::Microseconds(7);
  model::OutputPort full = MakeOutputPort("revenue-v2");
  full.objectives.availability_percent = 99.95;
  full.objectives.max_staleness = absl::Minutes(90);
  full.objectives.completeness_percent = 99.5;
  full.objectives.latency = absl::Milliseconds(250) + absl::Microseconds(3);
  model::OutputPort partial = MakeOutputPort("revenue-v1");
  partial.objectives.availability_percent = 0.1 + 0.2;  // not representable
  model::OutputPort bare;
  bare.id = "raw";
  // Port order is kept as given, not sorted.
  p.output_ports = {full, partial, bare};
  p.input_ports = {
      MakeInputPort("orders-in", {"sales", "orders", "orders-v1"})};
  ASSERT_OK(this->Insert(p));
  ASSERT_OK_AND_ASSIGN(model::DataProduct got,
                       this->GetProduct("finance", "revenue"));
  ExpectSameProduct(got, p);

  ASSERT_OK_AND_ASSIGN(model::DataProduct plain,
                       this->GetProduct("sales", "orders"));
  ExpectSameProduct(plain, MakeProduct("sales", "orders", "platform"));
  EXPECT_FALSE(plain.sunset_time.has_value());
  EXPECT_THAT(this->GetProduct("sales", "nope"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->GetProduct("finance", "orders"),
              StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST_P(StoreContractTest, ProductInsertErrors) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  ASSERT_OK(this->Insert(MakeProduct("sales", "orders", "platform")));
  EXPECT_THAT(this->Insert(MakeProduct("sales", "orders", "platform")),
              StatusIs(absl::StatusCode::kAlreadyExists, "orders"));
  EXPECT_THAT(this->Insert(MakeProduct("ghost-domain", "x", "platform")),
              StatusIs(absl::StatusCode::kNotFound, "ghost-domain"));
  EXPECT_THAT(this->Insert(MakeProduct("sales", "x", "ghost-team")),
              StatusIs(absl::StatusCode::kNotFound, "ghost-team"));
  model::DataProduct reader = MakeProduct("sales", "reader", "platform");
  reader.input_ports = {
      MakeInputPort("in", {"sales", "orders", "no-such-port"})};
  EXPECT_THAT(this->Insert(reader),
              StatusIs(absl::StatusCode::kNotFound, "no-such-port"));
  reader.input_ports = {MakeInputPort("in", {"sales", "nobody", "v1"})};
  EXPECT_THAT(this->Insert(reader), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->GetProduct("sales", "reader"),
              StatusIs(absl::StatusCode::kNotFound));
  // The same product id in another domain is a different product.
  ASSERT_OK(this->Insert(MakeDomain("finance", "platform")));
  EXPECT_OK(this->Insert(MakeProduct("finance", "orders", "platform")));
}

TYPED_TEST_P(StoreContractTest, ProductUpdateReplacesPortsAndChecksRevision) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeTeam("other")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  ASSERT_OK(this->Insert(MakeProduct("sales", "orders", "platform")));
  ASSERT_OK(this->Insert(MakeProduct("sales", "customers", "platform")));

  model::DataProduct p = MakeProduct("sales", "orders", "other");
  p.lifecycle = model::Lifecycle::kPublished;
  p.tags = {"x"};
  p.labels.clear();
  p.display_name = "Orders (updated)";
  model::OutputPort v2 = MakeOutputPort("orders-v2");
  v2.objectives.latency = absl::Seconds(2);
  p.output_ports = {v2, MakeOutputPort("orders-v1")};
  p.input_ports = {
      MakeInputPort("cust", {"sales", "customers", "customers-v1"})};
  p.update_time = T0() + absl::Seconds(9);
  p.revision = 2;
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDataProduct(p, 1);
  }));
  ASSERT_OK_AND_ASSIGN(model::DataProduct got,
                       this->GetProduct("sales", "orders"));
  ExpectSameProduct(got, p);

  absl::Status stale = this->Write(
      [&](Transaction& txn) { return txn.registry().UpdateDataProduct(p, 1); });
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(GetReason(stale), "ETAG_MISMATCH");

  // Dropping all ports.
  p.output_ports.clear();
  p.input_ports.clear();
  p.revision = 3;
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDataProduct(p, 2);
  }));
  ASSERT_OK_AND_ASSIGN(got, this->GetProduct("sales", "orders"));
  ExpectSameProduct(got, p);

  model::DataProduct ghost = MakeProduct("sales", "ghost", "platform");
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDataProduct(ghost, 1);
  }),
              StatusIs(absl::StatusCode::kNotFound));
  model::DataProduct bad_source = p;
  bad_source.revision = 4;
  bad_source.input_ports = {MakeInputPort("in", {"sales", "customers", "v9"})};
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDataProduct(bad_source, 3);
  }),
              StatusIs(absl::StatusCode::kNotFound, "v9"));
  ASSERT_OK_AND_ASSIGN(got, this->GetProduct("sales", "orders"));
  EXPECT_EQ(got.revision, 3);
}

TYPED_TEST_P(StoreContractTest, ProductDeleteRefusedWhileRead) {
  ASSERT_OK(this->Insert(MakeTeam("platform")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "platform")));
  ASSERT_OK(this->Insert(MakeProduct("sales", "orders", "platform")));
  model::DataProduct reader = MakeProduct("sales", "report", "platform");
  reader.input_ports = {MakeInputPort("in", {"sales", "orders", "orders-v1"})};
  ASSERT_OK(this->Insert(reader));
  auto del = [&](const std::string& id) {
    return this->Write([&](Transaction& txn) {
      return txn.registry().DeleteDataProduct(model::ProductKey{"sales", id});
    });
  };
  EXPECT_THAT(del("orders"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "report"));
  EXPECT_OK(this->GetProduct("sales", "orders"));
  EXPECT_THAT(del("ghost"), StatusIs(absl::StatusCode::kNotFound));
  // Deleting the reader also removes its input ports, freeing the source.
  ASSERT_OK(del("report"));
  ASSERT_OK(del("orders"));
  EXPECT_THAT(this->GetProduct("sales", "orders"),
              StatusIs(absl::StatusCode::kNotFound));
  // The id can be reused.
  EXPECT_OK(this->Insert(MakeProduct("sales", "orders", "platform")));
}

TYPED_TEST_P(StoreContractTest, ListProductsFilters) {
  ASSERT_OK(this->Insert(MakeTeam("t1")));
  ASSERT_OK(this->Insert(MakeTeam("t2")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "t1")));
  ASSERT_OK(this->Insert(MakeDomain("sales-emea", "t1", "sales")));
  ASSERT_OK(this->Insert(MakeDomain("sales-emea-de", "t1", "sales-emea")));
  ASSERT_OK(this->Insert(MakeDomain("finance", "t1")));
  auto product = [](const std::string& d, const std::string& id,
                    const std::string& owner, model::Lifecycle l,
                    std::vector<std::string> tags) {
    model::DataProduct p = MakeProduct(d, id, owner);
    p.lifecycle = l;
    p.tags = std::move(tags);
    return p;
  };
  using L = model::Lifecycle;
  ASSERT_OK(this->Insert(product("sales", "a", "t1", L::kDraft, {"gold"})));
  ASSERT_OK(this->Insert(
      product("sales-emea", "b", "t2", L::kPublished, {"gold", "pii"})));
  ASSERT_OK(
      this->Insert(product("sales-emea-de", "c", "t1", L::kPublished, {})));
  ASSERT_OK(this->Insert(product("finance", "d", "t2", L::kRetired, {"pii"})));

  using Keys = std::vector<model::ProductKey>;
  auto keys = [&](store::DataProductFilter f) {
    return this->AllProductKeys(f, 2);
  };
  store::DataProductFilter f;
  EXPECT_EQ(keys(f).size(), 4u);
  f.domain_id = "sales";
  EXPECT_EQ(keys(f), (Keys{{"sales", "a"}}));
  f.include_subdomains = true;
  EXPECT_EQ(
      keys(f),
      (Keys{{"sales", "a"}, {"sales-emea", "b"}, {"sales-emea-de", "c"}}));
  f.domain_id = "sales-emea";
  EXPECT_EQ(keys(f), (Keys{{"sales-emea", "b"}, {"sales-emea-de", "c"}}));
  f.domain_id = "no-such-domain";
  EXPECT_TRUE(keys(f).empty());

  f = {};
  f.owner_team_id = "t2";
  EXPECT_EQ(keys(f), (Keys{{"finance", "d"}, {"sales-emea", "b"}}));
  f = {};
  f.lifecycle = L::kPublished;
  EXPECT_EQ(keys(f), (Keys{{"sales-emea", "b"}, {"sales-emea-de", "c"}}));
  f = {};
  f.tag = "pii";
  EXPECT_EQ(keys(f), (Keys{{"finance", "d"}, {"sales-emea", "b"}}));
  f.tag = "gol";  // tags match exactly
  EXPECT_TRUE(keys(f).empty());

  // Everything at once (AND).
  f = {};
  f.domain_id = "sales";
  f.include_subdomains = true;
  f.owner_team_id = "t2";
  f.lifecycle = L::kPublished;
  f.tag = "gold";
  EXPECT_EQ(keys(f), (Keys{{"sales-emea", "b"}}));
  f.tag = "pii";
  f.owner_team_id = "t1";
  EXPECT_TRUE(keys(f).empty());

  // Items of a page carry their ports.
  ASSERT_OK_AND_ASSIGN(
      auto page, this->template Read<store::Page<model::DataProduct>>(
                     [](Transaction& txn) {
                       return txn.registry().ListDataProducts({}, {"", 10});
                     }));
  ASSERT_EQ(page.items.size(), 4u);
  ExpectSameProduct(page.items[0],
                    product("finance", "d", "t2", L::kRetired, {"pii"}));
}

TYPED_TEST_P(StoreContractTest, ListProductsPaginationHasNoGapsOrDuplicates) {
  ASSERT_OK(this->Insert(MakeTeam("t1")));
  ASSERT_OK(this->Insert(MakeTeam("t2")));
  ASSERT_OK(this->Write([](Transaction& txn) -> absl::Status {
    for (const char* d : {"alpha", "beta", "gamma"}) {
      auto s = txn.registry().InsertDomain(MakeDomain(d, "t1"));
      if (!s.ok()) return s;
    }
    for (int i = 0; i < 120; ++i) {
      const char* domain = i % 3 == 0 ? "alpha" : i % 3 == 1 ? "beta" : "gamma";
      model::DataProduct p =
          MakeProduct(domain, absl::StrCat("p-", i), i % 2 ? "t1" : "t2");
      p.tags = {i % 5 == 0 ? "five" : "other"};
      auto s = txn.registry().InsertDataProduct(p);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }));
  for (int limit : {1, 7, 40, 119, 120, 121, 1000}) {
    SCOPED_TRACE(limit);
    std::vector<model::ProductKey> keys = this->AllProductKeys({}, limit);
    EXPECT_EQ(keys.size(), 120u);
    EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
    EXPECT_EQ(std::set<model::ProductKey>(keys.begin(), keys.end()).size(),
              120u);
  }
  store::DataProductFilter f;
  f.owner_team_id = "t1";
  EXPECT_EQ(this->AllProductKeys(f, 7).size(), 60u);
  f.tag = "five";
  // Odd i below 120 that are multiples of 5: 5, 15, ..., 115.
  std::vector<model::ProductKey> keys = this->AllProductKeys(f, 5);
  EXPECT_EQ(keys.size(), 12u);
  EXPECT_EQ(std::set<model::ProductKey>(keys.begin(), keys.end()).size(), 12u);
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
}

TYPED_TEST_P(StoreContractTest, FullTextSearch) {
  ASSERT_OK(this->Insert(MakeTeam("t1")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "t1")));
  model::DataProduct a = MakeProduct("sales", "orders", "t1");
  a.display_name = "Customer Orders";
  a.description = "Every order placed in the web shop, updated hourly.";
  a.tags = {"ecommerce"};
  model::DataProduct b = MakeProduct("sales", "revenue", "t1");
  b.display_name = "Daily Revenue";
  b.description = "Revenue per country and day.";
  b.tags = {"finance"};
  model::DataProduct c = MakeProduct("sales", "shipments", "t1");
  c.display_name = "Shipments";
  c.description = "Parcels handed to carriers.";
  c.tags = {"logistics"};
  ASSERT_OK(this->Insert(a));
  ASSERT_OK(this->Insert(b));
  ASSERT_OK(this->Insert(c));
  using Keys = std::vector<model::ProductKey>;
  auto search = [&](const std::string& text) {
    store::DataProductFilter f;
    f.text = text;
    return this->AllProductKeys(f, 10);
  };
  EXPECT_EQ(search("revenue"), (Keys{{"sales", "revenue"}}));
  EXPECT_EQ(search("REVENUE"), (Keys{{"sales", "revenue"}}));
  EXPECT_EQ(search("customer"), (Keys{{"sales", "orders"}}));     // name
  EXPECT_EQ(search("carriers"), (Keys{{"sales", "shipments"}}));  // description
  EXPECT_EQ(search("logistics"), (Keys{{"sales", "shipments"}}));    // tag
  EXPECT_EQ(search("shipments"), (Keys{{"sales", "shipments"}}));    // id
  EXPECT_EQ(search("daily country"), (Keys{{"sales", "revenue"}}));  // AND
  EXPECT_TRUE(search("daily carriers").empty());
  EXPECT_TRUE(search("zeppelin").empty());
  EXPECT_TRUE(search("'; DROP TABLE domains; --").empty());
  // Text combines with the other filters.
  store::DataProductFilter f;
  f.text = "revenue";
  f.tag = "ecommerce";
  EXPECT_TRUE(this->AllProductKeys(f, 10).empty());
}

// ------------------------------------------------------ search with facets

// A search as core builds it: the words of `text`, the last a prefix unless
// a separator ends the text or it is shorter than 3 characters.
inline store::ProductSearch SearchFor(const std::string& text) {
  store::ProductSearch s;
  s.words = model::SearchWords(text);
  s.last_is_prefix =
      !s.words.empty() && s.words.back().size() >= 3 &&
      model::SearchWords(text.substr(text.size() - 1)).size() == 1;
  return s;
}

using FacetList = std::vector<std::pair<std::string, int64_t>>;
inline FacetList Facet(const std::vector<store::FacetCount>& v) {
  FacetList out;
  for (const auto& c : v) out.emplace_back(c.value, c.count);
  return out;
}

TYPED_TEST_P(StoreContractTest, SearchProductsMatchesWordsOfEveryField) {
  ASSERT_OK(this->Insert(MakeTeam("t1")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "t1")));
  auto plain = [](const std::string& id) {
    model::DataProduct p = MakeProduct("sales", id, "t1");
    p.display_name = "Plain " + id;
    p.description = "Nothing to see.";
    p.tags = {};
    p.labels = {};
    p.output_ports = {};
    return p;
  };
  model::DataProduct by_name = plain("orders-v2");
  by_name.display_name = "Customer Orders";
  model::DataProduct by_desc = plain("ledger");
  by_desc.description =
      "Every ORDER placed, reconciled: invoices/credit-notes.";
  model::DataProduct by_tag = plain("returns");
  by_tag.tags = {"ecommerce", "orders"};
  model::DataProduct by_label = plain("stock");
  by_label.labels = {{"cost-center", "warehouse-7"}};
  model::DataProduct by_port = plain("parcels");
  model::OutputPort port = MakeOutputPort("parcels-feed");
  port.display_name = "";
  port.description = "Handed to carriers";
  port.location = "logistics.shipments_daily";
  by_port.output_ports = {port};
  model::DataProduct reader = plain("tracking");
  reader.input_ports = {
      MakeInputPort("from-parcels", {"sales", "parcels", "parcels-feed"})};
  reader.input_ports[0].description = "Follows each zeppelin";
  for (const auto* p :
       {&by_name, &by_desc, &by_tag, &by_label, &by_port, &reader}) {
    ASSERT_OK(this->Insert(*p));
  }
  using Keys = std::vector<model::ProductKey>;
  auto keys = [&](const std::string& text) {
    auto r = this->template Read<store::SearchResult>([&](Transaction& t) {
      return t.registry().SearchDataProducts(SearchFor(text), {"", 50}, 0, 10);
    });
    EXPECT_THAT(r, IsOk()) << text;
    Keys out;
    if (r.ok()) {
      for (const auto& p : r->items) out.push_back(p.key());
      EXPECT_EQ(r->total, static_cast<int64_t>(out.size())) << text;
    }
    return out;
  };
  EXPECT_EQ(keys("customer"), (Keys{{"sales", "orders-v2"}}));  // display name
  EXPECT_EQ(keys("V2"), (Keys{{"sales", "orders-v2"}}));        // id, any case
  EXPECT_EQ(keys("reconciled"), (Keys{{"sales", "ledger"}}));   // description
  EXPECT_EQ(keys("credit notes "), (Keys{{"sales", "ledger"}}));  // punctuation
  EXPECT_EQ(keys("ecommerce"), (Keys{{"sales", "returns"}}));     // tag
  EXPECT_EQ(keys("cost center"), (Keys{{"sales", "stock"}}));     // label key
  EXPECT_EQ(keys("warehouse-7"), (Keys{{"sales", "stock"}}));     // label value
  EXPECT_EQ(keys("carriers"), (Keys{{"sales", "parcels"}}));      // port
  EXPECT_EQ(keys("shipments_daily"), (Keys{{"sales", "parcels"}}));  // location
  EXPECT_EQ(keys("feed"), (Keys{{"sales", "parcels"}}));             // port id
  EXPECT_EQ(keys("zeppelin"), (Keys{{"sales", "tracking"}}));  // input port
  // Every word must match (AND); the last also as a prefix while typed.
  EXPECT_EQ(keys("plain stoc"), (Keys{{"sales", "stock"}}));
  EXPECT_TRUE(keys("plain stoc ").empty());  // a finished word
  EXPECT_TRUE(keys("stoc plain ").empty());  // only the last is a prefix
  EXPECT_TRUE(keys("customer carriers").empty());
  EXPECT_TRUE(keys("'; DROP TABLE domains; --").empty());
  EXPECT_TRUE(keys("a:* | !b & (c)").empty());
  // Relevance: a word in the id or display name (3) before one in tags or
  // labels (2) before one elsewhere (1); then by name.
  EXPECT_EQ(keys("order"), (Keys{{"sales", "orders-v2"},
                                 {"sales", "returns"},
                                 {"sales", "ledger"}}));
  EXPECT_EQ(keys(""), (Keys{{"sales", "ledger"},
                            {"sales", "orders-v2"},
                            {"sales", "parcels"},
                            {"sales", "returns"},
                            {"sales", "stock"},
                            {"sales", "tracking"}}));
  // The port text follows the product's writes.
  model::DataProduct moved = by_port;
  moved.output_ports[0].location = "fleet.vans";
  moved.output_ports[0].description = "";
  moved.revision = 2;
  ASSERT_OK(this->Write([&](Transaction& t) {
    return t.registry().UpdateDataProduct(moved, 1);
  }));
  EXPECT_TRUE(keys("carriers").empty());
  EXPECT_EQ(keys("vans"), (Keys{{"sales", "parcels"}}));
}

TYPED_TEST_P(StoreContractTest, SearchProductsFiltersAndSubdomains) {
  ASSERT_OK(this->Insert(MakeTeam("t1")));
  ASSERT_OK(this->Insert(MakeTeam("t2")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "t1")));
  ASSERT_OK(this->Insert(MakeDomain("sales-emea", "t1", "sales")));
  ASSERT_OK(this->Insert(MakeDomain("sales-emea-de", "t1", "sales-emea")));
  ASSERT_OK(this->Insert(MakeDomain("salesforce", "t1")));
  auto make = [](const std::string& d, const std::string& id,
                 const std::string& team, model::Lifecycle l, int tier,
                 model::Classification c, std::vector<std::string> tags) {
    model::DataProduct p = MakeProduct(d, id, team);
    p.lifecycle = l;
    p.tier = tier;
    p.classification = c;
    p.tags = std::move(tags);
    return p;
  };
  using L = model::Lifecycle;
  using C = model::Classification;
  ASSERT_OK(this->Insert(
      make("sales", "a", "t1", L::kPublished, 1, C::kInternal, {"pii"})));
  ASSERT_OK(this->Insert(make("sales-emea", "b", "t2", L::kDraft, 2,
                              C::kRestricted, {"pii", "gold"})));
  ASSERT_OK(this->Insert(make("sales-emea-de", "c", "t1", L::kPublished, 3,
                              C::kPublic, {"gold"})));
  ASSERT_OK(this->Insert(
      make("salesforce", "d", "t2", L::kRetired, 0, C::kUnspecified, {})));
  using Keys = std::vector<model::ProductKey>;
  auto keys = [&](const store::ProductSearch& s) {
    auto r = this->template Read<store::SearchResult>([&](Transaction& t) {
      return t.registry().SearchDataProducts(s, {"", 50}, 0, 10);
    });
    EXPECT_THAT(r, IsOk());
    Keys out;
    if (r.ok()) {
      for (const auto& p : r->items) out.push_back(p.key());
      EXPECT_EQ(r->total, static_cast<int64_t>(out.size()));
    }
    return out;
  };
  store::ProductSearch s;
  s.domain_id = "sales";  // any depth, not the look-alike "salesforce"
  EXPECT_EQ(
      keys(s),
      (Keys{{"sales", "a"}, {"sales-emea", "b"}, {"sales-emea-de", "c"}}));
  s.domain_id = "sales-emea";
  EXPECT_EQ(keys(s), (Keys{{"sales-emea", "b"}, {"sales-emea-de", "c"}}));
  s.domain_id = "nowhere";
  EXPECT_TRUE(keys(s).empty());
  s = {};
  s.owner_team_id = "t2";
  EXPECT_EQ(keys(s), (Keys{{"sales-emea", "b"}, {"salesforce", "d"}}));
  s = {};
  s.lifecycle = L::kPublished;
  EXPECT_EQ(keys(s), (Keys{{"sales", "a"}, {"sales-emea-de", "c"}}));
  s = {};
  s.tier = 3;
  EXPECT_EQ(keys(s), (Keys{{"sales-emea-de", "c"}}));
  s = {};
  s.classification = C::kRestricted;
  EXPECT_EQ(keys(s), (Keys{{"sales-emea", "b"}}));
  s = {};
  s.tag = "gold";
  EXPECT_EQ(keys(s), (Keys{{"sales-emea", "b"}, {"sales-emea-de", "c"}}));
  // All together, with words.
  s = SearchFor("product");
  s.domain_id = "sales";
  s.tag = "gold";
  s.lifecycle = L::kPublished;
  EXPECT_EQ(keys(s), (Keys{{"sales-emea-de", "c"}}));
  s.owner_team_id = "t2";
  EXPECT_TRUE(keys(s).empty());
}

TYPED_TEST_P(StoreContractTest, SearchProductsCountsFacets) {
  ASSERT_OK(this->Insert(MakeTeam("t1")));
  ASSERT_OK(this->Insert(MakeTeam("t2")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "t1")));
  ASSERT_OK(this->Insert(MakeDomain("sales-emea", "t1", "sales")));
  ASSERT_OK(this->Insert(MakeDomain("finance", "t1")));
  auto make = [](const std::string& d, const std::string& id,
                 const std::string& team, model::Lifecycle l, int tier,
                 model::Classification c, std::vector<std::string> tags) {
    model::DataProduct p = MakeProduct(d, id, team);
    p.lifecycle = l;
    p.tier = tier;
    p.classification = c;
    p.tags = std::move(tags);
    return p;
  };
  using L = model::Lifecycle;
  using C = model::Classification;
  ASSERT_OK(this->Insert(make("sales", "a", "t1", L::kPublished, 1,
                              C::kInternal, {"pii", "gold"})));
  ASSERT_OK(this->Insert(
      make("sales-emea", "b", "t1", L::kDraft, 1, C::kInternal, {"pii"})));
  ASSERT_OK(this->Insert(make("sales-emea", "c", "t2", L::kPublished, 0,
                              C::kUnspecified, {"gold", "silver"})));
  ASSERT_OK(this->Insert(
      make("finance", "d", "t2", L::kPublished, 2, C::kRestricted, {"pii"})));
  auto search = [&](const store::ProductSearch& s, int facet_limit) {
    auto r = this->template Read<store::SearchResult>([&](Transaction& t) {
      return t.registry().SearchDataProducts(s, {"", 50}, 0, facet_limit);
    });
    EXPECT_THAT(r, IsOk());
    return r.ok() ? *r : store::SearchResult{};
  };
  store::SearchResult all = search({}, 10);
  EXPECT_EQ(all.total, 4);
  // Domains count their subdomains' products; by count, then value.
  EXPECT_EQ(Facet(all.facets.domain),
            (FacetList{{"sales", 3}, {"sales-emea", 2}, {"finance", 1}}));
  EXPECT_EQ(Facet(all.facets.owner_team), (FacetList{{"t1", 2}, {"t2", 2}}));
  EXPECT_EQ(Facet(all.facets.lifecycle),
            (FacetList{{"PUBLISHED", 3}, {"DRAFT", 1}}));
  EXPECT_EQ(Facet(all.facets.tier), (FacetList{{"1", 2}, {"2", 1}}));
  EXPECT_EQ(Facet(all.facets.classification),
            (FacetList{{"INTERNAL", 2}, {"RESTRICTED", 1}}));
  EXPECT_EQ(Facet(all.facets.tag),
            (FacetList{{"pii", 3}, {"gold", 2}, {"silver", 1}}));
  // Top N per facet.
  store::SearchResult top = search({}, 1);
  EXPECT_EQ(Facet(top.facets.domain), (FacetList{{"sales", 3}}));
  EXPECT_EQ(Facet(top.facets.tag), (FacetList{{"pii", 3}}));
  EXPECT_EQ(top.total, 4);
  // A facet ignores its own filter and obeys the others.
  store::ProductSearch s;
  s.lifecycle = L::kPublished;
  s.tag = "pii";
  store::SearchResult r = search(s, 10);
  EXPECT_EQ(r.total, 2);  // a, d
  EXPECT_EQ(Facet(r.facets.lifecycle),
            (FacetList{{"PUBLISHED", 2}, {"DRAFT", 1}}));  // a, d; b
  EXPECT_EQ(Facet(r.facets.tag),
            (FacetList{{"gold", 2}, {"pii", 2}, {"silver", 1}}));  // a, c, d
  EXPECT_EQ(Facet(r.facets.domain), (FacetList{{"finance", 1}, {"sales", 1}}));
  EXPECT_EQ(Facet(r.facets.owner_team), (FacetList{{"t1", 1}, {"t2", 1}}));
  // Words narrow every facet.
  store::SearchResult w = search(SearchFor("product c"), 10);
  EXPECT_EQ(w.total, 1);
  EXPECT_EQ(Facet(w.facets.domain),
            (FacetList{{"sales", 1}, {"sales-emea", 1}}));
  EXPECT_TRUE(w.facets.tier.empty());            // tier 0 is not counted
  EXPECT_TRUE(w.facets.classification.empty());  // nor UNSPECIFIED
}

TYPED_TEST_P(StoreContractTest, SearchProductsPagesAndSkips) {
  ASSERT_OK(this->Insert(MakeTeam("t1")));
  ASSERT_OK(this->Insert(MakeDomain("a", "t1")));
  ASSERT_OK(this->Insert(MakeDomain("b", "t1")));
  std::vector<model::ProductKey> expected;
  for (int i = 0; i < 23; ++i) {
    model::DataProduct p =
        MakeProduct(i % 2 ? "a" : "b", absl::StrCat("p", 10 + i), "t1");
    // Every fourth has the word in its name: those rank first.
    p.display_name = i % 4 == 0 ? "Alpha" : "Other";
    p.description = "alpha beta";
    ASSERT_OK(this->Insert(p));
  }
  store::ProductSearch s = SearchFor("alpha");
  auto all = this->template Read<store::SearchResult>([&](Transaction& t) {
    return t.registry().SearchDataProducts(s, {"", 100}, 0, 10);
  });
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->items.size(), 23u);
  EXPECT_TRUE(all->next.empty());
  for (size_t i = 0; i < all->items.size(); ++i) {
    bool top = all->items[i].display_name == "Alpha";
    EXPECT_EQ(top, i < 6) << i;  // 6 of 23 have it in the name
    if (i > 0 && top == (all->items[i - 1].display_name == "Alpha")) {
      EXPECT_LT(all->items[i - 1].key(), all->items[i].key());
    }
  }
  // Pages of 5 by cursor: the same order, no gap, no duplicate.
  std::vector<model::ProductKey> paged;
  PageRequest page{"", 5};
  for (int guard = 0; guard < 20; ++guard) {
    auto r = this->template Read<store::SearchResult>([&](Transaction& t) {
      return t.registry().SearchDataProducts(s, page, 0, 10);
    });
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(r->total, 23);
    for (const auto& p : r->items) paged.push_back(p.key());
    if (r->next.empty()) break;
    page.after = r->next;
  }
  ASSERT_EQ(paged.size(), 23u);
  for (size_t i = 0; i < paged.size(); ++i) {
    EXPECT_EQ(paged[i], all->items[i].key()) << i;
  }
  // Skip jumps ahead, from the start or after a cursor.
  auto skipped = this->template Read<store::SearchResult>([&](Transaction& t) {
    return t.registry().SearchDataProducts(s, {"", 5}, 10, 10);
  });
  ASSERT_THAT(skipped, IsOk());
  ASSERT_EQ(skipped->items.size(), 5u);
  EXPECT_EQ(skipped->items[0].key(), all->items[10].key());
  auto after = this->template Read<store::SearchResult>([&](Transaction& t) {
    return t.registry().SearchDataProducts(s, {skipped->next, 5}, 5, 10);
  });
  ASSERT_THAT(after, IsOk());
  ASSERT_EQ(after->items.size(), 3u);  // 20, 21, 22
  EXPECT_EQ(after->items[0].key(), all->items[20].key());
  EXPECT_TRUE(after->next.empty());
  // Bad arguments.
  for (const char* bad : {"x", "9:a/p10", "1:nokey", "1:a/"}) {
    EXPECT_THAT(this->template Read<store::SearchResult>([&](Transaction& t) {
      return t.registry().SearchDataProducts(s, {bad, 5}, 0, 10);
    }),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
  EXPECT_THAT(this->template Read<store::SearchResult>([&](Transaction& t) {
    return t.registry().SearchDataProducts(s, {"", 0}, 0, 10);
  }),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(this->template Read<store::SearchResult>([&](Transaction& t) {
    return t.registry().SearchDataProducts(s, {"", 5}, -1, 10);
  }),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(this->template Read<store::SearchResult>([&](Transaction& t) {
    return t.registry().SearchDataProducts(s, {"", 5}, 0, 0);
  }),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// ---------------------------------------------------------------- lineage

// Sorted (source product, consumer product, depth) triples of a result.
using EdgeTriple = std::tuple<std::string, std::string, std::string, int>;
inline std::vector<EdgeTriple> Triples(
    const std::vector<store::LineageEdge>& edges) {
  std::vector<EdgeTriple> out;
  for (const auto& e : edges) {
    out.emplace_back(
        e.source.domain_id + "/" + e.source.product_id + "/" + e.source.port_id,
        e.consumer.domain_id + "/" + e.consumer.product_id, e.input_port_id,
        e.depth);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TYPED_TEST_P(StoreContractTest, LineageUpAndDownWithDepth) {
  // raw -> clean -> (report, model) ; clean and raw -> model (a diamond).
  ASSERT_OK(this->Insert(MakeTeam("t")));
  ASSERT_OK(this->Insert(MakeDomain("d", "t")));
  auto reading = [](const std::string& id, std::vector<std::string> sources) {
    model::DataProduct p = MakeProduct("d", id, "t");
    for (const auto& s : sources) {
      p.input_ports.push_back(MakeInputPort("from-" + s, {"d", s, s + "-v1"}));
    }
    return p;
  };
  ASSERT_OK(this->Insert(reading("raw", {})));
  ASSERT_OK(this->Insert(reading("clean", {"raw"})));
  ASSERT_OK(this->Insert(reading("report", {"clean"})));
  ASSERT_OK(this->Insert(reading("model", {"clean", "raw"})));
  ASSERT_OK(this->Insert(reading("dashboard", {"report"})));
  ASSERT_OK(this->Insert(reading("island", {})));

  auto lineage = [&](const std::string& id, LineageDirection dir, int depth) {
    auto r = this->template Read<std::vector<store::LineageEdge>>(
        [&](Transaction& txn) {
          return txn.registry().Lineage(model::ProductKey{"d", id}, dir, depth);
        });
    EXPECT_THAT(r, IsOk());
    return r.ok() ? Triples(*r) : std::vector<EdgeTriple>{};
  };
  using V = std::vector<EdgeTriple>;
  EXPECT_EQ(lineage("raw", LineageDirection::kDownstream, 1),
            (V{{"d/raw/raw-v1", "d/clean", "from-raw", 1},
               {"d/raw/raw-v1", "d/model", "from-raw", 1}}));
  // Each edge once, at its shortest distance.
  EXPECT_EQ(lineage("raw", LineageDirection::kDownstream, 10),
            (V{{"d/clean/clean-v1", "d/model", "from-clean", 2},
               {"d/clean/clean-v1", "d/report", "from-clean", 2},
               {"d/raw/raw-v1", "d/clean", "from-raw", 1},
               {"d/raw/raw-v1", "d/model", "from-raw", 1},
               {"d/report/report-v1", "d/dashboard", "from-report", 3}}));
  EXPECT_EQ(lineage("raw", LineageDirection::kDownstream, 2).size(), 4u);
  EXPECT_EQ(lineage("dashboard", LineageDirection::kUpstream, 1),
            (V{{"d/report/report-v1", "d/dashboard", "from-report", 1}}));
  EXPECT_EQ(lineage("dashboard", LineageDirection::kUpstream, 5),
            (V{{"d/clean/clean-v1", "d/report", "from-clean", 2},
               {"d/raw/raw-v1", "d/clean", "from-raw", 3},
               {"d/report/report-v1", "d/dashboard", "from-report", 1}}));
  EXPECT_EQ(lineage("model", LineageDirection::kUpstream, 5),
            (V{{"d/clean/clean-v1", "d/model", "from-clean", 1},
               {"d/raw/raw-v1", "d/clean", "from-raw", 2},
               {"d/raw/raw-v1", "d/model", "from-raw", 1}}));
  EXPECT_TRUE(lineage("island", LineageDirection::kDownstream, 5).empty());
  EXPECT_TRUE(lineage("island", LineageDirection::kUpstream, 5).empty());
  EXPECT_TRUE(lineage("dashboard", LineageDirection::kDownstream, 5).empty());
}

TYPED_TEST_P(StoreContractTest, LineageTerminatesOnCycles) {
  ASSERT_OK(this->Insert(MakeTeam("t")));
  ASSERT_OK(this->Insert(MakeDomain("d", "t")));
  ASSERT_OK(this->Insert(MakeProduct("d", "a", "t")));
  model::DataProduct b = MakeProduct("d", "b", "t");
  b.input_ports = {MakeInputPort("in", {"d", "a", "a-v1"})};
  ASSERT_OK(this->Insert(b));
  model::DataProduct a = MakeProduct("d", "a", "t");
  a.input_ports = {MakeInputPort("in", {"d", "b", "b-v1"})};
  a.revision = 2;
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDataProduct(a, 1);
  }));
  auto r = this->template Read<std::vector<store::LineageEdge>>(
      [](Transaction& txn) {
        return txn.registry().Lineage(model::ProductKey{"d", "a"},
                                      LineageDirection::kDownstream, 50);
      });
  ASSERT_OK(r);
  EXPECT_EQ(Triples(*r),
            (std::vector<EdgeTriple>{{"d/a/a-v1", "d/b", "in", 1},
                                     {"d/b/b-v1", "d/a", "in", 2}}));
}

// ----------------------------------------------------------------- tokens

// Browser sessions: stored by the hash of their id, returned as written
// (expired ones too: the caller compares), deleted idempotently; an insert
// sweeps the sessions that have expired.
TYPED_TEST_P(StoreContractTest, WebSessions) {
  store::WebSession live;
  live.id_hash = std::string(64, 'a');
  live.principal = "user:ana@x.io";
  live.credential = "c2VhbGVk";
  live.create_time = T0();
  live.expire_time = T0() + absl::Hours(8);
  store::WebSession old = live;
  old.id_hash = std::string(64, 'b');
  old.expire_time = T0() + absl::Minutes(1);
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.identity().InsertWebSession(old, T0());
  }));
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.identity().InsertWebSession(live, T0());
  }));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.identity().InsertWebSession(live, T0());
  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(
      store::WebSession got,
      this->template Read<store::WebSession>([&](Transaction& txn) {
        return txn.identity().GetWebSession(live.id_hash);
      }));
  EXPECT_EQ(got.principal, live.principal);
  EXPECT_EQ(got.credential, live.credential);
  EXPECT_EQ(got.create_time, live.create_time);
  EXPECT_EQ(got.expire_time, live.expire_time);
  // Expired but not yet swept: still returned.
  EXPECT_OK(this->template Read<store::WebSession>([&](Transaction& txn) {
    return txn.identity().GetWebSession(old.id_hash);
  }));

  // The next insert after `old` expired sweeps it.
  store::WebSession next = live;
  next.id_hash = std::string(64, 'c');
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.identity().InsertWebSession(next, T0() + absl::Hours(1));
  }));
  EXPECT_THAT(this->template Read<store::WebSession>([&](Transaction& txn) {
    return txn.identity().GetWebSession(old.id_hash);
  }),
              StatusIs(absl::StatusCode::kNotFound));

  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.identity().DeleteWebSession(live.id_hash);
  }));
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.identity().DeleteWebSession(live.id_hash);
  }));
  EXPECT_THAT(this->template Read<store::WebSession>([&](Transaction& txn) {
    return txn.identity().GetWebSession(live.id_hash);
  }),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(this->template Read<store::WebSession>([&](Transaction& txn) {
    return txn.identity().GetWebSession(next.id_hash);
  }));
}

TYPED_TEST_P(StoreContractTest, Tokens) {
  model::ApiToken admin = MakeToken("admin-token1", "user:admin", true);
  admin.expire_time = T0() + absl::Hours(1);
  model::ApiToken user = MakeToken("user-token01", "user:ana@x.io");
  user.description = "it's \"mine\"";
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    auto s = txn.identity().InsertToken(admin);
    if (!s.ok()) return s;
    return txn.identity().InsertToken(user);
  }));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.identity().InsertToken(user);
  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(
      model::ApiToken got,
      this->template Read<model::ApiToken>([](Transaction& txn) {
        return txn.identity().GetToken("admin-token1");
      }));
  EXPECT_EQ(got.id, admin.id);
  EXPECT_EQ(got.principal, admin.principal);
  EXPECT_EQ(got.description, admin.description);
  EXPECT_EQ(got.secret_hash, admin.secret_hash);
  EXPECT_TRUE(got.platform_admin);
  EXPECT_EQ(got.create_time, admin.create_time);
  EXPECT_EQ(got.expire_time, admin.expire_time);
  EXPECT_FALSE(got.revoke_time.has_value());
  EXPECT_EQ(got.created_by, admin.created_by);
  EXPECT_THAT(this->template Read<model::ApiToken>([](Transaction& txn) {
    return txn.identity().GetToken("nope");
  }),
              StatusIs(absl::StatusCode::kNotFound));

  auto count_admins = [&](absl::Time now) {
    return this->template Read<int64_t>([&](Transaction& txn) {
      return txn.identity().CountActiveAdminTokens(now);
    });
  };
  EXPECT_THAT(count_admins(T0()), OkAndHolds(1));
  EXPECT_THAT(count_admins(T0() + absl::Hours(2)), OkAndHolds(0));

  absl::Time revoked_at = T0() + absl::Minutes(5);
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.identity().RevokeToken("user-token01", revoked_at);
  }));
  // A second revoke keeps the first time.
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.identity().RevokeToken("user-token01",
                                      revoked_at + absl::Hours(1));
  }));
  EXPECT_THAT(this->Write([](Transaction& txn) {
    return txn.identity().RevokeToken("nope", T0());
  }),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(
      got, this->template Read<model::ApiToken>([](Transaction& txn) {
        return txn.identity().GetToken("user-token01");
      }));
  EXPECT_EQ(got.revoke_time, revoked_at);
  EXPECT_EQ(got.description, user.description);

  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.identity().RevokeToken("admin-token1", T0());
  }));
  EXPECT_THAT(count_admins(T0()), OkAndHolds(0));

  // Listing: by principal, with or without revoked tokens, paged.
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    for (int i = 0; i < 25; ++i) {
      auto s = txn.identity().InsertToken(
          MakeToken(absl::StrCat("bulk-", 100 + i), "service:ci"));
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }));
  auto list = [&](store::TokenFilter f, int limit) {
    std::vector<std::string> ids;
    PageRequest page{"", limit};
    for (int guard = 0; guard < 100; ++guard) {
      auto r = this->template Read<store::Page<model::ApiToken>>(
          [&](Transaction& txn) { return txn.identity().ListTokens(f, page); });
      EXPECT_THAT(r, IsOk());
      if (!r.ok()) break;
      for (const auto& t : r->items) ids.push_back(t.id);
      if (r->next.empty()) break;
      page.after = r->next;
    }
    return ids;
  };
  EXPECT_EQ(list({}, 4).size(), 27u);
  store::TokenFilter ci;
  ci.principal = "service:ci";
  std::vector<std::string> ci_ids = list(ci, 6);
  EXPECT_EQ(ci_ids.size(), 25u);
  EXPECT_TRUE(std::is_sorted(ci_ids.begin(), ci_ids.end()));
  store::TokenFilter active;
  active.include_revoked = false;
  EXPECT_EQ(list(active, 100).size(), 25u);
  store::TokenFilter ana;
  ana.principal = "user:ana@x.io";
  EXPECT_EQ(list(ana, 10), (std::vector<std::string>{"user-token01"}));
  ana.include_revoked = false;
  EXPECT_TRUE(list(ana, 10).empty());
}

// ------------------------------------------ audit, events and idempotency

TYPED_TEST_P(StoreContractTest, AuditAppendAndListNewestFirst) {
  std::vector<int64_t> seqs;
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    for (int i = 0; i < 30; ++i) {
      model::AuditRecord r;
      r.time = T0() + absl::Seconds(i);
      r.principal = i % 2 ? "user:a@x.io" : "user:b@x.io";
      r.method = "meshplane.v1.DomainService/CreateDomain";
      r.resource = absl::StrCat("domains/d", i % 3);
      r.request_id = absl::StrCat("req-", i);
      r.before_json = i == 0 ? "" : "{\"before\":\"it's\"}";
      r.after_json = "{\"x\":\"'; DROP TABLE audit_log; --\"}";
      r.outcome_code = i % 4;
      r.outcome_message = "ok or not";
      r.validate_only = i == 5;
      r.decision_json = "";
      auto seq = txn.events().AppendAudit(r);
      if (!seq.ok()) return seq.status();
      seqs.push_back(*seq);
    }
    return absl::OkStatus();
  }));
  ASSERT_EQ(seqs.size(), 30u);
  EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));
  EXPECT_EQ(std::set<int64_t>(seqs.begin(), seqs.end()).size(), 30u);

  auto list = [&](store::AuditFilter f, int limit) {
    std::vector<model::AuditRecord> out;
    PageRequest page{"", limit};
    for (int guard = 0; guard < 100; ++guard) {
      auto r = this->template Read<store::Page<model::AuditRecord>>(
          [&](Transaction& txn) { return txn.events().ListAudit(f, page); });
      EXPECT_THAT(r, IsOk());
      if (!r.ok()) break;
      for (auto& a : r->items) out.push_back(a);
      if (r->next.empty()) break;
      page.after = r->next;
    }
    return out;
  };
  std::vector<model::AuditRecord> all = list({}, 7);
  ASSERT_EQ(all.size(), 30u);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_GT(all[i - 1].sequence, all[i].sequence);
  }
  const model::AuditRecord& newest = all.front();
  EXPECT_EQ(newest.sequence, seqs.back());
  EXPECT_EQ(newest.time, T0() + absl::Seconds(29));
  EXPECT_EQ(newest.principal, "user:a@x.io");
  EXPECT_EQ(newest.method, "meshplane.v1.DomainService/CreateDomain");
  EXPECT_EQ(newest.resource, "domains/d2");
  EXPECT_EQ(newest.request_id, "req-29");
  EXPECT_EQ(newest.before_json, "{\"before\":\"it's\"}");
  EXPECT_EQ(newest.after_json, "{\"x\":\"'; DROP TABLE audit_log; --\"}");
  EXPECT_EQ(newest.outcome_code, 1);
  EXPECT_EQ(newest.outcome_message, "ok or not");
  EXPECT_FALSE(newest.validate_only);
  EXPECT_TRUE(all[24].validate_only);  // i == 5
  EXPECT_EQ(all.back().before_json, "");

  store::AuditFilter by_resource;
  by_resource.resource = "domains/d1";
  EXPECT_EQ(list(by_resource, 3).size(), 10u);
  by_resource.principal = "user:a@x.io";
  std::vector<model::AuditRecord> both = list(by_resource, 3);
  EXPECT_EQ(both.size(), 5u);  // i % 3 == 1 and i odd: 1, 7, 13, 19, 25
  for (const auto& r : both) {
    EXPECT_EQ(r.resource, "domains/d1");
    EXPECT_EQ(r.principal, "user:a@x.io");
  }
}

TYPED_TEST_P(StoreContractTest, EventsInOrder) {
  std::vector<int64_t> seqs;
  for (int i = 0; i < 12; ++i) {
    ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
      model::Event e;
      e.time = T0() + absl::Milliseconds(i);
      e.type = i % 2 ? "domain.updated" : "domain.created";
      e.resource = absl::StrCat("domains/e", i);
      e.domain_id = i == 3 ? "" : absl::StrCat("e", i);
      e.payload_json = i == 4 ? "" : absl::StrCat("{\"i\":", i, "}");
      auto seq = txn.events().AppendEvent(e);
      if (!seq.ok()) return seq.status();
      seqs.push_back(*seq);
      return absl::OkStatus();
    }));
  }
  using Events = std::vector<model::Event>;
  ASSERT_OK_AND_ASSIGN(Events all,
                       this->template Read<Events>([](Transaction& txn) {
                         return txn.events().ListEvents(0, 100);
                       }));
  ASSERT_EQ(all.size(), 12u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].sequence, seqs[i]);
    EXPECT_EQ(all[i].resource, absl::StrCat("domains/e", i));
    EXPECT_EQ(all[i].time, T0() + absl::Milliseconds(i));
  }
  EXPECT_EQ(all[1].type, "domain.updated");
  EXPECT_EQ(all[3].domain_id, "");
  EXPECT_EQ(all[4].payload_json, "");
  EXPECT_EQ(all[5].payload_json, "{\"i\":5}");
  ASSERT_OK_AND_ASSIGN(Events tail,
                       this->template Read<Events>([&](Transaction& txn) {
                         return txn.events().ListEvents(seqs[7], 3);
                       }));
  ASSERT_EQ(tail.size(), 3u);
  EXPECT_EQ(tail[0].sequence, seqs[8]);
  EXPECT_EQ(tail[2].sequence, seqs[10]);
  ASSERT_OK_AND_ASSIGN(Events none,
                       this->template Read<Events>([&](Transaction& txn) {
                         return txn.events().ListEvents(seqs.back(), 10);
                       }));
  EXPECT_TRUE(none.empty());
}

TYPED_TEST_P(StoreContractTest, AppendEventNotifiesOnCommitWithItsSequence) {
  NotificationRecorder rec;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::Listener> listener,
                       this->store_->NewListener());
  ASSERT_OK(listener->Start({store::kEventChannel}, rec.Handler()));
  ASSERT_TRUE(rec.WaitUntil([&] { return rec.resyncs() == 1; }));
  ASSERT_OK_AND_ASSIGN(int64_t before,
                       this->template Read<int64_t>([](Transaction& txn) {
                         return txn.events().LastEventSequence();
                       }));
  model::Event e;
  e.time = T0();
  e.type = "domain.created";
  e.resource = "domains/notified";
  e.domain_id = "notified";
  // A rolled-back append is neither visible nor announced.
  EXPECT_THAT(this->Write([&](Transaction& txn) -> absl::Status {
    MP_RETURN_IF_ERROR(txn.events().AppendEvent(e).status());
    return absl::AbortedError("changed its mind");
  }),
              StatusIs(absl::StatusCode::kAborted));
  int64_t seq = 0;
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    MP_ASSIGN_OR_RETURN(seq, txn.events().AppendEvent(e));
    return absl::OkStatus();
  }));
  EXPECT_GT(seq, before);
  ASSERT_TRUE(rec.WaitForPayload(store::kEventChannel, absl::StrCat(seq)));
  EXPECT_EQ(rec.Payloads(store::kEventChannel),
            (std::vector<std::string>{absl::StrCat(seq)}));
  ASSERT_OK_AND_ASSIGN(int64_t after,
                       this->template Read<int64_t>([](Transaction& txn) {
                         return txn.events().LastEventSequence();
                       }));
  EXPECT_EQ(after, seq);
}

// Event retention: PruneEvents takes a prefix of the feed and keeps an
// exact watermark, whatever the gaps in the sequence; ListEvents refuses a
// resume that would miss pruned events and accepts any other.
TYPED_TEST_P(StoreContractTest, PruneEventsKeepsAnExactWatermark) {
  using Events = std::vector<model::Event>;
  constexpr int64_t kAll = std::numeric_limits<int64_t>::max();
  auto append = [&](int i, absl::Time time, bool commit) -> int64_t {
    int64_t seq = 0;
    absl::Status s = this->Write([&](Transaction& txn) -> absl::Status {
      model::Event e;
      e.time = time;
      e.type = "team.updated";
      e.resource = absl::StrCat("teams/t", i);
      MP_ASSIGN_OR_RETURN(seq, txn.events().AppendEvent(e));
      return commit ? absl::OkStatus() : absl::AbortedError("rolled back");
    });
    EXPECT_EQ(s.ok(), commit) << s;
    return seq;
  };
  auto list = [&](int64_t after) {
    return this->template Read<Events>(
        [&](Transaction& txn) { return txn.events().ListEvents(after, 100); });
  };
  auto sequences = [](const Events& events) {
    std::vector<int64_t> out;
    for (const auto& e : events) out.push_back(e.sequence);
    return out;
  };
  auto watermark = [&] {
    return this->template Read<int64_t>(
        [](Transaction& txn) { return txn.events().EventsPrunedThrough(); });
  };
  auto last_sequence = [&] {
    return this->template Read<int64_t>(
        [](Transaction& txn) { return txn.events().LastEventSequence(); });
  };
  auto prune = [&](absl::Time before, int64_t max_sequence, int limit) {
    int64_t n = -1;
    EXPECT_OK(this->Write([&](Transaction& txn) -> absl::Status {
      MP_ASSIGN_OR_RETURN(
          n, txn.events().PruneEvents(before, max_sequence, limit));
      return absl::OkStatus();
    }));
    return n;
  };

  EXPECT_THAT(watermark(), OkAndHolds(int64_t{0}));
  EXPECT_EQ(prune(absl::InfiniteFuture(), kAll, 10), 0);  // nothing yet
  // Ten events a minute apart, with a gap (a rolled-back append) after the
  // 4th and the 7th; the 11th is older than all (a writer's clock behind).
  std::vector<int64_t> seqs;
  for (int i = 0; i < 10; ++i) {
    seqs.push_back(append(i, T0() + absl::Minutes(i), true));
    if (i == 3 || i == 6) append(100 + i, T0(), false);
  }
  seqs.push_back(append(10, T0() - absl::Hours(1), true));
  ASSERT_GT(seqs[4], seqs[3] + 1);

  // Before the 5th event's time: the first four.
  EXPECT_EQ(prune(T0() + absl::Minutes(4), kAll, 100), 4);
  EXPECT_THAT(watermark(), OkAndHolds(seqs[3]));
  ASSERT_OK_AND_ASSIGN(Events oldest, list(0));
  EXPECT_EQ(sequences(oldest),
            std::vector<int64_t>(seqs.begin() + 4, seqs.end()));
  // Resuming at the watermark, or in the gap after it, misses nothing.
  ASSERT_OK_AND_ASSIGN(Events at, list(seqs[3]));
  EXPECT_EQ(sequences(at), sequences(oldest));
  ASSERT_OK_AND_ASSIGN(Events in_gap, list(seqs[3] + 1));
  EXPECT_EQ(sequences(in_gap), sequences(oldest));
  // Before it would miss pruned events.
  EXPECT_THAT(list(seqs[3] - 1),
              StatusIs(absl::StatusCode::kOutOfRange,
                       absl::StrCat("events after sequence ", seqs[3] - 1,
                                    " have been pruned")));
  EXPECT_THAT(list(seqs[0]),
              StatusIs(absl::StatusCode::kOutOfRange, absl::StrCat(seqs[3])));
  EXPECT_THAT(last_sequence(), OkAndHolds(seqs[10]));

  // At most `limit`, then at most `max_sequence`.
  EXPECT_EQ(prune(absl::InfiniteFuture(), kAll, 2), 2);
  EXPECT_THAT(watermark(), OkAndHolds(seqs[5]));
  EXPECT_EQ(prune(absl::InfiniteFuture(), seqs[7], 100), 2);
  EXPECT_THAT(watermark(), OkAndHolds(seqs[7]));
  // The 10th is not old enough: pruning stops there, and the older 11th
  // after it stays too.
  EXPECT_EQ(prune(T0() + absl::Minutes(9), kAll, 100), 1);
  EXPECT_THAT(watermark(), OkAndHolds(seqs[8]));
  EXPECT_EQ(prune(T0() + absl::Minutes(9), kAll, 100), 0);
  ASSERT_OK_AND_ASSIGN(Events rest, list(0));
  EXPECT_EQ(sequences(rest), (std::vector<int64_t>{seqs[9], seqs[10]}));

  // A rolled-back prune changes nothing.
  EXPECT_THAT(this->Write([&](Transaction& txn) -> absl::Status {
    MP_RETURN_IF_ERROR(
        txn.events().PruneEvents(absl::InfiniteFuture(), kAll, 100).status());
    return absl::AbortedError("changed its mind");
  }),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(watermark(), OkAndHolds(seqs[8]));

  // Everything: the watermark and the last sequence stay.
  EXPECT_EQ(prune(absl::InfiniteFuture(), kAll, 100), 2);
  EXPECT_THAT(watermark(), OkAndHolds(seqs[10]));
  ASSERT_OK_AND_ASSIGN(Events none, list(0));
  EXPECT_TRUE(none.empty());
  ASSERT_OK_AND_ASSIGN(none, list(seqs[10]));
  EXPECT_TRUE(none.empty());
  EXPECT_THAT(list(seqs[9]), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(last_sequence(), OkAndHolds(seqs[10]));
  // The feed goes on after it.
  const int64_t next = append(11, T0(), true);
  EXPECT_GT(next, seqs[10]);
  ASSERT_OK_AND_ASSIGN(Events after_all, list(seqs[10]));
  EXPECT_EQ(sequences(after_all), std::vector<int64_t>{next});
  ASSERT_OK_AND_ASSIGN(Events from_oldest, list(0));
  EXPECT_EQ(sequences(from_oldest), std::vector<int64_t>{next});
  EXPECT_THAT(watermark(), OkAndHolds(seqs[10]));
  EXPECT_THAT(this->Write([](Transaction& txn) {
    return txn.events().PruneEvents(absl::InfiniteFuture(), kAll, 0).status();
  }),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Two pruners at once (replicas): one prunes; the other returns 0 or fails
// to commit with a retryable conflict. Either way the feed stays whole.
TYPED_TEST_P(StoreContractTest, ConcurrentPrunesAreHarmless) {
  std::vector<int64_t> seqs;
  for (int i = 0; i < 6; ++i) {
    ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
      model::Event e;
      e.time = T0() + absl::Minutes(i);
      e.type = "team.updated";
      e.resource = absl::StrCat("teams/t", i);
      MP_ASSIGN_OR_RETURN(int64_t seq, txn.events().AppendEvent(e));
      seqs.push_back(seq);
      return absl::OkStatus();
    }));
  }
  constexpr int64_t kAll = std::numeric_limits<int64_t>::max();
  ASSERT_OK_AND_ASSIGN(auto first, this->store_->Begin(TxnMode::kReadWrite));
  ASSERT_OK_AND_ASSIGN(auto second, this->store_->Begin(TxnMode::kReadWrite));
  EXPECT_THAT(first->events().PruneEvents(T0() + absl::Minutes(3), kAll, 100),
              OkAndHolds(int64_t{3}));
  ASSERT_OK_AND_ASSIGN(int64_t n, second->events().PruneEvents(
                                      T0() + absl::Minutes(2), kAll, 100));
  ASSERT_OK(first->Commit());
  absl::Status late = second->Commit();
  if (n > 0) {
    EXPECT_TRUE(store::IsRetryableConflict(late)) << late;
  } else {
    EXPECT_OK(late);
  }
  EXPECT_THAT(this->template Read<int64_t>([](Transaction& txn) {
    return txn.events().EventsPrunedThrough();
  }),
              OkAndHolds(seqs[2]));
  ASSERT_OK_AND_ASSIGN(
      std::vector<model::Event> rest,
      this->template Read<std::vector<model::Event>>([&](Transaction& txn) {
        return txn.events().ListEvents(seqs[2], 100);
      }));
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].sequence, seqs[3]);
}

TYPED_TEST_P(StoreContractTest, IdempotencyWindow) {
  model::IdempotencyRecord rec;
  rec.principal = "user:a@x.io";
  rec.method = "meshplane.v1.DomainService/CreateDomain";
  rec.request_id = "8d3e0f7a-0000-4000-8000-000000000001";
  rec.request_hash = std::string(64, 'f');
  rec.response = "{\"name\":\"domains/it's\"}";
  rec.create_time = T0();
  ASSERT_OK(this->Write(
      [&](Transaction& txn) { return txn.events().PutIdempotency(rec); }));
  using Opt = std::optional<model::IdempotencyRecord>;
  auto get = [&](const std::string& principal, const std::string& method,
                 const std::string& id, absl::Time not_before) {
    return this->template Read<Opt>([&](Transaction& txn) {
      return txn.events().GetIdempotency(principal, method, id, not_before);
    });
  };
  ASSERT_OK_AND_ASSIGN(Opt got, get(rec.principal, rec.method, rec.request_id,
                                    T0() - absl::Hours(24)));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->principal, rec.principal);
  EXPECT_EQ(got->method, rec.method);
  EXPECT_EQ(got->request_id, rec.request_id);
  EXPECT_EQ(got->request_hash, rec.request_hash);
  EXPECT_EQ(got->response, rec.response);
  EXPECT_EQ(got->create_time, rec.create_time);
  // Exactly at the bound still counts.
  ASSERT_OK_AND_ASSIGN(got,
                       get(rec.principal, rec.method, rec.request_id, T0()));
  EXPECT_TRUE(got.has_value());
  // Older than the window: as if absent.
  ASSERT_OK_AND_ASSIGN(got, get(rec.principal, rec.method, rec.request_id,
                                T0() + absl::Microseconds(1)));
  EXPECT_FALSE(got.has_value());
  // Every part of the key matters.
  ASSERT_OK_AND_ASSIGN(got, get("user:b@x.io", rec.method, rec.request_id,
                                T0() - absl::Hours(1)));
  EXPECT_FALSE(got.has_value());
  ASSERT_OK_AND_ASSIGN(got, get(rec.principal, "other/Method", rec.request_id,
                                T0() - absl::Hours(1)));
  EXPECT_FALSE(got.has_value());
  ASSERT_OK_AND_ASSIGN(
      got, get(rec.principal, rec.method, "other-id", T0() - absl::Hours(1)));
  EXPECT_FALSE(got.has_value());
}

TYPED_TEST_P(StoreContractTest, TryLockRequestExcludesConcurrentDuplicates) {
  ASSERT_OK_AND_ASSIGN(auto first, this->store_->Begin(TxnMode::kReadWrite));
  ASSERT_OK_AND_ASSIGN(auto second, this->store_->Begin(TxnMode::kReadWrite));
  EXPECT_THAT(first->events().TryLockRequest("user:a", "M", "r1"),
              OkAndHolds(true));
  // Re-entrant within the holder.
  EXPECT_THAT(first->events().TryLockRequest("user:a", "M", "r1"),
              OkAndHolds(true));
  EXPECT_THAT(second->events().TryLockRequest("user:a", "M", "r1"),
              OkAndHolds(false));
  // A different key is independent.
  EXPECT_THAT(second->events().TryLockRequest("user:a", "M", "r2"),
              OkAndHolds(true));
  EXPECT_THAT(second->events().TryLockRequest("user:b", "M", "r1"),
              OkAndHolds(true));
  // The lock ends with the transaction (commit or rollback).
  ASSERT_OK(first->Commit());
  first.reset();
  EXPECT_THAT(second->events().TryLockRequest("user:a", "M", "r1"),
              OkAndHolds(true));
  second.reset();  // rolls back
  ASSERT_OK_AND_ASSIGN(auto third, this->store_->Begin(TxnMode::kReadWrite));
  EXPECT_THAT(third->events().TryLockRequest("user:a", "M", "r2"),
              OkAndHolds(true));
}

// ----------------------------------------------------------- transactions

TYPED_TEST_P(StoreContractTest, UncommittedTransactionRollsBack) {
  ASSERT_OK(this->Insert(MakeTeam("t")));
  {
    ASSERT_OK_AND_ASSIGN(auto txn, this->store_->Begin(TxnMode::kReadWrite));
    ASSERT_OK(txn->registry().InsertDomain(MakeDomain("gone", "t")));
    ASSERT_OK(txn->events()
                  .AppendEvent(model::Event{0, T0(), "domain.created",
                                            "domains/gone", "gone", "{}"})
                  .status());
    // Visible inside the transaction itself.
    EXPECT_OK(txn->registry().GetDomain("gone"));
  }
  EXPECT_THAT(this->GetDomain("gone"), StatusIs(absl::StatusCode::kNotFound));
  using Events = std::vector<model::Event>;
  ASSERT_OK_AND_ASSIGN(Events events,
                       this->template Read<Events>([](Transaction& txn) {
                         return txn.events().ListEvents(0, 10);
                       }));
  EXPECT_TRUE(events.empty());

  // RunInTransaction rolls back when fn fails.
  absl::Status s = this->Write([](Transaction& txn) -> absl::Status {
    auto ins = txn.registry().InsertDomain(MakeDomain("also-gone", "t"));
    if (!ins.ok()) return ins;
    return absl::FailedPreconditionError("refused by the caller");
  });
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition, "refused"));
  EXPECT_THAT(this->GetDomain("also-gone"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(this->store_->Ping());
}

TYPED_TEST_P(StoreContractTest, StringsAreStoredVerbatim) {
  const std::vector<std::string> nasty = NastyStrings();
  model::Team team = MakeTeam("t");
  for (const auto& s : nasty) team.members.push_back("user:" + s);
  std::sort(team.members.begin(), team.members.end());
  team.description = nasty[3];
  ASSERT_OK(this->Insert(team));
  model::Domain d = MakeDomain("d", "t");
  d.labels.clear();
  for (size_t i = 0; i < nasty.size(); ++i) {
    d.labels[nasty[i]] = nasty[nasty.size() - 1 - i];
  }
  d.display_name = nasty[0] + nasty[1] + nasty[2];
  d.description = absl::StrCat(nasty[3], "\n", nasty[5]);
  ASSERT_OK(this->Insert(d));
  model::DataProduct p = MakeProduct("d", "p", "t");
  p.tags = nasty;
  std::sort(p.tags.begin(), p.tags.end());
  p.description = nasty[4];
  p.output_ports[0].location = nasty[3];
  p.output_ports[0].server = nasty[8];
  p.labels = d.labels;
  ASSERT_OK(this->Insert(p));

  ASSERT_OK_AND_ASSIGN(model::Team got_team, this->GetTeam("t"));
  ExpectSameTeam(got_team, team);
  ASSERT_OK_AND_ASSIGN(model::Domain got_domain, this->GetDomain("d"));
  ExpectSameDomain(got_domain, d);
  ASSERT_OK_AND_ASSIGN(model::DataProduct got_product,
                       this->GetProduct("d", "p"));
  ExpectSameProduct(got_product, p);

  // Filters take the same strings as plain values.
  store::DataProductFilter f;
  f.tag = nasty[3];
  EXPECT_EQ(this->AllProductKeys(f, 5),
            (std::vector<model::ProductKey>{{"d", "p"}}));
  f.tag = "%";
  EXPECT_TRUE(this->AllProductKeys(f, 5).empty());
  using Ids = std::vector<std::string>;
  ASSERT_OK_AND_ASSIGN(
      Ids teams, this->template Read<Ids>([&](Transaction& txn) {
        return txn.registry().TeamsOfPrincipal("user:" + nasty[3]);
      }));
  EXPECT_EQ(teams, (Ids{"t"}));
  EXPECT_THAT(this->GetDomain(nasty[3]), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(this->GetDomain("d"));
}

// ------------------------------------------------------------- governance

TYPED_TEST_P(StoreContractTest, PolicyRoundTripAndInsertErrors) {
  ASSERT_OK(this->Insert(MakeTeam("gov")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "gov")));
  model::Policy global = MakePolicy("", "no-pii", "gov");
  global.waivable = false;
  global.effect = "REQUIRE_APPROVAL";
  model::Policy local = MakePolicy("sales", "no-pii", "");
  local.triggers.clear();
  local.labels.clear();
  local.enforcement = "DRY_RUN";
  ASSERT_OK(this->Insert(global));
  ASSERT_OK(this->Insert(local));  // same id, other scope; no owner
  ASSERT_OK_AND_ASSIGN(model::Policy got, this->GetPolicy("", "no-pii"));
  ExpectSamePolicy(got, global);
  ASSERT_OK_AND_ASSIGN(got, this->GetPolicy("sales", "no-pii"));
  ExpectSamePolicy(got, local);

  EXPECT_THAT(this->Insert(global),
              StatusIs(absl::StatusCode::kAlreadyExists, "policies/no-pii"));
  EXPECT_THAT(this->Insert(MakePolicy("ghost", "p", "gov")),
              StatusIs(absl::StatusCode::kNotFound, "ghost"));
  EXPECT_THAT(this->Insert(MakePolicy("", "p", "ghost-team")),
              StatusIs(absl::StatusCode::kNotFound, "ghost-team"));
  EXPECT_THAT(this->GetPolicy("", "nope"),
              StatusIs(absl::StatusCode::kNotFound, "policies/nope"));
  EXPECT_THAT(
      this->GetPolicy("finance", "no-pii"),
      StatusIs(absl::StatusCode::kNotFound, "domains/finance/policies/no-pii"));
  // A refused insert leaves the transaction usable and wrote nothing.
  EXPECT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    EXPECT_THAT(txn.governance().InsertPolicy(global, "user:a"),
                StatusIs(absl::StatusCode::kAlreadyExists));
    return txn.governance().InsertPolicy(MakePolicy("", "second", "gov"),
                                         "user:a");
  }));
  EXPECT_OK(this->GetPolicy("", "second"));
  EXPECT_THAT(this->GetPolicy("", "p"), StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST_P(StoreContractTest, PolicyUpdateChecksRevisionAndKeepsHistory) {
  ASSERT_OK(this->Insert(MakeTeam("gov")));
  ASSERT_OK(this->Insert(MakeTeam("other")));
  model::Policy p = MakePolicy("", "p", "gov");
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.governance().InsertPolicy(p, "user:creator");
  }));
  model::Policy v2 = p;
  v2.display_name = "second";
  v2.owner_team_id = "other";
  // The history keeps every field verbatim too.
  const std::vector<std::string> nasty = NastyStrings();
  v2.triggers = {"domain.delete", nasty[3], nasty[5]};
  v2.description = absl::StrCat(nasty[1], "\n", nasty[6]);
  v2.condition = nasty[7];
  v2.message_expression = nasty[8];
  v2.labels = {{nasty[0], nasty[2]}, {nasty[4], nasty[5]}};
  v2.update_time = T0() + absl::Seconds(2);
  v2.revision = 2;
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.governance().UpdatePolicy(v2, 1, "user:editor");
  }));
  ASSERT_OK_AND_ASSIGN(model::Policy got, this->GetPolicy("", "p"));
  ExpectSamePolicy(got, v2);

  model::Policy stale = v2;
  stale.display_name = "stale";
  stale.revision = 3;
  absl::Status s = this->Write([&](Transaction& txn) {
    return txn.governance().UpdatePolicy(stale, 1, "user:x");
  });
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kAborted, "etag mismatch"));
  EXPECT_EQ(GetReason(s), "ETAG_MISMATCH");
  EXPECT_FALSE(store::IsRetryableConflict(s));
  model::Policy v3 = v2;
  v3.display_name = "third";
  v3.update_time = T0() + absl::Seconds(3);
  v3.revision = 3;
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.governance().UpdatePolicy(v3, 2, "user:third");
  }));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.governance().UpdatePolicy(MakePolicy("", "nope", "gov"), 1,
                                         "user:x");
  }),
              StatusIs(absl::StatusCode::kNotFound, "policies/nope"));
  model::Policy bad_owner = v3;
  bad_owner.owner_team_id = "ghost-team";
  bad_owner.revision = 4;
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.governance().UpdatePolicy(bad_owner, 3, "user:x");
  }),
              StatusIs(absl::StatusCode::kNotFound, "ghost-team"));

  // Newest first, whole pages or one at a time; refused writes left none.
  for (int limit : {10, 1}) {
    SCOPED_TRACE(absl::StrCat("limit ", limit));
    std::vector<model::PolicyRevision> revs =
        this->AllRevisions(p.key(), limit);
    ASSERT_EQ(revs.size(), 3u);
    ExpectSamePolicy(revs[0].policy, v3);
    ExpectSamePolicy(revs[1].policy, v2);
    ExpectSamePolicy(revs[2].policy, p);
    EXPECT_EQ(revs[0].author, "user:third");
    EXPECT_EQ(revs[1].author, "user:editor");
    EXPECT_EQ(revs[2].author, "user:creator");
    EXPECT_EQ(revs[0].create_time, v3.update_time);
    EXPECT_EQ(revs[2].create_time, p.update_time);
  }
  EXPECT_TRUE(this->AllRevisions({"", "never-existed"}, 5).empty());
  EXPECT_TRUE(this->AllRevisions({"d", "p"}, 5).empty());
}

TYPED_TEST_P(StoreContractTest, PolicyDeleteTakesWaiversAndKeepsHistory) {
  ASSERT_OK(this->Insert(MakeTeam("gov")));
  model::Policy p = MakePolicy("", "p", "gov");
  model::Policy other = MakePolicy("", "other", "gov");
  ASSERT_OK(this->Insert(p));
  ASSERT_OK(this->Insert(other));
  const absl::Time later = T0() + absl::Hours(24);
  ASSERT_OK(this->Insert(MakeWaiver(p.key(), "w1", "domains/a", later)));
  ASSERT_OK(this->Insert(MakeWaiver(p.key(), "w2", "domains/b", later)));
  ASSERT_OK(this->Insert(MakeWaiver(other.key(), "w3", "domains/a", later)));

  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.governance().DeletePolicy(p.key());
  }));
  EXPECT_THAT(this->GetPolicy("", "p"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->GetWaiver(p.key(), "w1"),
              StatusIs(absl::StatusCode::kNotFound, "policies/p/waivers/w1"));
  store::WaiverFilter all;
  all.all_policies = true;
  EXPECT_EQ(this->AllWaiverIds(all, 10), (std::vector<std::string>{"w3"}));
  EXPECT_EQ(this->AllRevisions(p.key(), 10).size(), 1u);
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.governance().DeletePolicy(p.key());
  }),
              StatusIs(absl::StatusCode::kNotFound, "policies/p"));

  // Created again under the same name: a new history on top of the old one.
  model::Policy again = p;
  again.display_name = "again";
  ASSERT_OK(this->Insert(again));
  std::vector<model::PolicyRevision> revs = this->AllRevisions(p.key(), 1);
  ASSERT_EQ(revs.size(), 2u);
  EXPECT_EQ(revs[0].policy.display_name, "again");
  EXPECT_EQ(revs[1].policy.display_name, p.display_name);
  EXPECT_THAT(this->GetWaiver(p.key(), "w2"),
              StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST_P(StoreContractTest, DomainDeleteTakesItsPoliciesTeamDeleteRefused) {
  ASSERT_OK(this->Insert(MakeTeam("gov")));
  ASSERT_OK(this->Insert(MakeTeam("owner")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "gov")));
  model::Policy local = MakePolicy("sales", "p", "");
  model::Policy global = MakePolicy("", "p", "owner");
  ASSERT_OK(this->Insert(local));
  ASSERT_OK(this->Insert(global));
  ASSERT_OK(this->Insert(
      MakeWaiver(local.key(), "w", "domains/sales", T0() + absl::Hours(1))));
  ASSERT_OK(this->Write(
      [&](Transaction& txn) { return txn.registry().DeleteDomain("sales"); }));
  EXPECT_THAT(this->GetPolicy("sales", "p"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->GetWaiver(local.key(), "w"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(this->GetPolicy("", "p"));
  EXPECT_EQ(this->AllRevisions(local.key(), 10).size(), 1u);

  // A team that owns a policy stays.
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.registry().DeleteTeam("owner");
  }),
              StatusIs(absl::StatusCode::kFailedPrecondition, "policies/p"));
  EXPECT_OK(this->GetTeam("owner"));
}

TYPED_TEST_P(StoreContractTest, ListPoliciesFiltersAndPages) {
  ASSERT_OK(this->Insert(MakeTeam("gov")));
  ASSERT_OK(this->Insert(MakeTeam("other")));
  ASSERT_OK(this->Insert(MakeDomain("a", "gov")));
  ASSERT_OK(this->Insert(MakeDomain("b", "gov")));
  model::Policy g1 = MakePolicy("", "g1", "gov");
  model::Policy g2 = MakePolicy("", "g2", "other");
  g2.triggers = {"domain.delete"};
  g2.effect = "WARN";
  model::Policy a1 = MakePolicy("a", "p1", "gov");
  a1.enforcement = "DRY_RUN";
  model::Policy a2 = MakePolicy("a", "p2", "other");
  a2.triggers = {"domain.delete", "dataproduct.create"};
  model::Policy b1 = MakePolicy("b", "p1", "gov");
  b1.effect = "WARN";
  // Inserted out of order: lists are ordered by (domain_id, id).
  for (const auto* p : {&b1, &g2, &a2, &g1, &a1}) ASSERT_OK(this->Insert(*p));

  using Keys = std::vector<std::string>;
  for (int limit : {50, 1, 2}) {
    SCOPED_TRACE(absl::StrCat("limit ", limit));
    store::PolicyFilter f;
    EXPECT_EQ(this->AllPolicyKeys(f, limit), (Keys{"/g1", "/g2"}));
    f.domain_id = "a";
    EXPECT_EQ(this->AllPolicyKeys(f, limit), (Keys{"a/p1", "a/p2"}));
    f.any_domain = true;
    EXPECT_EQ(this->AllPolicyKeys(f, limit), (Keys{"a/p1", "a/p2", "b/p1"}));
  }
  store::PolicyFilter f;
  f.any_domain = true;
  f.trigger = "domain.delete";
  EXPECT_EQ(this->AllPolicyKeys(f, 10), (Keys{"a/p2"}));
  f.any_domain = false;
  EXPECT_EQ(this->AllPolicyKeys(f, 10), (Keys{"/g2"}));
  f = store::PolicyFilter();
  f.effect = "WARN";
  EXPECT_EQ(this->AllPolicyKeys(f, 10), (Keys{"/g2"}));
  f.any_domain = true;
  EXPECT_EQ(this->AllPolicyKeys(f, 10), (Keys{"b/p1"}));
  f = store::PolicyFilter();
  f.any_domain = true;
  f.enforcement = "DRY_RUN";
  EXPECT_EQ(this->AllPolicyKeys(f, 10), (Keys{"a/p1"}));
  f = store::PolicyFilter();
  f.any_domain = true;
  f.owner_team_id = "other";
  EXPECT_EQ(this->AllPolicyKeys(f, 10), (Keys{"a/p2"}));
  f.domain_id = "b";  // ignored with any_domain
  EXPECT_EQ(this->AllPolicyKeys(f, 10), (Keys{"a/p2"}));
  f = store::PolicyFilter();
  f.domain_id = "nope";
  EXPECT_TRUE(this->AllPolicyKeys(f, 10).empty());
  f.trigger = "%";
  EXPECT_TRUE(this->AllPolicyKeys(f, 10).empty());

  using Policies = std::vector<model::Policy>;
  ASSERT_OK_AND_ASSIGN(Policies all,
                       this->template Read<Policies>([](Transaction& txn) {
                         return txn.governance().AllPolicies();
                       }));
  ASSERT_EQ(all.size(), 5u);
  ExpectSamePolicy(all[0], g1);
  ExpectSamePolicy(all[1], g2);
  ExpectSamePolicy(all[2], a1);
  ExpectSamePolicy(all[3], a2);
  ExpectSamePolicy(all[4], b1);
}

TYPED_TEST_P(StoreContractTest, WaiversFiltersAndErrors) {
  ASSERT_OK(this->Insert(MakeTeam("gov")));
  ASSERT_OK(this->Insert(MakeDomain("sales", "gov")));
  model::Policy g = MakePolicy("", "g", "gov");
  model::Policy s = MakePolicy("sales", "s", "gov");
  ASSERT_OK(this->Insert(g));
  ASSERT_OK(this->Insert(s));
  const absl::Time soon = T0() + absl::Hours(1);
  const absl::Time later = T0() + absl::Hours(48);
  model::Waiver w1 = MakeWaiver(g.key(), "w1", "domains/sales", soon);
  model::Waiver w2 = MakeWaiver(g.key(), "w2", "domains/finance", later);
  model::Waiver w3 = MakeWaiver(s.key(), "w3", "domains/sales", later);
  model::Waiver w0 = MakeWaiver(s.key(), "w0", "domains/x", soon);
  w3.policy_revision = 4;
  w3.reason = NastyStrings()[3];
  for (const auto* w : {&w3, &w1, &w0, &w2}) ASSERT_OK(this->Insert(*w));

  ASSERT_OK_AND_ASSIGN(model::Waiver got, this->GetWaiver(s.key(), "w3"));
  ExpectSameWaiver(got, w3);
  EXPECT_THAT(this->Insert(w1), StatusIs(absl::StatusCode::kAlreadyExists,
                                         "policies/g/waivers/w1"));
  EXPECT_THAT(this->Insert(MakeWaiver({"", "ghost"}, "w", "domains/a", soon)),
              StatusIs(absl::StatusCode::kNotFound, "policies/ghost"));
  EXPECT_THAT(this->GetWaiver(g.key(), "w3"),
              StatusIs(absl::StatusCode::kNotFound, "policies/g/waivers/w3"));

  using Ids = std::vector<std::string>;
  for (int limit : {50, 1}) {
    SCOPED_TRACE(absl::StrCat("limit ", limit));
    store::WaiverFilter f;
    f.all_policies = true;
    // (policy domain_id, policy id, id): the global policy's first.
    EXPECT_EQ(this->AllWaiverIds(f, limit), (Ids{"w1", "w2", "w0", "w3"}));
    f.resource = "domains/sales";
    EXPECT_EQ(this->AllWaiverIds(f, limit), (Ids{"w1", "w3"}));
    f = store::WaiverFilter();
    f.policy = s.key();
    EXPECT_EQ(this->AllWaiverIds(f, limit), (Ids{"w0", "w3"}));
    f.not_expired_at = soon;  // w0 expires at exactly `soon`: expired
    EXPECT_EQ(this->AllWaiverIds(f, limit), (Ids{"w3"}));
    f.not_expired_at = soon - absl::Microseconds(1);
    EXPECT_EQ(this->AllWaiverIds(f, limit), (Ids{"w0", "w3"}));
  }
  store::WaiverFilter none;
  none.policy = {"", "nope"};
  EXPECT_TRUE(this->AllWaiverIds(none, 10).empty());

  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.governance().DeleteWaiver(g.key(), "w1");
  }));
  EXPECT_THAT(this->GetWaiver(g.key(), "w1"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.governance().DeleteWaiver(g.key(), "w1");
  }),
              StatusIs(absl::StatusCode::kNotFound, "policies/g/waivers/w1"));
  EXPECT_OK(this->GetPolicy("", "g"));
}

TYPED_TEST_P(StoreContractTest, NotifyIsDeliveredOnCommitOnly) {
  NotificationRecorder rec;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::Listener> listener,
                       this->store_->NewListener());
  ASSERT_OK(listener->Start({"mp_a", "mp_b"}, rec.Handler()));
  EXPECT_THAT(listener->Start({"mp_a"}, rec.Handler()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // The first delivery is the resync, once LISTEN is in place.
  ASSERT_TRUE(rec.WaitUntil([&] { return !rec.got().empty(); }));
  EXPECT_TRUE(rec.got()[0].resync);
  EXPECT_TRUE(listener->connected());

  // An open transaction's notification waits for its commit...
  ASSERT_OK_AND_ASSIGN(auto pending, this->store_->Begin(TxnMode::kReadWrite));
  ASSERT_OK(pending->Notify("mp_a", "pending"));
  ASSERT_OK(this->Write([](Transaction& txn) -> absl::Status {
    MP_RETURN_IF_ERROR(txn.Notify("mp_a", "first"));
    MP_RETURN_IF_ERROR(txn.Notify("mp_b", NastyStrings()[5]));
    return txn.Notify("mp_unheard", "nobody listens");
  }));
  ASSERT_TRUE(rec.WaitForPayload("mp_b", NastyStrings()[5]));
  EXPECT_EQ(rec.Payloads("mp_a"), (std::vector<std::string>{"first"}));
  ASSERT_OK(pending->Commit());
  ASSERT_TRUE(rec.WaitForPayload("mp_a", "pending"));

  // ...and a rolled-back one is never sent: what commits after it arrives
  // alone.
  {
    ASSERT_OK_AND_ASSIGN(auto txn, this->store_->Begin(TxnMode::kReadWrite));
    ASSERT_OK(txn->Notify("mp_a", "rolled-back"));
  }
  EXPECT_THAT(this->Write([](Transaction& txn) -> absl::Status {
    MP_RETURN_IF_ERROR(txn.Notify("mp_a", "refused"));
    return absl::FailedPreconditionError("the caller changed its mind");
  }),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(
      this->Write([](Transaction& txn) { return txn.Notify("mp_a", "last"); }));
  ASSERT_TRUE(rec.WaitForPayload("mp_a", "last"));
  EXPECT_EQ(rec.Payloads("mp_a"),
            (std::vector<std::string>{"first", "pending", "last"}));
  for (const auto& n : rec.got()) EXPECT_NE(n.channel, "mp_unheard");
  EXPECT_EQ(rec.resyncs(), 1);
}

TYPED_TEST_P(StoreContractTest, NotifyChecksModeChannelAndPayload) {
  for (TxnMode mode : {TxnMode::kReadOnly, TxnMode::kSingleRead}) {
    ASSERT_OK_AND_ASSIGN(auto txn, this->store_->Begin(mode));
    EXPECT_THAT(txn->Notify("mp_a", "x"),
                StatusIs(absl::StatusCode::kFailedPrecondition, "read-write"));
  }
  ASSERT_OK_AND_ASSIGN(auto txn, this->store_->Begin(TxnMode::kReadWrite));
  EXPECT_THAT(txn->Notify("mp_a", std::string(8000, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument, "8000"));
  EXPECT_THAT(txn->Notify("", "x"),
              StatusIs(absl::StatusCode::kInvalidArgument, "channel"));
  EXPECT_THAT(txn->Notify(std::string(64, 'c'), "x"),
              StatusIs(absl::StatusCode::kInvalidArgument, "channel"));
  // The largest payload PostgreSQL takes; the transaction is still usable.
  EXPECT_OK(txn->Notify("mp_a", std::string(7999, 'x')));
  EXPECT_OK(txn->Commit());

  ASSERT_OK_AND_ASSIGN(auto listener, this->store_->NewListener());
  EXPECT_THAT(listener->Start({""}, [](const auto&) {}),
              StatusIs(absl::StatusCode::kInvalidArgument, "channel"));
  EXPECT_THAT(listener->Start({"mp_a"}, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// -------------------------------------------------------------- contracts

TYPED_TEST_P(StoreContractTest, ContractRoundTripAndErrors) {
  this->SetUpProducts();
  model::Contract c = MakeContract("orders.v1_a-0", {"sales", "orders"});
  c.deprecation_message = NastyStrings()[3];
  ASSERT_OK(this->Insert(c));
  ASSERT_OK_AND_ASSIGN(model::Contract got, this->GetContract(c.id));
  ExpectSameContract(got, c);

  EXPECT_THAT(this->Insert(c), StatusIs(absl::StatusCode::kAlreadyExists,
                                        "contracts/orders.v1_a-0"));
  EXPECT_THAT(this->Insert(MakeContract("x", {"sales", "ghost"})),
              StatusIs(absl::StatusCode::kNotFound,
                       "domains/sales/dataProducts/ghost"));
  EXPECT_THAT(this->GetContract("nope"),
              StatusIs(absl::StatusCode::kNotFound, "contracts/nope"));
  // A refused insert leaves the transaction usable and wrote nothing.
  EXPECT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    EXPECT_THAT(txn.contracts().InsertContract(c),
                StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(
        txn.contracts().InsertContract(MakeContract("x", {"nope", "nope"})),
        StatusIs(absl::StatusCode::kNotFound));
    return txn.contracts().InsertContract(
        MakeContract("second", {"sales", "orders"}));
  }));
  EXPECT_OK(this->GetContract("second"));
  EXPECT_THAT(this->GetContract("x"), StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST_P(StoreContractTest, ContractUpdateChecksRevisionAndProduct) {
  this->SetUpProducts();
  model::Contract c = MakeContract("orders", {"sales", "orders"});
  ASSERT_OK(this->Insert(c));
  model::Contract next = c;
  next.state = "DEPRECATED";
  next.deprecation_message = "use orders-v2";
  next.compatibility_mode = "FULL";
  next.latest_version = "2.0.0-rc.1";
  next.version_count = 4;
  next.labels.clear();
  next.update_time = T0() + absl::Hours(1);
  next.revision = 2;
  auto update = [&](const model::Contract& v, int64_t expected) {
    return this->Write([&](Transaction& txn) {
      return txn.contracts().UpdateContract(v, expected);
    });
  };
  ASSERT_OK(update(next, 1));
  ASSERT_OK_AND_ASSIGN(model::Contract got, this->GetContract("orders"));
  ExpectSameContract(got, next);

  absl::Status stale = update(next, 1);
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted, "contracts/orders"));
  EXPECT_FALSE(store::IsRetryableConflict(stale));
  model::Contract moved = next;
  moved.product = {"sales", "refunds"};
  moved.revision = 3;
  EXPECT_THAT(update(moved, 2),
              StatusIs(absl::StatusCode::kFailedPrecondition, "immutable"));
  model::Contract ghost = MakeContract("ghost", {"sales", "orders"});
  EXPECT_THAT(update(ghost, 1),
              StatusIs(absl::StatusCode::kNotFound, "contracts/ghost"));
  ASSERT_OK_AND_ASSIGN(got, this->GetContract("orders"));
  ExpectSameContract(got, next);
}

TYPED_TEST_P(StoreContractTest, ListContractsFiltersAndPages) {
  this->SetUpProducts();
  // Ids in bytewise order: upper case and digits before lower case.
  for (const std::string id : {"b", "A", "a.1", "a_1", "a-1", "9"}) {
    ASSERT_OK(this->Insert(MakeContract(id, {"sales", "orders"})));
  }
  model::Contract refunds = MakeContract("r", {"sales", "refunds"});
  refunds.state = "DEPRECATED";
  ASSERT_OK(this->Insert(refunds));
  ASSERT_OK(this->Insert(MakeContract("ledger", {"finance", "ledger"})));

  const std::vector<std::string> all = {"9",   "A", "a-1",    "a.1",
                                        "a_1", "b", "ledger", "r"};
  for (int limit : {1, 2, 3, 100}) {
    EXPECT_EQ(this->AllContractIds({}, limit), all) << "limit " << limit;
  }
  store::ContractFilter by_product;
  by_product.product = model::ProductKey{"sales", "orders"};
  EXPECT_EQ(this->AllContractIds(by_product, 2),
            (std::vector<std::string>{"9", "A", "a-1", "a.1", "a_1", "b"}));
  store::ContractFilter by_domain;
  by_domain.domain_id = "sales";
  EXPECT_EQ(
      this->AllContractIds(by_domain, 3),
      (std::vector<std::string>{"9", "A", "a-1", "a.1", "a_1", "b", "r"}));
  by_domain.domain_id = "finance";
  EXPECT_EQ(this->AllContractIds(by_domain, 3),
            (std::vector<std::string>{"ledger"}));
  store::ContractFilter deprecated;
  deprecated.state = "DEPRECATED";
  EXPECT_EQ(this->AllContractIds(deprecated, 3),
            (std::vector<std::string>{"r"}));
  deprecated.domain_id = "finance";
  EXPECT_TRUE(this->AllContractIds(deprecated, 3).empty());
  store::ContractFilter ghost;
  ghost.product = model::ProductKey{"sales", "ghost"};
  EXPECT_TRUE(this->AllContractIds(ghost, 3).empty());
}

TYPED_TEST_P(StoreContractTest, ContractVersionRoundTripAndErrors) {
  this->SetUpProducts();
  ASSERT_OK(this->Insert(MakeContract("orders", {"sales", "orders"})));
  model::ContractVersion v = MakeVersion("orders", "1.2.0-rc.1+build.7");
  v.original_yaml = NastyStrings()[5] + "\n# " + NastyStrings()[6];
  v.report_json = "";  // the first version has no report
  ASSERT_OK(this->Insert(v));
  auto get = [&](const std::string& contract, const std::string& version) {
    return this->template Read<model::ContractVersion>([&](Transaction& t) {
      return t.contracts().GetContractVersion(contract, version);
    });
  };
  ASSERT_OK_AND_ASSIGN(model::ContractVersion got,
                       get("orders", "1.2.0-rc.1+build.7"));
  ExpectSameVersion(got, v);
  EXPECT_EQ(got.prerelease, "rc.1");

  EXPECT_THAT(this->Insert(v),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       "contracts/orders/versions/1.2.0-rc.1+build.7"));
  EXPECT_THAT(this->Insert(MakeVersion("ghost", "1.0.0")),
              StatusIs(absl::StatusCode::kNotFound, "contracts/ghost"));
  EXPECT_THAT(
      get("orders", "9.9.9"),
      StatusIs(absl::StatusCode::kNotFound, "contracts/orders/versions/9.9.9"));
  EXPECT_THAT(get("ghost", "1.0.0"),
              StatusIs(absl::StatusCode::kNotFound, "contracts/ghost"));
  auto list = [&](const std::string& contract) {
    return this->template Read<
        store::Page<model::ContractVersion>>([&](Transaction& t) {
      return t.contracts().ListContractVersions(contract, PageRequest{"", 10});
    });
  };
  EXPECT_THAT(list("ghost"),
              StatusIs(absl::StatusCode::kNotFound, "contracts/ghost"));
  EXPECT_THAT(this->template Read<std::vector<model::ContractVersion>>(
                  [&](Transaction& t) {
                    return t.contracts().AllContractVersions("ghost");
                  }),
              StatusIs(absl::StatusCode::kNotFound, "contracts/ghost"));
  // A contract without versions lists none.
  ASSERT_OK(this->Insert(MakeContract("empty", {"sales", "orders"})));
  ASSERT_OK_AND_ASSIGN(auto page, list("empty"));
  EXPECT_TRUE(page.items.empty());
  EXPECT_EQ(page.next, "");
}

// semver.org 11.4's example and more, inserted out of order: newest first
// by precedence, a release above its pre-releases, build metadata ignored.
TYPED_TEST_P(StoreContractTest, ContractVersionsOrderedBySemverPrecedence) {
  this->SetUpProducts();
  ASSERT_OK(this->Insert(MakeContract("orders", {"sales", "orders"})));
  ASSERT_OK(this->Insert(MakeContract("other", {"sales", "orders"})));
  const std::vector<std::string> ascending = {
      "0.9.0",          "1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta",
      "1.0.0-beta",     "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",
      "1.0.0",          "1.0.1",        "1.2.0",         "1.10.0",
      "2.0.0-rc.1+b.2", "2.0.0",        "10.0.0"};
  const std::vector<size_t> insert_order = {13, 4, 11, 0, 7, 14, 2, 9,
                                            6,  1, 12, 5, 8, 3,  10};
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    for (size_t i : insert_order) {
      MP_RETURN_IF_ERROR(txn.contracts().InsertContractVersion(
          MakeVersion("orders", ascending[i])));
    }
    return txn.contracts().InsertContractVersion(
        MakeVersion("other", "99.0.0"));
  }));
  std::vector<std::string> descending(ascending.rbegin(), ascending.rend());
  for (int limit : {1, 2, 4, 100}) {
    EXPECT_EQ(this->AllVersionsListed("orders", limit), descending)
        << "limit " << limit;
  }
  ASSERT_OK_AND_ASSIGN(std::vector<model::ContractVersion> all,
                       this->template Read<std::vector<model::ContractVersion>>(
                           [&](Transaction& t) {
                             return t.contracts().AllContractVersions("orders");
                           }));
  std::vector<std::string> oldest_first;
  for (const auto& v : all) oldest_first.push_back(v.version);
  EXPECT_EQ(oldest_first, ascending);
  // A cursor the contract does not have gives an empty page.
  ASSERT_OK_AND_ASSIGN(auto page,
                       this->template Read<store::Page<model::ContractVersion>>(
                           [&](Transaction& t) {
                             return t.contracts().ListContractVersions(
                                 "orders", PageRequest{"7.7.7", 5});
                           }));
  EXPECT_TRUE(page.items.empty());
}

TYPED_TEST_P(StoreContractTest, ProductDeleteRefusedWhileItOwnsContracts) {
  this->SetUpProducts();
  ASSERT_OK(this->Insert(MakeContract("orders-b", {"sales", "orders"})));
  ASSERT_OK(this->Insert(MakeContract("orders-a", {"sales", "orders"})));
  ASSERT_OK(this->Insert(MakeVersion("orders-a", "1.0.0")));
  auto del = [&](const std::string& domain, const std::string& id) {
    return this->Write([&](Transaction& txn) {
      return txn.registry().DeleteDataProduct(model::ProductKey{domain, id});
    });
  };
  EXPECT_THAT(
      del("sales", "orders"),
      StatusIs(absl::StatusCode::kFailedPrecondition, "contracts/orders-a"));
  EXPECT_OK(this->GetProduct("sales", "orders"));
  EXPECT_OK(this->GetContract("orders-a"));
  // Products without contracts still go; the domain of a product that owns
  // contracts cannot (it still has that product).
  EXPECT_OK(del("sales", "refunds"));
  EXPECT_OK(del("finance", "ledger"));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.registry().DeleteDomain("sales");
  }),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TYPED_TEST_P(StoreContractTest, ContractReadersListPortsAndTheirReaders) {
  // orders promises "shared" on two ports; clean and report read one of
  // them, audit the other; island's port promises another contract.
  ASSERT_OK(this->Insert(MakeTeam("t")));
  ASSERT_OK(this->Insert(MakeTeam("u")));
  ASSERT_OK(this->Insert(MakeDomain("d", "t")));
  model::DataProduct orders = MakeProduct("d", "orders", "t");
  orders.output_ports = {MakeOutputPort("b-v1"), MakeOutputPort("a-v1")};
  orders.output_ports[0].contract_id = "shared";
  orders.output_ports[1].contract_id = "shared";
  ASSERT_OK(this->Insert(orders));
  model::DataProduct clean = MakeProduct("d", "clean", "u");
  clean.input_ports = {MakeInputPort("in", {"d", "orders", "b-v1"})};
  ASSERT_OK(this->Insert(clean));
  model::DataProduct report = MakeProduct("d", "report", "t");
  report.input_ports = {MakeInputPort("z", {"d", "orders", "b-v1"}),
                        MakeInputPort("a", {"d", "orders", "a-v1"})};
  ASSERT_OK(this->Insert(report));
  ASSERT_OK(this->Insert(MakeProduct("d", "island", "t")));

  auto readers = [&](const std::string& id) {
    auto r = this->template Read<std::vector<store::ContractPortReader>>(
        [&](Transaction& txn) { return txn.contracts().ContractReaders(id); });
    EXPECT_THAT(r, IsOk());
    std::vector<std::string> out;
    if (!r.ok()) return out;
    for (const auto& c : *r) {
      std::string row = absl::StrCat(c.port.product_id, "/", c.port.port_id,
                                     "(", c.port_owner_team_id, ")");
      if (c.reader) {
        absl::StrAppend(&row, " <- ", c.reader->product_id, "/",
                        c.reader_input_port_id, "(", c.reader_owner_team_id,
                        ")");
      }
      out.push_back(row);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(readers("shared"),
            (V{"orders/a-v1(t) <- report/a(t)", "orders/b-v1(t) <- clean/in(u)",
               "orders/b-v1(t) <- report/z(t)"}));
  // A port nobody reads is listed once, without a reader.
  EXPECT_EQ(readers("contract-island-v1"), (V{"island/island-v1(t)"}));
  EXPECT_EQ(readers("nobody-promises-this"), V{});
  EXPECT_EQ(readers(""), V{});
}

// ------------------------------------------------------------------ access

TYPED_TEST_P(StoreContractTest, AccessRequestRoundTripAndInsertErrors) {
  this->SetUpPorts();
  const model::OutputPortRef v1{"sales", "orders", "v1"};
  model::AccessRequest r =
      MakeAccessRequest("0b6c2f8e-0001", v1, "team:analytics", T0());
  r.actions = {"read", "write"};
  r.purpose = NastyStrings()[3] + " " + NastyStrings()[5];
  r.decision_json = NastyStrings()[7] + "  " + NastyStrings()[8];
  r.review_comment = NastyStrings()[6];
  r.requester = "user:" + NastyStrings()[0];
  ASSERT_OK(this->Insert(r));
  ASSERT_OK_AND_ASSIGN(model::AccessRequest got, this->GetAccessRequest(r.id));
  ExpectSameAccessRequest(got, r);

  // No expiry, no actions, no duration, a decided state: all kept as given.
  model::AccessRequest odd =
      MakeAccessRequest("0b6c2f8e-0002", v1, "user:bo@example.com", T0());
  odd.expire_time = absl::InfiniteFuture();
  odd.actions.clear();
  odd.duration = absl::ZeroDuration();
  odd.state = model::AccessRequestState::kWithdrawn;
  odd.decision_json.clear();
  ASSERT_OK(this->Insert(odd));
  ASSERT_OK_AND_ASSIGN(got, this->GetAccessRequest(odd.id));
  ExpectSameAccessRequest(got, odd);

  EXPECT_THAT(this->Insert(r), StatusIs(absl::StatusCode::kAlreadyExists,
                                        "accessRequests/0b6c2f8e-0001"));
  model::AccessRequest ghost_port = MakeAccessRequest(
      "0b6c2f8e-0003", {"sales", "orders", "ghost"}, "team:analytics", T0());
  EXPECT_THAT(this->Insert(ghost_port),
              StatusIs(absl::StatusCode::kNotFound,
                       "domains/sales/dataProducts/orders/outputPorts/ghost"));
  model::AccessRequest ghost_product = MakeAccessRequest(
      "0b6c2f8e-0003", {"sales", "ghost", "v1"}, "team:analytics", T0());
  EXPECT_THAT(this->Insert(ghost_product),
              StatusIs(absl::StatusCode::kNotFound,
                       "domains/sales/dataProducts/ghost/outputPorts/v1"));
  // The id is checked first: a duplicate for a missing port is a duplicate.
  model::AccessRequest both = r;
  both.port = ghost_port.port;
  EXPECT_THAT(this->Insert(both), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(
      this->GetAccessRequest("0b6c2f8e-0003"),
      StatusIs(absl::StatusCode::kNotFound, "accessRequests/0b6c2f8e-0003"));
  // A refused insert leaves the transaction usable and wrote nothing.
  EXPECT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    EXPECT_THAT(txn.access().InsertAccessRequest(r),
                StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(txn.access().InsertAccessRequest(ghost_port),
                StatusIs(absl::StatusCode::kNotFound));
    return txn.access().InsertAccessRequest(MakeAccessRequest(
        "0b6c2f8e-0004", {"finance", "ledger", "ledger-v1"}, "team:a", T0()));
  }));
  EXPECT_OK(this->GetAccessRequest("0b6c2f8e-0004"));
  EXPECT_THAT(this->GetAccessRequest("0b6c2f8e-0003"),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(got, this->GetAccessRequest(r.id));
  ExpectSameAccessRequest(got, r);
}

TYPED_TEST_P(StoreContractTest, AccessRequestUpdateChecksRevision) {
  this->SetUpPorts();
  model::AccessRequest r = MakeAccessRequest(
      "aaaa-0001", {"sales", "orders", "v1"}, "team:analytics", T0());
  ASSERT_OK(this->Insert(r));
  model::AccessRequest next = r;
  next.state = model::AccessRequestState::kApproved;
  next.grant_id = "bbbb-0001";
  next.reviewer = "user:owner@example.com";
  next.review_comment = NastyStrings()[4];
  next.update_time = T0() + absl::Hours(1) + absl::Microseconds(3);
  next.revision = 2;
  auto update = [&](const model::AccessRequest& v, int64_t expected) {
    return this->Write([&](Transaction& txn) {
      return txn.access().UpdateAccessRequest(v, expected);
    });
  };
  ASSERT_OK(update(next, 1));
  ASSERT_OK_AND_ASSIGN(model::AccessRequest got, this->GetAccessRequest(r.id));
  ExpectSameAccessRequest(got, next);

  absl::Status stale = update(next, 1);
  EXPECT_THAT(stale,
              StatusIs(absl::StatusCode::kAborted, "accessRequests/aaaa-0001"));
  EXPECT_FALSE(store::IsRetryableConflict(stale));
  model::AccessRequest ghost = MakeAccessRequest(
      "ffff-0001", {"sales", "orders", "v1"}, "team:analytics", T0());
  EXPECT_THAT(update(ghost, 1), StatusIs(absl::StatusCode::kNotFound,
                                         "accessRequests/ffff-0001"));
  model::AccessRequest moved = next;
  moved.port = {"sales", "orders", "ghost"};
  moved.revision = 3;
  EXPECT_THAT(update(moved, 2),
              StatusIs(absl::StatusCode::kNotFound,
                       "domains/sales/dataProducts/orders/outputPorts/ghost"));
  ASSERT_OK_AND_ASSIGN(got, this->GetAccessRequest(r.id));
  ExpectSameAccessRequest(got, next);
}

// Requests over three ports of two products, four consumers, two
// requesters, every state, with create_time ties and pending requests that
// expire just before, exactly at and just after `now`.
TYPED_TEST_P(StoreContractTest, ListAccessRequestsFiltersAndPages) {
  this->SetUpPorts();
  const std::vector<model::OutputPortRef> ports = {
      {"sales", "orders", "v1"},
      {"sales", "orders", "v2"},
      {"finance", "ledger", "ledger-v1"}};
  const std::vector<std::string> consumers = {"team:a", "team:b", "user:c",
                                              "service:d"};
  const std::vector<model::AccessRequestState> states = {
      model::AccessRequestState::kPending,
      model::AccessRequestState::kApproved,
      model::AccessRequestState::kPending,
      model::AccessRequestState::kDenied,
      model::AccessRequestState::kWithdrawn,
      model::AccessRequestState::kExpired};
  const absl::Time now = T0() + absl::Hours(1);
  std::vector<model::AccessRequest> all;
  for (int i = 0; i < 36; ++i) {
    // Ids not in create_time order; three requests share each time.
    std::string id =
        absl::StrCat(std::string(1, "0123456789abcdef"[i * 7 % 16]), "-", i);
    model::AccessRequest r = MakeAccessRequest(
        id, ports[i % 3], consumers[i % 4], T0() + absl::Seconds(i / 3));
    r.requester = i % 2 == 0 ? "user:ana@example.com" : "user:bo@example.com";
    r.state = states[i % 6];
    r.expire_time = now + absl::Microseconds(i % 5 - 2);  // now-2us .. now+2us
    all.push_back(r);
  }
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    for (size_t i = all.size(); i-- > 0;) {
      MP_RETURN_IF_ERROR(txn.access().InsertAccessRequest(all[i]));
    }
    return absl::OkStatus();
  }));

  auto expected = [&](const store::AccessRequestFilter& f) {
    std::vector<model::AccessRequest> keep;
    for (const auto& r : all) {
      if (f.state && r.StateAt(f.now) != *f.state) continue;
      if (f.port && !(r.port == *f.port)) continue;
      if (f.product && !(model::ProductKey{r.port.domain_id,
                                           r.port.product_id} == *f.product)) {
        continue;
      }
      if (!f.consumer.empty() && r.consumer != f.consumer) continue;
      if (!f.requester.empty() && r.requester != f.requester) continue;
      keep.push_back(r);
    }
    return NewestFirstIds(keep);
  };
  std::vector<std::pair<std::string, store::AccessRequestFilter>> cases;
  cases.emplace_back("all", store::AccessRequestFilter{});
  for (auto state : {model::AccessRequestState::kPending,
                     model::AccessRequestState::kExpired,
                     model::AccessRequestState::kApproved,
                     model::AccessRequestState::kDenied,
                     model::AccessRequestState::kWithdrawn}) {
    store::AccessRequestFilter f;
    f.state = state;
    f.now = now;
    cases.emplace_back(std::string(model::AccessRequestStateName(state)), f);
  }
  {
    store::AccessRequestFilter f;
    f.port = ports[1];
    cases.emplace_back("port", f);
    f = {};
    f.product = model::ProductKey{"sales", "orders"};
    cases.emplace_back("product", f);
    f = {};
    f.consumer = "user:c";
    cases.emplace_back("consumer", f);
    f = {};
    f.requester = "user:bo@example.com";
    cases.emplace_back("requester", f);
    f = {};
    f.state = model::AccessRequestState::kPending;
    f.now = now;
    f.product = model::ProductKey{"sales", "orders"};
    f.requester = "user:ana@example.com";
    cases.emplace_back("pending+product+requester", f);
    f = {};
    f.consumer = "team:nobody";
    cases.emplace_back("no match", f);
  }
  for (const auto& [name, f] : cases) {
    std::vector<std::string> want = expected(f);
    for (int limit : {1, 2, 5, 100}) {
      EXPECT_EQ(this->AllRequestIds(f, limit), want)
          << name << ", limit " << limit;
    }
  }
  // The state-as-of-now rule at the boundaries: expire_time == now is
  // expired; one microsecond later it is still pending.
  store::AccessRequestFilter pending;
  pending.state = model::AccessRequestState::kPending;
  pending.now = now;
  std::vector<std::string> pending_ids = this->AllRequestIds(pending, 100);
  store::AccessRequestFilter expired = pending;
  expired.state = model::AccessRequestState::kExpired;
  std::vector<std::string> expired_ids = this->AllRequestIds(expired, 100);
  for (const auto& r : all) {
    bool in_pending = std::count(pending_ids.begin(), pending_ids.end(), r.id);
    bool in_expired = std::count(expired_ids.begin(), expired_ids.end(), r.id);
    if (r.state == model::AccessRequestState::kPending) {
      EXPECT_EQ(in_pending, r.expire_time > now) << r.id;
      EXPECT_EQ(in_expired, r.expire_time <= now) << r.id;
    } else {
      EXPECT_FALSE(in_pending) << r.id;
      EXPECT_EQ(in_expired, r.state == model::AccessRequestState::kExpired)
          << r.id;
    }
  }
  EXPECT_FALSE(pending_ids.empty());
  // Without a `now` (InfinitePast) nothing has expired yet.
  pending.now = absl::InfinitePast();
  EXPECT_EQ(this->AllRequestIds(pending, 100).size(), 12u);

  ASSERT_OK_AND_ASSIGN(auto txn, this->store_->Begin(TxnMode::kReadOnly));
  EXPECT_THAT(txn->access().ListAccessRequests({}, PageRequest{"garbage", 10}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(txn->access().ListAccessRequests({}, PageRequest{"", 0}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TYPED_TEST_P(StoreContractTest, GrantRoundTripUpdateAndErrors) {
  this->SetUpPorts();
  const model::OutputPortRef v2{"sales", "orders", "v2"};
  model::Grant g = MakeGrant("cccc-0001", v2, "team:analytics", T0());
  g.actions = {"read", "write"};
  g.access_request_id = "aaaa-0001";
  g.purpose = NastyStrings()[5];
  ASSERT_OK(this->Insert(g));
  ASSERT_OK_AND_ASSIGN(model::Grant got, this->GetGrant(g.id));
  ExpectSameGrant(got, g);
  EXPECT_FALSE(got.revoke_time.has_value());

  model::Grant forever =
      MakeGrant("cccc-0002", v2, "user:bo@example.com", T0());
  forever.expire_time = absl::InfiniteFuture();
  ASSERT_OK(this->Insert(forever));
  ASSERT_OK_AND_ASSIGN(got, this->GetGrant(forever.id));
  ExpectSameGrant(got, forever);

  EXPECT_THAT(this->Insert(g),
              StatusIs(absl::StatusCode::kAlreadyExists, "grants/cccc-0001"));
  model::Grant ghost_port =
      MakeGrant("cccc-0003", {"finance", "ledger", "v9"}, "team:a", T0());
  EXPECT_THAT(this->Insert(ghost_port),
              StatusIs(absl::StatusCode::kNotFound,
                       "domains/finance/dataProducts/ledger/outputPorts/v9"));
  EXPECT_THAT(this->GetGrant("cccc-0003"),
              StatusIs(absl::StatusCode::kNotFound, "grants/cccc-0003"));

  // Revocation is an update.
  model::Grant revoked = g;
  revoked.revoke_time = T0() + absl::Hours(2) + absl::Microseconds(9);
  revoked.revoked_by = "user:admin@example.com";
  revoked.revoke_reason = NastyStrings()[3];
  revoked.revision = 2;
  auto update = [&](const model::Grant& v, int64_t expected) {
    return this->Write([&](Transaction& txn) {
      return txn.access().UpdateGrant(v, expected);
    });
  };
  ASSERT_OK(update(revoked, 1));
  ASSERT_OK_AND_ASSIGN(got, this->GetGrant(g.id));
  ExpectSameGrant(got, revoked);
  absl::Status stale = update(revoked, 1);
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted, "grants/cccc-0001"));
  EXPECT_FALSE(store::IsRetryableConflict(stale));
  EXPECT_THAT(update(ghost_port, 1),
              StatusIs(absl::StatusCode::kNotFound, "grants/cccc-0003"));
  model::Grant moved = revoked;
  moved.port = ghost_port.port;
  moved.revision = 3;
  EXPECT_THAT(update(moved, 2),
              StatusIs(absl::StatusCode::kNotFound,
                       "domains/finance/dataProducts/ledger/outputPorts/v9"));
  // Un-revoking (an update that clears revoke_time) is stored too.
  model::Grant restored = revoked;
  restored.revoke_time.reset();
  restored.revision = 3;
  ASSERT_OK(update(restored, 2));
  ASSERT_OK_AND_ASSIGN(got, this->GetGrant(g.id));
  ExpectSameGrant(got, restored);
}

// Grants over three ports, consumers a principal and its teams, some
// revoked, some expiring around `now`.
TYPED_TEST_P(StoreContractTest, ListGrantsFiltersAndPages) {
  this->SetUpPorts();
  const std::vector<model::OutputPortRef> ports = {
      {"sales", "orders", "v1"},
      {"sales", "orders", "v2"},
      {"finance", "ledger", "ledger-v1"}};
  const std::vector<std::string> consumers = {
      "user:ana@example.com", "team:analytics", "team:finance", "service:etl"};
  const absl::Time now = T0() + absl::Hours(5);
  std::vector<model::Grant> all;
  for (int i = 0; i < 30; ++i) {
    std::string id =
        absl::StrCat(std::string(1, "fedcba9876543210"[i * 5 % 16]), "-", i);
    model::Grant g = MakeGrant(id, ports[i % 3], consumers[i % 4],
                               T0() + absl::Seconds(i / 4));
    g.expire_time = now + absl::Microseconds(i % 3 - 1);  // now-1us .. now+1us
    if (i % 7 == 0) g.expire_time = absl::InfiniteFuture();
    if (i % 5 == 0) g.revoke_time = T0() + absl::Hours(1);
    all.push_back(g);
  }
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    for (const auto& g : all) MP_RETURN_IF_ERROR(txn.access().InsertGrant(g));
    return absl::OkStatus();
  }));
  auto expected = [&](const store::GrantFilter& f) {
    std::vector<model::Grant> keep;
    for (const auto& g : all) {
      if (f.port && !(g.port == *f.port)) continue;
      if (f.product && !(model::ProductKey{g.port.domain_id,
                                           g.port.product_id} == *f.product)) {
        continue;
      }
      if (!f.consumers.empty() &&
          std::find(f.consumers.begin(), f.consumers.end(), g.consumer) ==
              f.consumers.end()) {
        continue;
      }
      if (f.active_only && !g.ActiveAt(f.now)) continue;
      keep.push_back(g);
    }
    return NewestFirstIds(keep);
  };
  std::vector<std::pair<std::string, store::GrantFilter>> cases;
  cases.emplace_back("all", store::GrantFilter{});
  store::GrantFilter f;
  f.consumers = {"team:analytics"};
  cases.emplace_back("one consumer", f);
  f.consumers = {"user:ana@example.com", "team:analytics", "team:finance"};
  cases.emplace_back("a principal and its teams", f);
  f.active_only = true;
  f.now = now;
  cases.emplace_back("active consumers", f);
  f = {};
  f.active_only = true;
  f.now = now;
  cases.emplace_back("active", f);
  f.now = T0();
  cases.emplace_back("active earlier", f);
  f = {};
  f.product = model::ProductKey{"sales", "orders"};
  cases.emplace_back("product", f);
  f = {};
  f.port = ports[2];
  cases.emplace_back("port", f);
  f.active_only = true;
  f.now = now;
  f.consumers = {"team:finance", "service:etl"};
  cases.emplace_back("port+active+consumers", f);
  f = {};
  f.consumers = {"team:nobody"};
  cases.emplace_back("no match", f);
  for (const auto& [name, filter] : cases) {
    std::vector<std::string> want = expected(filter);
    for (int limit : {1, 3, 100}) {
      EXPECT_EQ(this->AllGrantIds(filter, limit), want)
          << name << ", limit " << limit;
    }
  }
  // active_only excludes exactly the revoked grants and those with
  // expire_time <= now.
  store::GrantFilter active;
  active.active_only = true;
  active.now = now;
  for (const std::string& id : this->AllGrantIds(active, 100)) {
    auto g = std::find_if(all.begin(), all.end(),
                          [&](const auto& x) { return x.id == id; });
    ASSERT_NE(g, all.end());
    EXPECT_FALSE(g->revoke_time.has_value()) << id;
    EXPECT_GT(g->expire_time, now) << id;
  }
  ASSERT_OK_AND_ASSIGN(auto txn, this->store_->Begin(TxnMode::kReadOnly));
  EXPECT_THAT(txn->access().ListGrants({}, PageRequest{"12/", 10}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(txn->access().ListGrants({}, PageRequest{"", 0}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TYPED_TEST_P(StoreContractTest, ActiveGrantsPagesInIdOrder) {
  this->SetUpPorts();
  const absl::Time now = T0() + absl::Hours(5);
  std::vector<model::Grant> all;
  std::vector<std::string> want;
  for (int i = 0; i < 25; ++i) {
    // Ids in bytewise order: digits, then upper case, then lower case.
    std::string id =
        absl::StrCat(std::string(1, "9Aa0zZ5"[i % 7]), "-", 24 - i);
    model::Grant g = MakeGrant(id, {"sales", "orders", i % 2 ? "v1" : "v2"},
                               "team:t", T0() + absl::Seconds(i));
    g.expire_time = now + absl::Microseconds(i % 3 - 1);  // now-1us .. now+1us
    if (i % 4 == 0) g.expire_time = absl::InfiniteFuture();
    if (i % 6 == 0) g.revoke_time = now - absl::Hours(1);
    if (g.ActiveAt(now)) want.push_back(id);
    all.push_back(g);
  }
  std::sort(want.begin(), want.end());
  ASSERT_FALSE(want.empty());
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    for (const auto& g : all) MP_RETURN_IF_ERROR(txn.access().InsertGrant(g));
    return absl::OkStatus();
  }));
  for (int limit : {1, 2, 3, 100}) {
    std::vector<std::string> got;
    std::string after;
    for (int guard = 0; guard < 100; ++guard) {
      auto page =
          this->template Read<std::vector<model::Grant>>([&](Transaction& t) {
            return t.access().ActiveGrants(now, after, limit);
          });
      ASSERT_THAT(page, IsOk());
      EXPECT_LE(static_cast<int>(page->size()), limit);
      for (const auto& g : *page) {
        EXPECT_TRUE(g.ActiveAt(now)) << g.id;
        got.push_back(g.id);
      }
      if (static_cast<int>(page->size()) < limit) break;
      after = page->back().id;
    }
    EXPECT_EQ(got, want) << "limit " << limit;
  }
  // `after` need not be an id that exists.
  auto rest = this->template Read<std::vector<model::Grant>>(
      [&](Transaction& t) { return t.access().ActiveGrants(now, "Z", 100); });
  ASSERT_THAT(rest, IsOk());
  std::vector<std::string> rest_ids;
  for (const auto& g : *rest) rest_ids.push_back(g.id);
  std::vector<std::string> rest_want;
  for (const auto& id : want) {
    if (id > "Z") rest_want.push_back(id);
  }
  EXPECT_EQ(rest_ids, rest_want);
  // Long after everything expired, only the never-expiring ones remain.
  auto late =
      this->template Read<std::vector<model::Grant>>([&](Transaction& t) {
        return t.access().ActiveGrants(now + absl::Hours(24 * 365), "", 100);
      });
  ASSERT_THAT(late, IsOk());
  for (const auto& g : *late) {
    EXPECT_EQ(g.expire_time, absl::InfiniteFuture()) << g.id;
  }
  EXPECT_FALSE(late->empty());
  EXPECT_THAT(
      this->template Read<std::vector<model::Grant>>(
          [&](Transaction& t) { return t.access().ActiveGrants(now, "", 0); }),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

TYPED_TEST_P(StoreContractTest, AppendAccessDecisionsInBatches) {
  this->SetUpPorts();
  std::vector<model::AccessDecision> batch;
  for (int i = 0; i < 3; ++i) {
    model::AccessDecision d;
    d.time = T0() + absl::Microseconds(i);
    d.caller = "service:trino";
    d.principal = "user:ana@example.com";
    d.port = {"sales", "orders", "v1"};
    d.action = "read";
    d.allowed = i != 1;
    d.grant_id = d.allowed ? "cccc-0001" : "";
    d.reason = d.allowed ? "" : NastyStrings()[i + 3];
    d.decision_json = i == 2 ? NastyStrings()[7] : "";
    batch.push_back(d);
  }
  // A port that does not exist is still logged: the log has no references.
  batch[2].port = {"nowhere", "ghost", "p"};
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.access().AppendAccessDecisions(batch);
  }));
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    MP_RETURN_IF_ERROR(txn.access().AppendAccessDecisions({batch[0]}));
    MP_RETURN_IF_ERROR(txn.access().AppendAccessDecisions({}));
    return txn.access().AppendAccessDecisions({batch[1], batch[2]});
  }));
  // The log is not a resource: no list, and reads are unaffected.
  EXPECT_OK(this->GetProduct("sales", "orders"));
}

// The schema's ON DELETE CASCADE: requests and grants go with their port,
// whether the port is dropped from its product or the product is deleted;
// a port created again under the same name starts without grants.
TYPED_TEST_P(StoreContractTest, AccessGoesWithItsPort) {
  this->SetUpPorts();
  const model::OutputPortRef v1{"sales", "orders", "v1"};
  const model::OutputPortRef v2{"sales", "orders", "v2"};
  const model::OutputPortRef ledger{"finance", "ledger", "ledger-v1"};
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    int n = 0;
    for (const auto& port : {v1, v2, ledger}) {
      ++n;
      MP_RETURN_IF_ERROR(txn.access().InsertAccessRequest(
          MakeAccessRequest(absl::StrCat("r-", n), port, "team:a", T0())));
      MP_RETURN_IF_ERROR(txn.access().InsertGrant(
          MakeGrant(absl::StrCat("g-", n), port, "team:a", T0())));
    }
    return absl::OkStatus();
  }));
  ASSERT_OK_AND_ASSIGN(model::DataProduct orders,
                       this->GetProduct("sales", "orders"));
  model::DataProduct without_v2 = orders;
  without_v2.output_ports.pop_back();
  without_v2.revision = 2;
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDataProduct(without_v2, 1);
  }));
  EXPECT_OK(this->GetAccessRequest("r-1"));
  EXPECT_OK(this->GetGrant("g-1"));
  EXPECT_THAT(this->GetAccessRequest("r-2"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->GetGrant("g-2"), StatusIs(absl::StatusCode::kNotFound));
  // An update that keeps every port keeps every grant.
  model::DataProduct renamed = without_v2;
  renamed.display_name = "Orders, renamed";
  renamed.revision = 3;
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDataProduct(renamed, 2);
  }));
  EXPECT_OK(this->GetGrant("g-1"));

  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.registry().DeleteDataProduct(
        model::ProductKey{"sales", "orders"});
  }));
  EXPECT_THAT(this->GetAccessRequest("r-1"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->GetGrant("g-1"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(this->GetAccessRequest("r-3"));
  EXPECT_OK(this->GetGrant("g-3"));

  ASSERT_OK(this->Insert(orders));
  store::GrantFilter on_v1;
  on_v1.port = v1;
  EXPECT_TRUE(this->AllGrantIds(on_v1, 10).empty());
  store::AccessRequestFilter requests_on_v1;
  requests_on_v1.port = v1;
  EXPECT_TRUE(this->AllRequestIds(requests_on_v1, 10).empty());
  ASSERT_OK_AND_ASSIGN(
      auto active,
      this->template Read<std::vector<model::Grant>>([&](Transaction& t) {
        return t.access().ActiveGrants(T0(), "", 100);
      }));
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].id, "g-3");
}

TYPED_TEST_P(StoreContractTest, ObservationsSummarizedPerWindow) {
  this->SetUpPorts();
  const model::OutputPortRef v1{"sales", "orders", "v1"};
  const model::OutputPortRef v2{"sales", "orders", "v2"};
  const absl::Time now = T0();
  auto obs = [](const model::OutputPortRef& port, model::Objective o,
                absl::Time t, double value) {
    return model::Observation{port, o, t, value};
  };
  const auto kFresh = model::Objective::kFreshness;
  const auto kUp = model::Objective::kAvailability;
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.slo().InsertObservations({
        obs(v1, kFresh, now - absl::Minutes(10), 60e6),  // good (<= 300 s)
        obs(v1, kFresh, now - absl::Hours(1), 900e6),    // on the 1 h edge
        obs(v1, kFresh, now - absl::Hours(2), 300e6),    // good, exactly
        obs(v1, kFresh, now - absl::Hours(48), 900e6),
        obs(v1, kFresh, now - absl::Hours(24 * 40), 1),  // older than 30 d
        obs(v1, kUp, now - absl::Minutes(1), 0),         // other objective
        obs(v2, kFresh, now + absl::Minutes(1), 1),      // other port
    });
  }));
  // An empty batch writes nothing; a missing port refuses the batch.
  EXPECT_OK(this->Write(
      [&](Transaction& txn) { return txn.slo().InsertObservations({}); }));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.slo().InsertObservations(
        {obs(v1, kFresh, now, 1),
         obs({"sales", "orders", "ghost"}, kFresh, now, 1)});
  }),
              StatusIs(absl::StatusCode::kNotFound));

  const std::vector<absl::Time> since = {
      now - absl::Hours(1), now - absl::Hours(24), now - absl::Hours(24 * 30)};
  auto summarize = [&](const model::OutputPortRef& port, model::Objective o,
                       store::ObservationTarget target) {
    return this->template Read<store::ObservationSummary>([&](Transaction& t) {
      return t.slo().SummarizeObservations(port, o, target, since);
    });
  };
  ASSERT_OK_AND_ASSIGN(auto fresh, summarize(v1, kFresh, {300e6, true}));
  ASSERT_EQ(fresh.windows.size(), 3u);
  // The window is open at its start: the observation exactly 1 h old is
  // outside the 1 h window, inside the 24 h one.
  EXPECT_EQ(fresh.windows[0].observations, 1);
  EXPECT_EQ(fresh.windows[0].good, 1);
  EXPECT_EQ(fresh.windows[1].observations, 3);
  EXPECT_EQ(fresh.windows[1].good, 2);
  EXPECT_EQ(fresh.windows[2].observations, 4);
  EXPECT_EQ(fresh.windows[2].good, 2);
  ASSERT_TRUE(fresh.last_observe_time.has_value());
  EXPECT_EQ(*fresh.last_observe_time, now - absl::Minutes(10));

  // At least, not at most: availability counts the up probes.
  ASSERT_OK_AND_ASSIGN(auto up, summarize(v1, kUp, {1, false}));
  EXPECT_EQ(up.windows[0].observations, 1);
  EXPECT_EQ(up.windows[0].good, 0);
  // A future observation counts in every window.
  ASSERT_OK_AND_ASSIGN(auto other, summarize(v2, kFresh, {300e6, true}));
  EXPECT_EQ(other.windows[0].observations, 1);
  EXPECT_EQ(*other.last_observe_time, now + absl::Minutes(1));
  // Nothing observed: zeros and no newest time.
  ASSERT_OK_AND_ASSIGN(auto none,
                       summarize(v2, model::Objective::kLatency, {1, true}));
  ASSERT_EQ(none.windows.size(), 3u);
  EXPECT_EQ(none.windows[2].observations, 0);
  EXPECT_FALSE(none.last_observe_time.has_value());

  // Pruning takes only the older observations of that series.
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.slo().PruneObservations(v1, kFresh, now - absl::Hours(24 * 31));
  }));
  ASSERT_OK_AND_ASSIGN(
      auto all,
      this->template Read<store::ObservationSummary>([&](Transaction& t) {
        return t.slo().SummarizeObservations(
            v1, kFresh, {300e6, true},
            {absl::InfinitePast(), now - absl::Hours(24 * 30)});
      }));
  EXPECT_EQ(all.windows[0].observations, 4);
  EXPECT_EQ(all.windows[1].observations, 4);
  ASSERT_OK_AND_ASSIGN(auto up_kept, summarize(v1, kUp, {1, false}));
  EXPECT_EQ(up_kept.windows[0].observations, 1);

  // Observations go with their port.
  ASSERT_OK_AND_ASSIGN(model::DataProduct orders,
                       this->GetProduct("sales", "orders"));
  orders.output_ports.pop_back();
  orders.revision = 2;
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.registry().UpdateDataProduct(orders, 1);
  }));
  ASSERT_OK_AND_ASSIGN(auto gone, summarize(v2, kFresh, {300e6, true}));
  EXPECT_EQ(gone.windows[2].observations, 0);
  ASSERT_OK_AND_ASSIGN(auto kept, summarize(v1, kFresh, {300e6, true}));
  EXPECT_EQ(kept.windows[2].observations, 4);
}

TYPED_TEST_P(StoreContractTest, BreachesOpenCloseListAndGoWithTheirPort) {
  this->SetUpPorts();
  const model::OutputPortRef v1{"sales", "orders", "v1"};
  const model::OutputPortRef v2{"sales", "orders", "v2"};
  const model::OutputPortRef ledger{"finance", "ledger", "ledger-v1"};
  auto breach = [](const std::string& id, const model::OutputPortRef& port,
                   model::Objective o, absl::Time start, absl::Time end) {
    model::Breach b;
    b.id = id;
    b.port = port;
    b.objective = o;
    b.start_time = start;
    b.end_time = end;
    b.detail = "staleness 15m > 5m; 'quoted' \"detail\"";
    return b;
  };
  const auto kFresh = model::Objective::kFreshness;
  const auto kUp = model::Objective::kAvailability;
  const absl::Time never = absl::InfinitePast();
  ASSERT_OK(this->Write([&](Transaction& txn) -> absl::Status {
    MP_RETURN_IF_ERROR(txn.slo().InsertBreach(
        breach("b-1", v1, kFresh, T0(), T0() + absl::Minutes(5))));
    MP_RETURN_IF_ERROR(txn.slo().InsertBreach(
        breach("b-2", v1, kFresh, T0() + absl::Hours(1), never)));
    MP_RETURN_IF_ERROR(txn.slo().InsertBreach(
        breach("b-3", v2, kUp, T0() + absl::Hours(2), never)));
    return txn.slo().InsertBreach(breach("b-4", ledger, kUp, T0(), never));
  }));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.slo().InsertBreach(breach("b-1", v2, kFresh, T0(), never));
  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  // One open breach per port and objective.
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.slo().InsertBreach(breach("b-5", v1, kFresh, T0(), never));
  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.slo().InsertBreach(
        breach("b-6", {"sales", "orders", "ghost"}, kFresh, T0(), never));
  }),
              StatusIs(absl::StatusCode::kNotFound));

  ASSERT_OK_AND_ASSIGN(
      auto open,
      this->template Read<std::optional<model::Breach>>(
          [&](Transaction& t) { return t.slo().GetOpenBreach(v1, kFresh); }));
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(open->id, "b-2");
  EXPECT_EQ(open->start_time, T0() + absl::Hours(1));
  EXPECT_TRUE(open->open());
  EXPECT_EQ(open->detail, "staleness 15m > 5m; 'quoted' \"detail\"");
  ASSERT_OK_AND_ASSIGN(
      auto none,
      this->template Read<std::optional<model::Breach>>(
          [&](Transaction& t) { return t.slo().GetOpenBreach(v1, kUp); }));
  EXPECT_FALSE(none.has_value());

  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.slo().CloseBreach("b-2", T0() + absl::Hours(3));
  }));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.slo().CloseBreach("b-2", T0() + absl::Hours(4));
  }),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(this->Write([&](Transaction& txn) {
    return txn.slo().CloseBreach("b-9", T0());
  }),
              StatusIs(absl::StatusCode::kNotFound));

  auto list = [&](store::BreachFilter filter, int limit) {
    return this->template AllNewestFirst<model::Breach>(
        [&](Transaction& t, const PageRequest& page) {
          return t.slo().ListBreaches(filter, page);
        },
        limit);
  };
  const model::ProductKey orders_key{"sales", "orders"};
  EXPECT_EQ(list({orders_key, "", false}, 1),
            (std::vector<std::string>{"b-3", "b-2", "b-1"}));
  EXPECT_EQ(list({orders_key, "v1", false}, 10),
            (std::vector<std::string>{"b-2", "b-1"}));
  EXPECT_EQ(list({orders_key, "", true}, 10),
            (std::vector<std::string>{"b-3"}));
  ASSERT_OK_AND_ASSIGN(auto page, this->template Read<store::Page<
                                      model::Breach>>([&](Transaction& t) {
    return t.slo().ListBreaches({orders_key, "v1", false}, PageRequest{"", 10});
  }));
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].end_time, T0() + absl::Hours(3));
  EXPECT_EQ(page.items[1].end_time, T0() + absl::Minutes(5));
  EXPECT_EQ(page.items[1].objective, kFresh);
  EXPECT_TRUE(page.items[1].port == v1);
  EXPECT_THAT(
      this->template Read<store::Page<model::Breach>>([&](Transaction& t) {
        return t.slo().ListBreaches({orders_key, "", false},
                                    PageRequest{"garbage", 10});
      }),
      StatusIs(absl::StatusCode::kInvalidArgument));

  // Breaches go with their port (and product).
  ASSERT_OK(this->Write([&](Transaction& txn) {
    return txn.registry().DeleteDataProduct(orders_key);
  }));
  EXPECT_TRUE(list({orders_key, "", false}, 10).empty());
  EXPECT_EQ(list({{"finance", "ledger"}, "", false}, 10),
            (std::vector<std::string>{"b-4"}));
}

// --------------------------------------------------------------- webhooks

// A webhook with every field set, its times off the microsecond grid (the
// stores keep microseconds) and a secret that breaks naive SQL.
inline model::Webhook MakeWebhook(const std::string& id) {
  model::Webhook w;
  w.id = id;
  w.url = "https://hooks.example.com/in/" + id + "?tenant=a&x='1'";
  w.resource_types = {"dataproduct", "domain"};
  w.domain_id = "sales";
  w.include_subdomains = true;
  w.secret = "s3cr3t-'quoted'-\"dq\"-$1-Grüße-" + id;
  w.creator = "user:admin@example.com";
  w.create_time = T0() + absl::Nanoseconds(789);
  w.delivered_sequence = 0;
  w.failing_attempts = 0;
  w.last_error = "";
  w.next_attempt_time = T0() + absl::Nanoseconds(999);
  return w;
}

// `t` truncated to the microsecond, as the stores keep it.
inline absl::Time TruncatedToMicros(absl::Time t) {
  return absl::FromUnixMicros(absl::ToUnixMicros(t));
}

inline void ExpectSameWebhook(const model::Webhook& got,
                              const model::Webhook& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.url, want.url);
  EXPECT_EQ(got.resource_types, want.resource_types);
  EXPECT_EQ(got.domain_id, want.domain_id);
  EXPECT_EQ(got.include_subdomains, want.include_subdomains);
  EXPECT_EQ(got.secret, want.secret);
  EXPECT_EQ(got.creator, want.creator);
  EXPECT_EQ(got.create_time, TruncatedToMicros(want.create_time));
  EXPECT_EQ(got.delivered_sequence, want.delivered_sequence);
  EXPECT_EQ(got.failing_attempts, want.failing_attempts);
  EXPECT_EQ(got.last_error, want.last_error);
  EXPECT_EQ(got.next_attempt_time, TruncatedToMicros(want.next_attempt_time));
}

inline model::WebhookDelivery MakeDelivery(const std::string& webhook_id,
                                           int64_t event_sequence,
                                           int32_t attempt, bool success) {
  model::WebhookDelivery d;
  d.webhook_id = webhook_id;
  d.event_sequence = event_sequence;
  d.event_type = "domain.created";
  d.attempt = attempt;
  d.time = T0() + absl::Seconds(event_sequence * 10 + attempt) +
           absl::Nanoseconds(321);
  d.http_status = success ? 204 : 0;
  d.success = success;
  d.error = success ? "" : "POST https://x/: Connection refused 'it's' \"q\"";
  d.duration = absl::Microseconds(1234) + absl::Nanoseconds(567);
  return d;
}

// "webhook/event/attempt" of each delivery, in order.
inline std::vector<std::string> DeliveryKeys(
    const std::vector<model::WebhookDelivery>& deliveries) {
  std::vector<std::string> out;
  for (const auto& d : deliveries) {
    out.push_back(
        absl::StrCat(d.webhook_id, "/", d.event_sequence, "/", d.attempt));
  }
  return out;
}

TYPED_TEST_P(StoreContractTest, WebhookRoundTripErrorsAndPages) {
  model::Webhook w = MakeWebhook("orders-feed");
  w.delivered_sequence = 42;
  w.failing_attempts = 3;
  w.last_error = "HTTP 503: busy 'try' \"later\"";
  w.next_attempt_time = T0() + absl::Minutes(1) + absl::Nanoseconds(500);
  ASSERT_OK(
      this->Write([&](Transaction& t) { return t.events().InsertWebhook(w); }));
  auto get = [&](const std::string& id) {
    return this->template Read<model::Webhook>(
        [&](Transaction& t) { return t.events().GetWebhook(id); });
  };
  ASSERT_OK_AND_ASSIGN(model::Webhook got, get("orders-feed"));
  ExpectSameWebhook(got, w);
  EXPECT_EQ(got.create_time, T0());  // truncated to the microsecond
  EXPECT_EQ(got.next_attempt_time, T0() + absl::Minutes(1));

  // No filters at all: an empty type list, all domains.
  model::Webhook all = MakeWebhook("all-events");
  all.resource_types.clear();
  all.domain_id = "";
  all.include_subdomains = false;
  ASSERT_OK(this->Write(
      [&](Transaction& t) { return t.events().InsertWebhook(all); }));
  ASSERT_OK_AND_ASSIGN(got, get("all-events"));
  ExpectSameWebhook(got, all);

  // The id is taken: refused, the first one stays, the transaction stays
  // usable.
  model::Webhook dup = MakeWebhook("orders-feed");
  dup.url = "http://elsewhere/";
  EXPECT_THAT(this->Write([&](Transaction& t) {
    return t.events().InsertWebhook(dup);
  }),
              StatusIs(absl::StatusCode::kAlreadyExists, "orders-feed"));
  ASSERT_OK_AND_ASSIGN(got, get("orders-feed"));
  EXPECT_EQ(got.url, w.url);

  // Absent: NOT_FOUND everywhere, nothing created.
  EXPECT_THAT(get("ghost"), StatusIs(absl::StatusCode::kNotFound, "ghost"));
  EXPECT_THAT(this->Write([](Transaction& t) {
    return t.events().DeleteWebhook("ghost");
  }),
              StatusIs(absl::StatusCode::kNotFound, "ghost"));
  model::Webhook ghost = MakeWebhook("ghost");
  EXPECT_THAT(this->Write([&](Transaction& t) {
    return t.events().UpdateWebhookState(ghost);
  }),
              StatusIs(absl::StatusCode::kNotFound, "ghost"));
  EXPECT_THAT(get("ghost"), StatusIs(absl::StatusCode::kNotFound));

  // Ordered by id, in pages, secrets included.
  ASSERT_OK(this->Write([&](Transaction& t) -> absl::Status {
    for (const char* id : {"w-c", "w-a", "w-e", "w-b", "w-d"}) {
      MP_RETURN_IF_ERROR(t.events().InsertWebhook(MakeWebhook(id)));
    }
    return absl::OkStatus();
  }));
  auto list_all = [&](int limit) {
    std::vector<std::string> ids;
    PageRequest page{"", limit};
    for (int guard = 0; guard < 100; ++guard) {
      auto result = this->template Read<store::Page<model::Webhook>>(
          [&](Transaction& t) { return t.events().ListWebhooks(page); });
      EXPECT_THAT(result, IsOk());
      if (!result.ok()) break;
      EXPECT_LE(static_cast<int>(result->items.size()), limit);
      for (const auto& item : result->items) {
        EXPECT_EQ(item.secret, MakeWebhook(item.id).secret) << item.id;
        ids.push_back(item.id);
      }
      if (result->next.empty()) break;
      EXPECT_FALSE(result->items.empty()) << "a non-final page is empty";
      page.after = result->next;
    }
    return ids;
  };
  const std::vector<std::string> sorted = {
      "all-events", "orders-feed", "w-a", "w-b", "w-c", "w-d", "w-e"};
  EXPECT_EQ(list_all(2), sorted);
  EXPECT_EQ(list_all(1), sorted);
  EXPECT_EQ(list_all(100), sorted);

  // Deleted: gone from Get and List.
  ASSERT_OK(this->Write(
      [](Transaction& t) { return t.events().DeleteWebhook("w-b"); }));
  EXPECT_THAT(get("w-b"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(list_all(3),
            (std::vector<std::string>{"all-events", "orders-feed", "w-a", "w-c",
                                      "w-d", "w-e"}));
  // A rolled-back delete changes nothing.
  EXPECT_THAT(this->Write([](Transaction& t) -> absl::Status {
    MP_RETURN_IF_ERROR(t.events().DeleteWebhook("w-c"));
    return absl::AbortedError("changed its mind");
  }),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_OK(get("w-c"));
}

// ClaimDueWebhook: only webhooks that are due (next_attempt_time <= now)
// and behind the feed, the longest due first by (next_attempt_time, id).
TYPED_TEST_P(StoreContractTest,
             ClaimDueWebhookTakesTheLongestDueBehindTheFeed) {
  // Claims in a transaction of its own (committed): the id, or "".
  auto claim = [&](absl::Time now) -> std::string {
    std::string id = "<error>";
    EXPECT_OK(this->Write([&](Transaction& t) -> absl::Status {
      MP_ASSIGN_OR_RETURN(std::optional<model::Webhook> w,
                          t.events().ClaimDueWebhook(now));
      id = w ? w->id : "";
      return absl::OkStatus();
    }));
    return id;
  };
  auto hook = [](const std::string& id, absl::Time next, int64_t delivered) {
    model::Webhook w = MakeWebhook(id);
    w.next_attempt_time = next;
    w.delivered_sequence = delivered;
    return w;
  };
  const absl::Time now = T0();
  ASSERT_OK(this->Write([&](Transaction& t) {
    return t.events().InsertWebhook(hook("lonely", now - absl::Hours(1), 0));
  }));
  // No events at all: nothing is behind.
  EXPECT_EQ(claim(now), "");

  std::vector<int64_t> seqs;
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK(this->Write([&](Transaction& t) -> absl::Status {
      MP_ASSIGN_OR_RETURN(int64_t seq, t.events().AppendEvent(model::Event{
                                           0, T0(), "domain.created",
                                           absl::StrCat("domains/d", i),
                                           absl::StrCat("d", i), "{}"}));
      seqs.push_back(seq);
      return absl::OkStatus();
    }));
  }
  const int64_t head = seqs.back();
  ASSERT_OK(this->Write(
      [](Transaction& t) { return t.events().DeleteWebhook("lonely"); }));
  ASSERT_OK(this->Write([&](Transaction& t) -> absl::Status {
    // Caught up with the newest event: never claimed, however long due.
    MP_RETURN_IF_ERROR(t.events().InsertWebhook(
        hook("caught-up", now - absl::Hours(2), head)));
    // Two due at the same instant: by id. "alpha" is one event behind.
    MP_RETURN_IF_ERROR(
        t.events().InsertWebhook(hook("zeta", now - absl::Minutes(2), 0)));
    MP_RETURN_IF_ERROR(t.events().InsertWebhook(
        hook("alpha", now - absl::Minutes(2), seqs[0])));
    MP_RETURN_IF_ERROR(
        t.events().InsertWebhook(hook("early", now - absl::Minutes(1), 0)));
    // Due exactly now.
    MP_RETURN_IF_ERROR(t.events().InsertWebhook(hook("exact", now, 0)));
    // Due a microsecond from now.
    return t.events().InsertWebhook(
        hook("future", now + absl::Microseconds(1), 0));
  }));

  // Nothing due yet before the first of them.
  EXPECT_EQ(claim(now - absl::Minutes(3)), "");
  // A committed claim that wrote nothing changes nothing: the same one.
  EXPECT_EQ(claim(now), "alpha");
  EXPECT_EQ(claim(now), "alpha");
  ASSERT_OK_AND_ASSIGN(model::Webhook alpha,
                       this->template Read<model::Webhook>([](Transaction& t) {
                         return t.events().GetWebhook("alpha");
                       }));
  // Each delivered in turn (caught up), the next one comes.
  std::vector<std::string> order;
  for (int guard = 0; guard < 10; ++guard) {
    std::string id;
    ASSERT_OK(this->Write([&](Transaction& t) -> absl::Status {
      MP_ASSIGN_OR_RETURN(std::optional<model::Webhook> w,
                          t.events().ClaimDueWebhook(now));
      if (!w) return absl::OkStatus();
      id = w->id;
      w->delivered_sequence = head;
      return t.events().UpdateWebhookState(*w);
    }));
    if (id.empty()) break;
    order.push_back(id);
  }
  EXPECT_EQ(order,
            (std::vector<std::string>{"alpha", "zeta", "early", "exact"}));
  // A microsecond later "future" is due too.
  EXPECT_EQ(claim(now + absl::Microseconds(1)), "future");

  // A new event puts everyone behind again: the longest due first.
  ASSERT_OK(this->Write([&](Transaction& t) {
    return t.events()
        .AppendEvent(model::Event{0, T0(), "team.updated", "teams/t", "", "{}"})
        .status();
  }));
  EXPECT_EQ(claim(now), "caught-up");

  // A backoff moves a webhook behind the others.
  ASSERT_OK(this->Write([&](Transaction& t) -> absl::Status {
    MP_ASSIGN_OR_RETURN(model::Webhook w, t.events().GetWebhook("caught-up"));
    w.failing_attempts = 1;
    w.next_attempt_time = now + absl::Minutes(5);
    return t.events().UpdateWebhookState(w);
  }));
  EXPECT_EQ(claim(now), "alpha");
  EXPECT_EQ(claim(now + absl::Minutes(5)), "alpha");
  EXPECT_EQ(alpha.delivered_sequence, seqs[0]);
}

// Two delivery workers: the second skips the webhook the first holds, and
// gets it once the first ends (rollback or commit).
TYPED_TEST_P(StoreContractTest, ClaimDueWebhookSkipsWhatAnotherHolds) {
  int64_t head = 0;
  ASSERT_OK(this->Write([&](Transaction& t) -> absl::Status {
    MP_ASSIGN_OR_RETURN(
        head, t.events().AppendEvent(model::Event{0, T0(), "domain.created",
                                                  "domains/d", "d", "{}"}));
    return absl::OkStatus();
  }));
  ASSERT_OK(this->Write([&](Transaction& t) -> absl::Status {
    model::Webhook first = MakeWebhook("first");
    first.next_attempt_time = T0() - absl::Minutes(2);
    model::Webhook second = MakeWebhook("second");
    second.next_attempt_time = T0() - absl::Minutes(1);
    MP_RETURN_IF_ERROR(t.events().InsertWebhook(first));
    return t.events().InsertWebhook(second);
  }));
  auto id_of = [](const absl::StatusOr<std::optional<model::Webhook>>& w) {
    EXPECT_THAT(w, IsOk());
    if (!w.ok()) return std::string("<error>");
    return w->has_value() ? (*w)->id : std::string();
  };

  // Read-write transactions only.
  {
    ASSERT_OK_AND_ASSIGN(auto ro, this->store_->Begin(TxnMode::kReadOnly));
    EXPECT_FALSE(ro->events().ClaimDueWebhook(T0()).ok());
  }

  ASSERT_OK_AND_ASSIGN(auto a, this->store_->Begin(TxnMode::kReadWrite));
  EXPECT_EQ(id_of(a->events().ClaimDueWebhook(T0())), "first");
  ASSERT_OK_AND_ASSIGN(auto b, this->store_->Begin(TxnMode::kReadWrite));
  EXPECT_EQ(id_of(b->events().ClaimDueWebhook(T0())), "second");
  ASSERT_OK_AND_ASSIGN(auto c, this->store_->Begin(TxnMode::kReadWrite));
  EXPECT_EQ(id_of(c->events().ClaimDueWebhook(T0())), "");

  // `a` rolls back: `c` gets "first".
  a.reset();
  EXPECT_EQ(id_of(c->events().ClaimDueWebhook(T0())), "first");
  // `b` commits without a change: a new worker gets "second" (`c` still
  // holds "first").
  ASSERT_OK(b->Commit());
  b.reset();
  ASSERT_OK_AND_ASSIGN(auto d, this->store_->Begin(TxnMode::kReadWrite));
  EXPECT_EQ(id_of(d->events().ClaimDueWebhook(T0())), "second");
  // `c` delivers "first" and commits: no longer behind, so a new worker
  // finds nothing (`d` holds "second") ...
  {
    ASSERT_OK_AND_ASSIGN(model::Webhook first, c->events().GetWebhook("first"));
    first.delivered_sequence = head;
    first.next_attempt_time = T0();
    ASSERT_OK(c->events().UpdateWebhookState(first));
    ASSERT_OK(c->events().AppendWebhookDeliveries(
        {MakeDelivery("first", head, 1, true)}, 10));
    ASSERT_OK(c->Commit());
    c.reset();
  }
  ASSERT_OK_AND_ASSIGN(auto e, this->store_->Begin(TxnMode::kReadWrite));
  EXPECT_EQ(id_of(e->events().ClaimDueWebhook(T0())), "");
  // ... until `d` lets go.
  d.reset();
  EXPECT_EQ(id_of(e->events().ClaimDueWebhook(T0())), "second");
  e.reset();
  ASSERT_OK_AND_ASSIGN(model::Webhook first,
                       this->template Read<model::Webhook>([](Transaction& t) {
                         return t.events().GetWebhook("first");
                       }));
  EXPECT_EQ(first.delivered_sequence, head);
}

// UpdateWebhookState writes the four delivery-state fields and nothing else.
TYPED_TEST_P(StoreContractTest, UpdateWebhookStateWritesOnlyTheState) {
  const model::Webhook original = MakeWebhook("hook");
  ASSERT_OK(this->Write(
      [&](Transaction& t) { return t.events().InsertWebhook(original); }));
  model::Webhook changed = MakeWebhook("hook");
  changed.url = "http://changed.example.com/";
  changed.resource_types = {"team"};
  changed.domain_id = "finance";
  changed.include_subdomains = false;
  changed.secret = "another-secret-of-some-length";
  changed.creator = "user:mallory@example.com";
  changed.create_time = T0() + absl::Hours(9);
  changed.delivered_sequence = 7;
  changed.failing_attempts = 2;
  changed.last_error = "timeout after 10s; 'q' \"dq\" \\ Grüße";
  changed.next_attempt_time = T0() + absl::Minutes(5) + absl::Nanoseconds(123);
  ASSERT_OK(this->Write(
      [&](Transaction& t) { return t.events().UpdateWebhookState(changed); }));
  model::Webhook want = original;
  want.delivered_sequence = 7;
  want.failing_attempts = 2;
  want.last_error = changed.last_error;
  want.next_attempt_time = changed.next_attempt_time;
  auto get = [&] {
    return this->template Read<model::Webhook>(
        [](Transaction& t) { return t.events().GetWebhook("hook"); });
  };
  ASSERT_OK_AND_ASSIGN(model::Webhook got, get());
  ExpectSameWebhook(got, want);
  EXPECT_EQ(got.next_attempt_time, T0() + absl::Minutes(5));

  // Back to healthy.
  model::Webhook healthy = got;
  healthy.delivered_sequence = 9;
  healthy.failing_attempts = 0;
  healthy.last_error = "";
  healthy.next_attempt_time = T0() + absl::Minutes(6);
  ASSERT_OK(this->Write(
      [&](Transaction& t) { return t.events().UpdateWebhookState(healthy); }));
  ASSERT_OK_AND_ASSIGN(got, get());
  ExpectSameWebhook(got, healthy);

  // Not committed: unchanged.
  EXPECT_THAT(this->Write([&](Transaction& t) -> absl::Status {
    MP_RETURN_IF_ERROR(t.events().UpdateWebhookState(changed));
    return absl::AbortedError("changed its mind");
  }),
              StatusIs(absl::StatusCode::kAborted));
  ASSERT_OK_AND_ASSIGN(got, get());
  ExpectSameWebhook(got, healthy);
}

// The delivery log: newest first, in pages, the newest `keep` per webhook,
// and it goes with its webhook.
TYPED_TEST_P(StoreContractTest, WebhookDeliveriesNewestFirstPrunedAndDeleted) {
  ASSERT_OK(this->Write([&](Transaction& t) -> absl::Status {
    MP_RETURN_IF_ERROR(t.events().InsertWebhook(MakeWebhook("h1")));
    return t.events().InsertWebhook(MakeWebhook("h2"));
  }));
  auto append = [&](const std::vector<model::WebhookDelivery>& batch,
                    int keep) {
    return this->Write([&](Transaction& t) {
      return t.events().AppendWebhookDeliveries(batch, keep);
    });
  };
  auto page = [&](const std::string& id, const PageRequest& request) {
    return this->template Read<store::Page<model::WebhookDelivery>>(
        [&](Transaction& t) {
          return t.events().ListWebhookDeliveries(id, request);
        });
  };
  // Every page of `id`'s log with `limit`: its keys in order.
  auto all = [&](const std::string& id, int limit) {
    std::vector<model::WebhookDelivery> out;
    PageRequest request{"", limit};
    for (int guard = 0; guard < 100; ++guard) {
      auto result = page(id, request);
      EXPECT_THAT(result, IsOk());
      if (!result.ok()) break;
      EXPECT_LE(static_cast<int>(result->items.size()), limit);
      for (const auto& d : result->items) out.push_back(d);
      if (result->next.empty()) break;
      EXPECT_FALSE(result->items.empty()) << "a non-final page is empty";
      request.after = result->next;
    }
    return DeliveryKeys(out);
  };

  EXPECT_OK(append({}, 10));  // an empty batch writes nothing
  EXPECT_TRUE(all("h1", 10).empty());
  ASSERT_OK(
      append({MakeDelivery("h1", 1, 1, true), MakeDelivery("h2", 1, 1, true),
              MakeDelivery("h1", 2, 1, false), MakeDelivery("h1", 2, 2, true)},
             100));
  // Newest first, in append order within a batch.
  const std::vector<std::string> h1 = {"h1/2/2", "h1/2/1", "h1/1/1"};
  EXPECT_EQ(all("h1", 10), h1);
  EXPECT_EQ(all("h1", 1), h1);
  EXPECT_EQ(all("h1", 2), h1);
  EXPECT_EQ(all("h2", 10), (std::vector<std::string>{"h2/1/1"}));
  // Every field, the time and duration to the microsecond.
  ASSERT_OK_AND_ASSIGN(auto first, page("h1", PageRequest{"", 2}));
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_FALSE(first.next.empty());
  const model::WebhookDelivery& failed = first.items[1];
  const model::WebhookDelivery want = MakeDelivery("h1", 2, 1, false);
  EXPECT_EQ(failed.webhook_id, "h1");
  EXPECT_EQ(failed.event_sequence, 2);
  EXPECT_EQ(failed.event_type, want.event_type);
  EXPECT_EQ(failed.attempt, 1);
  EXPECT_EQ(failed.time, TruncatedToMicros(want.time));
  EXPECT_EQ(failed.http_status, 0);
  EXPECT_FALSE(failed.success);
  EXPECT_EQ(failed.error, want.error);
  EXPECT_EQ(failed.duration, absl::Microseconds(1234));
  EXPECT_TRUE(first.items[0].success);
  EXPECT_EQ(first.items[0].http_status, 204);
  EXPECT_EQ(first.items[0].error, "");
  // Bad page requests; an unknown webhook has an empty log.
  EXPECT_THAT(page("h1", PageRequest{"garbage", 10}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(page("h1", PageRequest{"", 0}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(auto ghost, page("ghost", PageRequest{"", 10}));
  EXPECT_TRUE(ghost.items.empty());
  EXPECT_TRUE(ghost.next.empty());

  // An unknown webhook anywhere in the batch: NOT_FOUND, nothing appended.
  EXPECT_THAT(append({MakeDelivery("h1", 3, 1, true),
                      MakeDelivery("ghost", 3, 1, true)},
                     100),
              StatusIs(absl::StatusCode::kNotFound, "ghost"));
  EXPECT_EQ(all("h1", 10), h1);

  // `keep`: the newest of each webhook in the batch; the others untouched.
  ASSERT_OK(
      append({MakeDelivery("h1", 3, 1, true), MakeDelivery("h1", 4, 1, false),
              MakeDelivery("h1", 4, 2, false), MakeDelivery("h1", 4, 3, true)},
             3));
  EXPECT_EQ(all("h1", 2),
            (std::vector<std::string>{"h1/4/3", "h1/4/2", "h1/4/1"}));
  EXPECT_EQ(all("h2", 10), (std::vector<std::string>{"h2/1/1"}));
  ASSERT_OK(append(
      {MakeDelivery("h2", 5, 1, true), MakeDelivery("h1", 5, 1, true)}, 2));
  EXPECT_EQ(all("h1", 10), (std::vector<std::string>{"h1/5/1", "h1/4/3"}));
  EXPECT_EQ(all("h2", 10), (std::vector<std::string>{"h2/5/1", "h2/1/1"}));
  ASSERT_OK(append({MakeDelivery("h2", 6, 1, true)}, 1));
  EXPECT_EQ(all("h2", 10), (std::vector<std::string>{"h2/6/1"}));
  EXPECT_EQ(all("h1", 10), (std::vector<std::string>{"h1/5/1", "h1/4/3"}));
  // A rolled-back append leaves the log as it was.
  EXPECT_THAT(this->Write([&](Transaction& t) -> absl::Status {
    MP_RETURN_IF_ERROR(t.events().AppendWebhookDeliveries(
        {MakeDelivery("h1", 7, 1, true)}, 1));
    return absl::AbortedError("changed its mind");
  }),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(all("h1", 10), (std::vector<std::string>{"h1/5/1", "h1/4/3"}));

  // Deleting a webhook deletes its log; a new one of that id starts empty.
  ASSERT_OK(this->Write(
      [](Transaction& t) { return t.events().DeleteWebhook("h1"); }));
  EXPECT_TRUE(all("h1", 10).empty());
  EXPECT_EQ(all("h2", 10), (std::vector<std::string>{"h2/6/1"}));
  ASSERT_OK(this->Write([](Transaction& t) {
    return t.events().InsertWebhook(MakeWebhook("h1"));
  }));
  EXPECT_TRUE(all("h1", 10).empty());
  EXPECT_THAT(append({MakeDelivery("gone", 1, 1, true)}, 10),
              StatusIs(absl::StatusCode::kNotFound));
}

// Two delivery workers (threads or replicas) each hold a different webhook,
// POST its events and commit the new cursor with the log. Both commits must
// succeed: a failed one repeats POSTs that were already made.
// Under kReadWrite the second commit was ABORTED (a serialization failure:
// each claim read the table the other wrote), repeating POSTs already made.
TYPED_TEST_P(StoreContractTest, WorkersOnDifferentWebhooksBothCommit) {
  int64_t head = 0;
  ASSERT_OK(this->Write([&](Transaction& t) -> absl::Status {
    for (const char* id : {"h0", "h1"}) {
      MP_RETURN_IF_ERROR(t.events().InsertWebhook(MakeWebhook(id)));
    }
    MP_ASSIGN_OR_RETURN(
        head, t.events().AppendEvent(model::Event{0, T0(), "domain.created",
                                                  "domains/d", "d", "{}"}));
    return absl::OkStatus();
  }));
  // As the delivery workers run: READ COMMITTED, the row lock isolating.
  ASSERT_OK_AND_ASSIGN(auto a, this->store_->Begin(TxnMode::kReadCommitted));
  ASSERT_OK_AND_ASSIGN(auto b, this->store_->Begin(TxnMode::kReadCommitted));
  ASSERT_OK_AND_ASSIGN(std::optional<model::Webhook> wa,
                       a->events().ClaimDueWebhook(T0() + absl::Seconds(1)));
  ASSERT_OK_AND_ASSIGN(std::optional<model::Webhook> wb,
                       b->events().ClaimDueWebhook(T0() + absl::Seconds(1)));
  ASSERT_TRUE(wa.has_value() && wb.has_value());
  ASSERT_NE(wa->id, wb->id);
  for (auto [txn, w] :
       {std::make_pair(a.get(), *wa), std::make_pair(b.get(), *wb)}) {
    ASSERT_OK(txn->events().ListEvents(w.delivered_sequence, 100).status());
    w.delivered_sequence = head;
    ASSERT_OK(txn->events().UpdateWebhookState(w));
    ASSERT_OK(txn->events().AppendWebhookDeliveries(
        {MakeDelivery(w.id, head, 1, true)}, 500));
  }
  EXPECT_OK(a->Commit());
  EXPECT_OK(b->Commit());
  // And both are stored.
  ASSERT_OK_AND_ASSIGN(auto r, this->store_->Begin(TxnMode::kReadOnly));
  for (const char* id : {"h0", "h1"}) {
    ASSERT_OK_AND_ASSIGN(model::Webhook w, r->events().GetWebhook(id));
    EXPECT_EQ(w.delivered_sequence, head) << id;
    ASSERT_OK_AND_ASSIGN(auto log,
                         r->events().ListWebhookDeliveries(id, {"", 10}));
    EXPECT_EQ(log.items.size(), 1u) << id;
  }
}

REGISTER_TYPED_TEST_SUITE_P(
    StoreContractTest, DomainRoundTrip, SingleReadSeesCommitted,
    DomainInsertErrors, FailedInsertLeavesTransactionUsable,
    DomainUpdateChecksRevision, DomainDeleteRefusesChildren,
    DomainAncestorsNearestFirst, ListDomainsFiltersAndPages,
    TeamRoundTripAndMembership, ListTeamsPages, TeamDeleteRefusedWhileOwner,
    ProductRoundTripWithPorts, ProductInsertErrors,
    ProductUpdateReplacesPortsAndChecksRevision, ProductDeleteRefusedWhileRead,
    ListProductsFilters, ListProductsPaginationHasNoGapsOrDuplicates,
    FullTextSearch, SearchProductsMatchesWordsOfEveryField,
    SearchProductsFiltersAndSubdomains, SearchProductsCountsFacets,
    SearchProductsPagesAndSkips, LineageUpAndDownWithDepth,
    LineageTerminatesOnCycles, Tokens, WebSessions,
    AuditAppendAndListNewestFirst, EventsInOrder, IdempotencyWindow,
    TryLockRequestExcludesConcurrentDuplicates, UncommittedTransactionRollsBack,
    StringsAreStoredVerbatim, PolicyRoundTripAndInsertErrors,
    PolicyUpdateChecksRevisionAndKeepsHistory,
    PolicyDeleteTakesWaiversAndKeepsHistory,
    DomainDeleteTakesItsPoliciesTeamDeleteRefused, ListPoliciesFiltersAndPages,
    WaiversFiltersAndErrors, NotifyIsDeliveredOnCommitOnly,
    AppendEventNotifiesOnCommitWithItsSequence,
    PruneEventsKeepsAnExactWatermark, ConcurrentPrunesAreHarmless,
    NotifyChecksModeChannelAndPayload, ContractRoundTripAndErrors,
    ContractUpdateChecksRevisionAndProduct, ListContractsFiltersAndPages,
    ContractVersionRoundTripAndErrors,
    ContractVersionsOrderedBySemverPrecedence,
    ProductDeleteRefusedWhileItOwnsContracts,
    ContractReadersListPortsAndTheirReaders,
    AccessRequestRoundTripAndInsertErrors, AccessRequestUpdateChecksRevision,
    ListAccessRequestsFiltersAndPages, GrantRoundTripUpdateAndErrors,
    ListGrantsFiltersAndPages, ActiveGrantsPagesInIdOrder,
    AppendAccessDecisionsInBatches, AccessGoesWithItsPort,
    ObservationsSummarizedPerWindow, BreachesOpenCloseListAndGoWithTheirPort,
    WebhookRoundTripErrorsAndPages,
    ClaimDueWebhookTakesTheLongestDueBehindTheFeed,
    ClaimDueWebhookSkipsWhatAnotherHolds, UpdateWebhookStateWritesOnlyTheState,
    WebhookDeliveriesNewestFirstPrunedAndDeleted,
    WorkersOnDifferentWebhooksBothCommit);

}  // namespace meshplane::store_contract

#endif  // MESHPLANE_TESTS_TESTING_STORE_CONTRACT_STORE_CONTRACT_TESTS_H_
