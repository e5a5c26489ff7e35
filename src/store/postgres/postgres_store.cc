#include "meshplane/store/postgres_store.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/postgres/listener.h"
#include "store/postgres/pg_internal.h"
#include "store/postgres/sql.h"
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "meshplane/common/crypto.h"
#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/model/access.h"
#include "meshplane/model/contract.h"
#include "meshplane/model/json.h"
#include "meshplane/model/lifecycle.h"
#include "meshplane/model/policy.h"
#include "meshplane/model/resource_name.h"
#include "meshplane/model/slo.h"

namespace meshplane::store {

// The schema version this code was written against.
constexpr int kRequiredSchemaVersion = 13;
// Expired idempotency records are swept after every this many puts.
constexpr int64_t kIdempotencySweepEvery = 512;

class PostgresStore::Impl {
 public:
  explicit Impl(const PostgresStoreOptions& o)
      : listener_url(
            pg::WithConnectionTimeouts(o.database_url, o.connect_timeout)),
        statement_timeout(o.statement_timeout),
        pool(listener_url, PoolOptions(o),
             [timeout_ms = absl::ToInt64Milliseconds(o.statement_timeout)](
                 pqxx::connection& conn) { SetUp(conn, timeout_ms); }) {}

  static pg::ConnectionPool::Options PoolOptions(
      const PostgresStoreOptions& o) {
    pg::ConnectionPool::Options p;
    p.size = o.pool_size;
    p.acquire_timeout = o.acquire_timeout;
    p.max_waiters = o.max_waiters;
    p.min_backoff = o.reconnect_min_backoff;
    p.max_backoff = o.reconnect_max_backoff;
    return p;
  }

  // Session settings and the named statements of a new connection.
  static void SetUp(pqxx::connection& conn, int64_t statement_timeout_ms) {
    {
      pqxx::nontransaction session(conn);
      session.exec_params(pg::sql::kSetStatementTimeout,
                          absl::StrCat(statement_timeout_ms, "ms"));
    }
    for (const pg::sql::Statement* s : pg::sql::kPrepared) {
      conn.prepare(s->name, s->text);
    }
  }

  // The URL a Listener opens its own connection with.
  const std::string listener_url;
  const absl::Duration statement_timeout;  // the session's; zero: none
  pg::ConnectionPool pool;
  std::atomic<int64_t> idempotency_puts{0};
  // Ping's connection, outside the pool, so that readiness never queues
  // behind the calls that keep every pooled connection busy.
  absl::Mutex health_mu;
  std::unique_ptr<pqxx::connection> health ABSL_GUARDED_BY(health_mu);
  // When the check holding health_mu began (InfinitePast: none is running),
  // so that the probes behind one the database does not answer are told
  // at once instead of queueing for the TCP timeout.
  absl::Mutex health_state_mu;
  absl::Time health_busy_since ABSL_GUARDED_BY(health_state_mu) =
      absl::InfinitePast();
};

namespace {

namespace sql = pg::sql;
using json = nlohmann::json;
using pg::OpContext;

constexpr int64_t kMinMicros = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxMicros = std::numeric_limits<int64_t>::max();

// absl's infinite times map to PostgreSQL's -infinity/infinity.
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

// A nullable bigint parameter: libpqxx sends a null `const char*` as NULL.
class OptionalMicros {
 public:
  explicit OptionalMicros(const std::optional<absl::Time>& t)
      : null_(!t.has_value()),
        text_(t ? std::to_string(ToMicros(*t)) : std::string()) {}
  const char* param() const { return null_ ? nullptr : text_.c_str(); }

 private:
  bool null_;
  std::string text_;
};

std::optional<absl::Time> OptionalTime(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return FromMicros(f.as<int64_t>());
}

std::string Quoted(absl::string_view s) { return absl::StrCat("\"", s, "\""); }

std::string DomainPhrase(absl::string_view id) {
  return absl::StrCat("domain ", Quoted(id));
}
std::string TeamPhrase(absl::string_view id) {
  return absl::StrCat("team ", Quoted(id));
}
std::string ProductPhrase(const model::ProductKey& key) {
  return absl::StrCat("data product ", Quoted(model::ProductName(key)));
}
std::string TokenPhrase(absl::string_view id) {
  return absl::StrCat("token ", Quoted(id));
}
std::string PolicyPhrase(const model::PolicyKey& key) {
  return absl::StrCat("policy ", Quoted(model::PolicyName(key)));
}
std::string WaiverPhrase(const model::PolicyKey& policy, absl::string_view id) {
  model::Waiver w;
  w.policy = policy;
  w.id = std::string(id);
  return absl::StrCat("waiver ", Quoted(model::WaiverName(w)));
}

std::string ContractPhrase(absl::string_view id) {
  return absl::StrCat("contract ", Quoted(model::ContractName(id)));
}
std::string ContractVersionPhrase(absl::string_view id,
                                  absl::string_view version) {
  return absl::StrCat("contract version ",
                      Quoted(model::ContractVersionName(id, version)));
}
std::string OutputPortPhrase(const model::OutputPortRef& port) {
  return absl::StrCat("output port ", Quoted(model::OutputPortName(port)));
}
std::string AccessRequestPhrase(absl::string_view id) {
  return absl::StrCat("access request ", Quoted(model::AccessRequestName(id)));
}
std::string GrantPhrase(absl::string_view id) {
  return absl::StrCat("grant ", Quoted(model::GrantName(id)));
}

absl::Status EtagMismatch(absl::string_view what, int64_t stored,
                          int64_t expected) {
  return WithReason(
      absl::AbortedError(absl::StrCat(
          what, " was changed concurrently: etag mismatch (revision ", stored,
          " is stored, the request expected ", expected, ")")),
      "ETAG_MISMATCH");
}

// --- JSON encoding of values sent as parameters -----------------------------

std::string LabelsJson(const std::map<std::string, std::string>& labels) {
  return json(labels).dump();
}

std::string StringsJson(const std::vector<std::string>& v) {
  return json(v).dump();
}

json OptionalNumber(const std::optional<double>& d) {
  return d ? json(*d) : json(nullptr);
}

json OptionalDurationMicros(const std::optional<absl::Duration>& d) {
  return d ? json(absl::ToInt64Microseconds(*d)) : json(nullptr);
}

std::string OutputPortsJson(const std::vector<model::OutputPort>& ports) {
  json out = json::array();
  for (size_t i = 0; i < ports.size(); ++i) {
    const model::OutputPort& p = ports[i];
    out.push_back({
        {"id", p.id},
        {"ordinal", i},
        {"display_name", p.display_name},
        {"type", p.type},
        {"server", p.server},
        {"location", p.location},
        {"description", p.description},
        {"contract_id", p.contract_id},
        {"availability_percent",
         OptionalNumber(p.objectives.availability_percent)},
        {"max_staleness_us",
         OptionalDurationMicros(p.objectives.max_staleness)},
        {"completeness_percent",
         OptionalNumber(p.objectives.completeness_percent)},
        {"latency_us", OptionalDurationMicros(p.objectives.latency)},
        {"deprecated", p.deprecated},
    });
  }
  return out.dump();
}

// The ports' searchable text, kept in data_products.port_text (migration
// 0011): a generated column cannot read the port tables.
std::string PortSearchText(const model::DataProduct& p) {
  std::vector<std::string> parts;
  for (const auto& o : p.output_ports) {
    parts.insert(parts.end(),
                 {o.id, o.display_name, o.description, o.location});
  }
  for (const auto& i : p.input_ports) {
    parts.insert(parts.end(), {i.id, i.description});
  }
  return absl::StrJoin(parts, " ");
}

std::string OutputPortIdsJson(const std::vector<model::OutputPort>& ports) {
  json out = json::array();
  for (const auto& p : ports) out.push_back(p.id);
  return out.dump();
}

std::string InputPortsJson(const std::vector<model::InputPort>& ports) {
  json out = json::array();
  for (size_t i = 0; i < ports.size(); ++i) {
    const model::InputPort& p = ports[i];
    out.push_back({{"id", p.id},
                   {"ordinal", i},
                   {"sd", p.source.domain_id},
                   {"sp", p.source.product_id},
                   {"sport", p.source.port_id},
                   {"description", p.description},
                   {"deprecated", p.deprecated}});
  }
  return out.dump();
}

// --- decoding of rows --------------------------------------------------------

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

model::Domain DomainFromRow(const pqxx::row& r) {
  model::Domain d;
  d.id = r[0].as<std::string>();
  d.uid = r[1].as<std::string>();
  d.display_name = r[2].as<std::string>();
  d.description = r[3].as<std::string>();
  d.parent_id = r[4].as<std::string>();
  d.owner_team_id = r[5].as<std::string>();
  d.labels = ParseLabels(r[6]);
  d.create_time = FromMicros(r[7].as<int64_t>());
  d.update_time = FromMicros(r[8].as<int64_t>());
  d.revision = r[9].as<int64_t>();
  return d;
}

model::Team TeamFromRow(const pqxx::row& r) {
  model::Team t;
  t.id = r[0].as<std::string>();
  t.uid = r[1].as<std::string>();
  t.display_name = r[2].as<std::string>();
  t.description = r[3].as<std::string>();
  t.members = ParseStrings(r[4]);
  t.create_time = FromMicros(r[5].as<int64_t>());
  t.update_time = FromMicros(r[6].as<int64_t>());
  t.revision = r[7].as<int64_t>();
  return t;
}

std::optional<double> JsonOptionalDouble(const json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<double>();
}

std::optional<absl::Duration> JsonOptionalMicros(const json& j) {
  if (j.is_null()) return std::nullopt;
  return absl::Microseconds(j.get<int64_t>());
}

model::DataProduct ProductFromRow(const pqxx::row& r) {
  model::DataProduct p;
  p.domain_id = r[0].as<std::string>();
  p.id = r[1].as<std::string>();
  p.uid = r[2].as<std::string>();
  p.display_name = r[3].as<std::string>();
  p.description = r[4].as<std::string>();
  p.owner_team_id = r[5].as<std::string>();
  p.lifecycle = model::ParseLifecycle(r[6].as<std::string>())
                    .value_or(model::Lifecycle::kDraft);
  p.tier = r[7].as<int>();
  p.classification = model::ParseClassification(r[8].as<std::string>())
                         .value_or(model::Classification::kUnspecified);
  p.tags = ParseStrings(r[9]);
  p.labels = ParseLabels(r[10]);
  p.sunset_time = OptionalTime(r[11]);
  p.create_time = FromMicros(r[12].as<int64_t>());
  p.update_time = FromMicros(r[13].as<int64_t>());
  p.revision = r[14].as<int64_t>();
  for (const json& o : json::parse(r[15].c_str())) {
    model::OutputPort port;
    port.id = o[0].get<std::string>();
    port.display_name = o[1].get<std::string>();
    port.type = o[2].get<std::string>();
    port.server = o[3].get<std::string>();
    port.location = o[4].get<std::string>();
    port.description = o[5].get<std::string>();
    port.contract_id = o[6].get<std::string>();
    port.objectives.availability_percent = JsonOptionalDouble(o[7]);
    port.objectives.max_staleness = JsonOptionalMicros(o[8]);
    port.objectives.completeness_percent = JsonOptionalDouble(o[9]);
    port.objectives.latency = JsonOptionalMicros(o[10]);
    port.deprecated = o[11].get<bool>();
    p.output_ports.push_back(std::move(port));
  }
  for (const json& i : json::parse(r[16].c_str())) {
    model::InputPort port;
    port.id = i[0].get<std::string>();
    port.source.domain_id = i[1].get<std::string>();
    port.source.product_id = i[2].get<std::string>();
    port.source.port_id = i[3].get<std::string>();
    port.description = i[4].get<std::string>();
    port.deprecated = i[5].get<bool>();
    p.input_ports.push_back(std::move(port));
  }
  p.archetype = r[17].as<std::string>();
  p.odps_document = r[18].as<std::string>();
  return p;
}

model::ApiToken TokenFromRow(const pqxx::row& r) {
  model::ApiToken t;
  t.id = r[0].as<std::string>();
  t.principal = r[1].as<std::string>();
  t.description = r[2].as<std::string>();
  t.secret_hash = r[3].as<std::string>();
  t.platform_admin = r[4].as<bool>();
  t.create_time = FromMicros(r[5].as<int64_t>());
  t.expire_time = OptionalTime(r[6]);
  t.revoke_time = OptionalTime(r[7]);
  t.created_by = r[8].as<std::string>();
  return t;
}

model::Policy PolicyFromRow(const pqxx::row& r) {
  model::Policy p;
  p.domain_id = r[0].as<std::string>();
  p.id = r[1].as<std::string>();
  p.uid = r[2].as<std::string>();
  p.display_name = r[3].as<std::string>();
  p.description = r[4].as<std::string>();
  p.triggers = ParseStrings(r[5]);
  p.condition = r[6].as<std::string>();
  p.effect = r[7].as<std::string>();
  p.enforcement = r[8].as<std::string>();
  p.message = r[9].as<std::string>();
  p.message_expression = r[10].as<std::string>();
  p.labels = ParseLabels(r[11]);
  p.owner_team_id = r[12].as<std::string>();
  p.waivable = r[13].as<bool>();
  p.create_time = FromMicros(r[14].as<int64_t>());
  p.update_time = FromMicros(r[15].as<int64_t>());
  p.revision = r[16].as<int64_t>();
  return p;
}

model::Waiver WaiverFromRow(const pqxx::row& r) {
  model::Waiver w;
  w.policy.domain_id = r[0].as<std::string>();
  w.policy.id = r[1].as<std::string>();
  w.id = r[2].as<std::string>();
  w.uid = r[3].as<std::string>();
  w.resource = r[4].as<std::string>();
  w.reason = r[5].as<std::string>();
  w.expire_time = FromMicros(r[6].as<int64_t>());
  w.created_by = r[7].as<std::string>();
  w.create_time = FromMicros(r[8].as<int64_t>());
  w.policy_revision = r[9].as<int64_t>();
  return w;
}

model::Contract ContractFromRow(const pqxx::row& r) {
  model::Contract c;
  c.id = r[0].as<std::string>();
  c.uid = r[1].as<std::string>();
  c.product.domain_id = r[2].as<std::string>();
  c.product.product_id = r[3].as<std::string>();
  c.display_name = r[4].as<std::string>();
  c.description = r[5].as<std::string>();
  c.compatibility_mode = r[6].as<std::string>();
  c.state = r[7].as<std::string>();
  c.deprecation_message = r[8].as<std::string>();
  c.latest_version = r[9].as<std::string>();
  c.version_count = r[10].as<int64_t>();
  c.labels = ParseLabels(r[11]);
  c.create_time = FromMicros(r[12].as<int64_t>());
  c.update_time = FromMicros(r[13].as<int64_t>());
  c.revision = r[14].as<int64_t>();
  return c;
}

model::ContractVersion ContractVersionFromRow(const pqxx::row& r) {
  model::ContractVersion v;
  v.contract_id = r[0].as<std::string>();
  v.version = r[1].as<std::string>();
  v.major = r[2].as<int64_t>();
  v.minor = r[3].as<int64_t>();
  v.patch = r[4].as<int64_t>();
  v.prerelease = r[5].as<std::string>();
  v.status = r[6].as<std::string>();
  v.original_yaml = r[7].as<std::string>();
  v.normalized_json = r[8].as<std::string>();
  v.content_hash = r[9].as<std::string>();
  v.published_by = r[10].as<std::string>();
  v.create_time = FromMicros(r[11].as<int64_t>());
  v.report_json = r[12].as<std::string>();
  return v;
}

model::OutputPortRef PortFromRow(const pqxx::row& r, int first) {
  return model::OutputPortRef{r[first].as<std::string>(),
                              r[first + 1].as<std::string>(),
                              r[first + 2].as<std::string>()};
}

model::AccessRequest AccessRequestFromRow(const pqxx::row& r) {
  model::AccessRequest a;
  a.id = r[0].as<std::string>();
  a.uid = r[1].as<std::string>();
  a.port = PortFromRow(r, 2);
  a.consumer = r[5].as<std::string>();
  a.requester = r[6].as<std::string>();
  a.actions = ParseStrings(r[7]);
  a.purpose = r[8].as<std::string>();
  a.duration = absl::Microseconds(r[9].as<int64_t>());
  // The CHECK constraint admits only the names ParseAccessRequestState knows.
  a.state = model::ParseAccessRequestState(r[10].as<std::string>())
                .value_or(model::AccessRequestState::kPending);
  a.decision_json = r[11].as<std::string>();
  a.grant_id = r[12].as<std::string>();
  a.reviewer = r[13].as<std::string>();
  a.review_comment = r[14].as<std::string>();
  a.create_time = FromMicros(r[15].as<int64_t>());
  a.update_time = FromMicros(r[16].as<int64_t>());
  a.expire_time = FromMicros(r[17].as<int64_t>());
  a.revision = r[18].as<int64_t>();
  return a;
}

model::Grant GrantFromRow(const pqxx::row& r) {
  model::Grant g;
  g.id = r[0].as<std::string>();
  g.uid = r[1].as<std::string>();
  g.port = PortFromRow(r, 2);
  g.consumer = r[5].as<std::string>();
  g.actions = ParseStrings(r[6]);
  g.purpose = r[7].as<std::string>();
  g.access_request_id = r[8].as<std::string>();
  g.granted_by = r[9].as<std::string>();
  g.create_time = FromMicros(r[10].as<int64_t>());
  g.expire_time = FromMicros(r[11].as<int64_t>());
  g.revoke_time = OptionalTime(r[12]);
  g.revoked_by = r[13].as<std::string>();
  g.revoke_reason = r[14].as<std::string>();
  g.revision = r[15].as<int64_t>();
  return g;
}

// The CheckAccess decisions of one AppendAccessDecisions, as the JSON array
// that kAppendAccessDecisions unpacks with json_to_recordset.
std::string DecisionsJson(const std::vector<model::AccessDecision>& decisions) {
  json out = json::array();
  for (const model::AccessDecision& d : decisions) {
    out.push_back({{"time_us", ToMicros(d.time)},
                   {"caller", d.caller},
                   {"principal", d.principal},
                   {"domain_id", d.port.domain_id},
                   {"product_id", d.port.product_id},
                   {"port_id", d.port.port_id},
                   {"action", d.action},
                   {"allowed", d.allowed},
                   {"grant_id", d.grant_id},
                   {"reason", d.reason},
                   {"decision_json", d.decision_json}});
  }
  return out.dump();
}

// The observations of one InsertObservations, as the JSON array that
// kInsertObservations unpacks with json_to_recordset.
std::string ObservationsJson(
    const std::vector<model::Observation>& observations) {
  json out = json::array();
  for (const model::Observation& o : observations) {
    out.push_back(
        {{"domain_id", o.port.domain_id},
         {"product_id", o.port.product_id},
         {"port_id", o.port.port_id},
         {"objective", std::string(model::ObjectiveName(o.objective))},
         {"time_us", ToMicros(o.observe_time)},
         {"value", o.value}});
  }
  return out.dump();
}

std::string BreachPhrase(absl::string_view id) {
  return absl::StrCat("breach ", Quoted(id));
}

model::Breach BreachFromRow(const pqxx::row& r) {
  model::Breach b;
  b.id = r[0].as<std::string>();
  b.port = {r[1].as<std::string>(), r[2].as<std::string>(),
            r[3].as<std::string>()};
  b.objective = model::ParseObjective(r[4].as<std::string>())
                    .value_or(model::Objective::kUnspecified);
  b.start_time = FromMicros(r[5].as<int64_t>());
  b.end_time = OptionalTime(r[6]).value_or(absl::InfinitePast());
  b.detail = r[7].as<std::string>();
  return b;
}

std::string WebhookPhrase(absl::string_view id) {
  return absl::StrCat("webhook ", Quoted(id));
}

model::Webhook WebhookFromRow(const pqxx::row& r) {
  model::Webhook w;
  w.id = r[0].as<std::string>();
  w.url = r[1].as<std::string>();
  w.resource_types = ParseStrings(r[2]);
  w.domain_id = r[3].as<std::string>();
  w.include_subdomains = r[4].as<bool>();
  w.secret = r[5].as<std::string>();
  w.creator = r[6].as<std::string>();
  w.create_time = FromMicros(r[7].as<int64_t>());
  w.delivered_sequence = r[8].as<int64_t>();
  w.failing_attempts = r[9].as<int32_t>();
  w.last_error = r[10].as<std::string>();
  w.next_attempt_time = FromMicros(r[11].as<int64_t>());
  return w;
}

// The attempts of one AppendWebhookDeliveries, as the JSON array of arrays
// that kAppendWebhookDeliveries unpacks.
std::string DeliveriesJson(
    const std::vector<model::WebhookDelivery>& deliveries) {
  json out = json::array();
  for (const model::WebhookDelivery& d : deliveries) {
    out.push_back(
        json::array({d.webhook_id, d.event_sequence, d.event_type, d.attempt,
                     ToMicros(d.time), d.http_status, d.success, d.error,
                     absl::ToInt64Microseconds(d.duration)}));
  }
  return out.dump();
}

// --- keyset cursors ----------------------------------------------------------

absl::Status CheckLimit(const PageRequest& page) {
  if (page.limit < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("page limit must be at least 1, got ", page.limit));
  }
  return absl::OkStatus();
}

// A cursor only comes from a page token that core decoded: one that does
// not parse was forged, and the client's field is page_token.
absl::Status BadCursor(absl::string_view) {
  return InvalidArgumentWithFields(
      {{"page_token",
        "is not a page token issued by this server (its cursor does not "
        "parse)"}});
}

// Products: "<domain_id>/<id>" of the last item (ids contain no '/').
absl::StatusOr<std::pair<std::string, std::string>> ParseProductCursor(
    const std::string& after) {
  if (after.empty()) return std::make_pair(std::string(), std::string());
  size_t slash = after.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == after.size()) {
    return BadCursor(after);
  }
  return std::make_pair(after.substr(0, slash), after.substr(slash + 1));
}

// SearchDataProducts' cursor: "<score>:<domain_id>/<id>" of the last item.
struct SearchCursor {
  int score = 0;
  std::string domain_id, id;
};

absl::StatusOr<std::optional<SearchCursor>> ParseSearchCursor(
    const std::string& after) {
  if (after.empty()) return std::optional<SearchCursor>();
  size_t colon = after.find(':');
  SearchCursor c;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(after.substr(0, colon), &c.score) || c.score < 0 ||
      c.score > 3) {
    return BadCursor(after);
  }
  MP_ASSIGN_OR_RETURN(auto key, ParseProductCursor(after.substr(colon + 1)));
  c.domain_id = key.first;
  c.id = key.second;
  return std::optional<SearchCursor>(std::move(c));
}

// Policies: "<domain_id>/<id>" of the last item, domain_id "" for a global
// policy (ids contain no '/').
absl::StatusOr<std::pair<std::string, std::string>> ParsePolicyCursor(
    const std::string& after) {
  if (after.empty()) return std::make_pair(std::string(), std::string());
  size_t slash = after.find('/');
  if (slash == std::string::npos || slash + 1 == after.size()) {
    return BadCursor(after);
  }
  return std::make_pair(after.substr(0, slash), after.substr(slash + 1));
}

// Waivers: "<policy domain_id>/<policy id>/<id>" of the last item.
absl::StatusOr<std::vector<std::string>> ParseWaiverCursor(
    const std::string& after) {
  if (after.empty()) return std::vector<std::string>{"", "", ""};
  std::vector<std::string> parts = absl::StrSplit(after, '/');
  if (parts.size() != 3 || parts[1].empty() || parts[2].empty()) {
    return BadCursor(after);
  }
  return parts;
}

// Audit: the sequence of the last item; the next page holds smaller ones.
absl::StatusOr<int64_t> ParseAuditCursor(const std::string& after) {
  if (after.empty()) return std::numeric_limits<int64_t>::max();
  int64_t seq = 0;
  if (!absl::SimpleAtoi(after, &seq)) return BadCursor(after);
  return seq;
}

// Newest-first lists (access requests, grants): "<create_time us>/<id>" of
// the last item; the next page holds the items strictly older in
// (create_time, id) order. No time on the first page.
struct NewestFirstCursor {
  std::optional<absl::Time> create_time;
  std::string id;
};

std::string NewestFirstCursorOf(absl::Time create_time, absl::string_view id) {
  return absl::StrCat(ToMicros(create_time), "/", id);
}

absl::StatusOr<NewestFirstCursor> ParseNewestFirstCursor(
    const std::string& after) {
  if (after.empty()) return NewestFirstCursor{};
  size_t slash = after.find('/');
  int64_t us = 0;
  if (slash == std::string::npos || slash + 1 == after.size() ||
      !absl::SimpleAtoi(absl::string_view(after).substr(0, slash), &us)) {
    return BadCursor(after);
  }
  return NewestFirstCursor{FromMicros(us), after.substr(slash + 1)};
}

// Notify's checks, before anything is sent. PostgreSQL refuses payloads of
// 8000 bytes or more, and channel names are identifiers (at most 63 bytes).
// In kSingleRead the statement would run in autocommit and notify at once,
// rollback or not, so it is refused there as in kReadOnly.
absl::Status CheckNotify(TxnMode mode, absl::string_view channel,
                         absl::string_view payload) {
  if (!IsWriteMode(mode)) {
    return absl::FailedPreconditionError(
        "Notify needs a read-write transaction (notifications are sent at "
        "commit)");
  }
  if (channel.empty() || channel.size() > 63) {
    return absl::InvalidArgumentError(
        absl::StrCat("notification channel ", Quoted(channel),
                     " must be 1 to 63 bytes long, got ", channel.size()));
  }
  if (payload.size() >= 8000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "notification payload on channel ", Quoted(channel), " is ",
        payload.size(), " bytes; it must be shorter than 8000"));
  }
  return absl::OkStatus();
}

// The 64-bit advisory lock key of an idempotency key.
int64_t RequestLockKey(absl::string_view principal, absl::string_view method,
                       absl::string_view request_id) {
  std::string digest =
      Sha256Hex(absl::StrCat(principal.size(), ":", principal, method.size(),
                             ":", method, request_id));
  uint64_t key = 0;
  for (int i = 0; i < 16; ++i) {
    char c = digest[i];
    key = (key << 4) | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return static_cast<int64_t>(key);
}

// ---------------------------------------------------------------------------

class PostgresTransaction : public Transaction {
 public:
  PostgresTransaction(PostgresStore::Impl* store, TxnMode mode,
                      absl::Time deadline, pg::ConnectionPool::Lease lease,
                      std::unique_ptr<pqxx::transaction_base> txn)
      : store_(store),
        mode_(mode),
        deadline_(deadline),
        lease_(std::move(lease)),
        txn_(std::move(txn)) {}

  ~PostgresTransaction() override {
    // libpqxx rolls back an uncommitted transaction in its destructor and
    // swallows errors; a connection that broke is then closed by the lease.
    txn_.reset();
  }

  // --- Domains ---

  // In a write, the domain comes with its ancestors (kDomainAncestors, whose
  // first row is the domain): writes under a domain read its chain next
  // (policies, authorization), and get it from here without a round trip.
  absl::StatusOr<model::Domain> GetDomain(absl::string_view id) override {
    return Run({"GetDomain", DomainPhrase(id)},
               [&]() -> absl::StatusOr<model::Domain> {
                 if (!IsWriteMode(mode_)) {
                   pqxx::result r = txn_->exec_prepared(sql::kGetDomain.name,
                                                        std::string(id));
                   if (r.empty()) return NotFound(DomainPhrase(id));
                   return DomainFromRow(r[0]);
                 }
                 pqxx::result r = txn_->exec_prepared(
                     sql::kDomainAncestors.name, std::string(id));
                 if (r.empty()) return NotFound(DomainPhrase(id));
                 ancestors_of_ = std::string(id);
                 ancestors_.clear();
                 for (size_t i = 1; i < r.size(); ++i) {
                   ancestors_.push_back(DomainFromRow(r[i]));
                 }
                 return DomainFromRow(r[0]);
               });
  }

  absl::Status InsertDomain(const model::Domain& d) override {
    ancestors_of_.reset();  // the chain read by GetDomain may change
    return Run({"InsertDomain", DomainPhrase(d.id)}, [&]() -> absl::Status {
      pqxx::result r = txn_->exec_prepared(
          sql::kInsertDomain.name, d.id, d.uid, d.display_name, d.description,
          d.parent_id, d.owner_team_id, LabelsJson(d.labels),
          ToMicros(d.create_time), ToMicros(d.update_time), d.revision);
      if (!r.empty()) return absl::OkStatus();
      return DiagnoseDomain(d, std::nullopt);
    });
  }

  absl::Status UpdateDomain(const model::Domain& d,
                            int64_t expected_revision) override {
    ancestors_of_.reset();  // the chain read by GetDomain may change
    return Run({"UpdateDomain", DomainPhrase(d.id)}, [&]() -> absl::Status {
      pqxx::result r = txn_->exec_prepared(
          sql::kUpdateDomain.name, d.id, d.uid, d.display_name, d.description,
          d.parent_id, d.owner_team_id, LabelsJson(d.labels),
          ToMicros(d.create_time), ToMicros(d.update_time), d.revision,
          expected_revision);
      if (!r.empty()) return absl::OkStatus();
      return DiagnoseDomain(d, expected_revision);
    });
  }

  absl::Status DeleteDomain(absl::string_view id) override {
    const std::string key(id);
    ancestors_of_.reset();  // the chain read by GetDomain may change
    return Run({"DeleteDomain", DomainPhrase(id), true}, [&]() -> absl::Status {
      pqxx::row c = txn_->exec_prepared1(sql::kDomainChildren.name, key);
      int64_t subdomains = c[0].as<int64_t>();
      int64_t products = c[1].as<int64_t>();
      if (subdomains > 0 || products > 0) {
        return WithReason(
            absl::FailedPreconditionError(absl::StrCat(
                "cannot delete ", DomainPhrase(id), ": it still has ",
                subdomains, " subdomain(s) and ", products,
                " data product(s); delete or move them first")),
            "HAS_CHILDREN");
      }
      pqxx::result r = txn_->exec_prepared(sql::kDeleteDomain.name, key);
      if (r.empty()) return NotFound(DomainPhrase(id));
      return absl::OkStatus();
    });
  }

  absl::StatusOr<Page<model::Domain>> ListDomains(
      const DomainFilter& filter, const PageRequest& page) override {
    MP_RETURN_IF_ERROR(CheckLimit(page));
    return Run({"ListDomains", ""},
               [&]() -> absl::StatusOr<Page<model::Domain>> {
                 pqxx::result r = txn_->exec_params(
                     sql::kListDomains, filter.parent_id, filter.top_level_only,
                     filter.owner_team_id, page.after, page.limit + 1);
                 Page<model::Domain> out;
                 for (const auto& row : r) {
                   if (static_cast<int>(out.items.size()) == page.limit) {
                     out.next = out.items.back().id;
                     break;
                   }
                   out.items.push_back(DomainFromRow(row));
                 }
                 return out;
               });
  }

  absl::StatusOr<std::vector<model::Domain>> DomainAncestors(
      absl::string_view id) override {
    return Run({"DomainAncestors", DomainPhrase(id)},
               [&]() -> absl::StatusOr<std::vector<model::Domain>> {
                 if (ancestors_of_.has_value() && *ancestors_of_ == id) {
                   return ancestors_;
                 }
                 pqxx::result r = txn_->exec_prepared(
                     sql::kDomainAncestors.name, std::string(id));
                 if (r.empty()) return NotFound(DomainPhrase(id));
                 std::vector<model::Domain> out;
                 for (size_t i = 1; i < r.size(); ++i) {
                   out.push_back(DomainFromRow(r[i]));
                 }
                 return out;
               });
  }

  absl::StatusOr<int64_t> CountSubdomains(absl::string_view id) override {
    return Run({"CountSubdomains", DomainPhrase(id)},
               [&]() -> absl::StatusOr<int64_t> {
                 return txn_
                     ->exec_prepared1(sql::kCountSubdomains.name,
                                      std::string(id))[0]
                     .as<int64_t>();
               });
  }

  absl::StatusOr<int64_t> CountDataProducts(
      absl::string_view domain_id) override {
    return Run({"CountDataProducts", DomainPhrase(domain_id)},
               [&]() -> absl::StatusOr<int64_t> {
                 return txn_
                     ->exec_prepared1(sql::kCountDataProducts.name,
                                      std::string(domain_id))[0]
                     .as<int64_t>();
               });
  }

  // --- Teams ---

  absl::StatusOr<model::Team> GetTeam(absl::string_view id) override {
    return Run({"GetTeam", TeamPhrase(id)},
               [&]() -> absl::StatusOr<model::Team> {
                 pqxx::result r =
                     txn_->exec_prepared(sql::kGetTeam.name, std::string(id));
                 if (r.empty()) return NotFound(TeamPhrase(id));
                 return TeamFromRow(r[0]);
               });
  }

  absl::Status InsertTeam(const model::Team& t) override {
    return Run({"InsertTeam", TeamPhrase(t.id)}, [&]() -> absl::Status {
      pqxx::result r = txn_->exec_prepared(
          sql::kInsertTeam.name, t.id, t.uid, t.display_name, t.description,
          ToMicros(t.create_time), ToMicros(t.update_time), t.revision);
      if (r.empty()) {
        return absl::AlreadyExistsError(
            absl::StrCat(TeamPhrase(t.id), " already exists"));
      }
      txn_->exec_prepared(sql::kInsertMembers.name, t.id,
                          StringsJson(t.members));
      return absl::OkStatus();
    });
  }

  absl::Status UpdateTeam(const model::Team& t,
                          int64_t expected_revision) override {
    return Run({"UpdateTeam", TeamPhrase(t.id)}, [&]() -> absl::Status {
      pqxx::result r = txn_->exec_prepared(
          sql::kUpdateTeam.name, t.id, t.uid, t.display_name, t.description,
          ToMicros(t.create_time), ToMicros(t.update_time), t.revision,
          expected_revision);
      if (r.empty()) {
        pqxx::result rev = txn_->exec_prepared(sql::kTeamRevision.name, t.id);
        if (rev.empty()) return NotFound(TeamPhrase(t.id));
        return EtagMismatch(TeamPhrase(t.id), rev[0][0].as<int64_t>(),
                            expected_revision);
      }
      const std::string members = StringsJson(t.members);
      txn_->exec_prepared(sql::kDeleteOtherMembers.name, t.id, members);
      txn_->exec_prepared(sql::kInsertMembers.name, t.id, members);
      return absl::OkStatus();
    });
  }

  absl::Status DeleteTeam(absl::string_view id) override {
    const std::string key(id);
    return Run({"DeleteTeam", TeamPhrase(id), true}, [&]() -> absl::Status {
      pqxx::row o = txn_->exec_prepared1(sql::kTeamOwnerships.name, key);
      int64_t domains = o[1].as<int64_t>();
      int64_t products = o[3].as<int64_t>();
      int64_t policies = o[5].as<int64_t>();
      if (domains > 0 || products > 0 || policies > 0) {
        std::string first =
            domains > 0 ? DomainPhrase(o[0].as<std::string>())
            : products > 0
                ? absl::StrCat("data product ", Quoted(o[2].as<std::string>()))
                : absl::StrCat("policy ", Quoted(o[4].as<std::string>()));
        return WithReason(
            absl::FailedPreconditionError(absl::StrCat(
                "cannot delete ", TeamPhrase(id), ": it still owns ", domains,
                " domain(s), ", products, " data product(s) and ", policies,
                " policy(ies), e.g. ", first,
                "; give them another owner first")),
            "HAS_CHILDREN");
      }
      pqxx::result r = txn_->exec_prepared(sql::kDeleteTeam.name, key);
      if (r.empty()) return NotFound(TeamPhrase(id));
      return absl::OkStatus();
    });
  }

  absl::StatusOr<Page<model::Team>> ListTeams(
      const TeamFilter& filter, const PageRequest& page) override {
    MP_RETURN_IF_ERROR(CheckLimit(page));
    return Run({"ListTeams", ""}, [&]() -> absl::StatusOr<Page<model::Team>> {
      pqxx::result r = txn_->exec_params(sql::kListTeams, filter.member,
                                         page.after, page.limit + 1);
      Page<model::Team> out;
      for (const auto& row : r) {
        if (static_cast<int>(out.items.size()) == page.limit) {
          out.next = out.items.back().id;
          break;
        }
        out.items.push_back(TeamFromRow(row));
      }
      return out;
    });
  }

  absl::StatusOr<std::vector<std::string>> TeamsOfPrincipal(
      absl::string_view principal) override {
    return Run({"TeamsOfPrincipal", ""},
               [&]() -> absl::StatusOr<std::vector<std::string>> {
                 pqxx::result r = txn_->exec_prepared(
                     sql::kTeamsOfPrincipal.name, std::string(principal));
                 std::vector<std::string> out;
                 for (const auto& row : r)
                   out.push_back(row[0].as<std::string>());
                 return out;
               });
  }

  // --- Data products ---

  absl::StatusOr<model::DataProduct> GetDataProduct(
      const model::ProductKey& key) override {
    return Run({"GetDataProduct", ProductPhrase(key)},
               [&]() -> absl::StatusOr<model::DataProduct> {
                 pqxx::result r = txn_->exec_prepared(
                     sql::kGetProduct.name, key.domain_id, key.product_id);
                 if (r.empty()) return NotFound(ProductPhrase(key));
                 return ProductFromRow(r[0]);
               });
  }

  absl::Status InsertDataProduct(const model::DataProduct& p) override {
    return Run(
        {"InsertDataProduct", ProductPhrase(p.key())}, [&]() -> absl::Status {
          // Checked before any write, so a refusal changes nothing.
          MP_RETURN_IF_ERROR(CheckSources(p));
          OptionalMicros sunset(p.sunset_time);
          pqxx::result r = txn_->exec_prepared(
              sql::kInsertProduct.name, p.domain_id, p.id, p.uid,
              p.display_name, p.description, p.owner_team_id,
              std::string(model::LifecycleName(p.lifecycle)), p.tier,
              std::string(model::ClassificationName(p.classification)),
              StringsJson(p.tags), LabelsJson(p.labels), sunset.param(),
              ToMicros(p.create_time), ToMicros(p.update_time), p.revision,
              p.archetype, p.odps_document, PortSearchText(p));
          if (r.empty()) return DiagnoseProduct(p, std::nullopt);
          WritePorts(p, /*replace=*/false);
          return absl::OkStatus();
        });
  }

  absl::Status UpdateDataProduct(const model::DataProduct& p,
                                 int64_t expected_revision) override {
    return Run(
        {"UpdateDataProduct", ProductPhrase(p.key())}, [&]() -> absl::Status {
          pqxx::result d = txn_->exec_prepared(
              sql::kDiagnoseProduct.name, p.domain_id, p.id, p.owner_team_id);
          if (d[0][0].is_null()) return NotFound(ProductPhrase(p.key()));
          int64_t stored = d[0][0].as<int64_t>();
          if (stored != expected_revision) {
            return EtagMismatch(ProductPhrase(p.key()), stored,
                                expected_revision);
          }
          MP_RETURN_IF_ERROR(CheckSources(p));
          pqxx::result reader =
              txn_->exec_prepared(sql::kReaderOfRemovedPort.name, p.domain_id,
                                  p.id, OutputPortIdsJson(p.output_ports));
          if (!reader.empty()) {
            return ReadByOthers(p.key(), reader[0]);
          }
          OptionalMicros sunset(p.sunset_time);
          pqxx::result r = txn_->exec_prepared(
              sql::kUpdateProduct.name, p.domain_id, p.id, p.uid,
              p.display_name, p.description, p.owner_team_id,
              std::string(model::LifecycleName(p.lifecycle)), p.tier,
              std::string(model::ClassificationName(p.classification)),
              StringsJson(p.tags), LabelsJson(p.labels), sunset.param(),
              ToMicros(p.create_time), ToMicros(p.update_time), p.revision,
              expected_revision, p.archetype, p.odps_document,
              PortSearchText(p));
          if (r.empty()) return DiagnoseProduct(p, expected_revision);
          WritePorts(p, /*replace=*/true);
          return absl::OkStatus();
        });
  }

  absl::Status DeleteDataProduct(const model::ProductKey& key) override {
    return Run({"DeleteDataProduct", ProductPhrase(key), true},
               [&]() -> absl::Status {
                 pqxx::result reader = txn_->exec_prepared(
                     sql::kFirstReader.name, key.domain_id, key.product_id);
                 if (!reader.empty()) return ReadByOthers(key, reader[0]);
                 MP_RETURN_IF_ERROR(RefuseWithContracts(key));
                 // Its own input ports go first: they may read its own
                 // output ports, which the cascade is about to remove.
                 txn_->exec_prepared(sql::kDeleteInputPorts.name, key.domain_id,
                                     key.product_id);
                 pqxx::result r = txn_->exec_prepared(
                     sql::kDeleteProduct.name, key.domain_id, key.product_id);
                 if (r.empty()) return NotFound(ProductPhrase(key));
                 return absl::OkStatus();
               });
  }

  absl::StatusOr<Page<model::DataProduct>> ListDataProducts(
      const DataProductFilter& filter, const PageRequest& page) override {
    MP_RETURN_IF_ERROR(CheckLimit(page));
    MP_ASSIGN_OR_RETURN(auto cursor, ParseProductCursor(page.after));
    return Run({"ListDataProducts", ""},
               [&]() -> absl::StatusOr<Page<model::DataProduct>> {
                 std::string lifecycle =
                     filter.lifecycle
                         ? std::string(model::LifecycleName(*filter.lifecycle))
                         : std::string();
                 pqxx::result r = txn_->exec_params(
                     sql::kListProducts, filter.domain_id,
                     filter.include_subdomains, filter.owner_team_id, lifecycle,
                     filter.tag, filter.text, cursor.first, cursor.second,
                     page.limit + 1);
                 Page<model::DataProduct> out;
                 for (const auto& row : r) {
                   if (static_cast<int>(out.items.size()) == page.limit) {
                     const auto& last = out.items.back();
                     out.next = absl::StrCat(last.domain_id, "/", last.id);
                     break;
                   }
                   out.items.push_back(ProductFromRow(row));
                 }
                 return out;
               });
  }

  absl::StatusOr<SearchResult> SearchDataProducts(const ProductSearch& search,
                                                  const PageRequest& page,
                                                  int skip,
                                                  int facet_limit) override {
    MP_RETURN_IF_ERROR(CheckLimit(page));
    if (skip < 0 || facet_limit < 1) {
      return absl::InvalidArgumentError(
          "skip must be >= 0 and facet_limit >= 1");
    }
    MP_ASSIGN_OR_RETURN(auto cursor, ParseSearchCursor(page.after));
    // Words are letters and digits only (ProductSearch), so quoting each
    // makes a tsquery whatever they hold.
    std::vector<std::string> terms;
    for (size_t i = 0; i < search.words.size(); ++i) {
      bool prefix = search.last_is_prefix && i + 1 == search.words.size();
      terms.push_back(
          absl::StrCat("'", search.words[i], "'", prefix ? ":*" : ""));
    }
    std::string tsquery = absl::StrJoin(terms, " & ");
    std::string lifecycle =
        search.lifecycle ? std::string(model::LifecycleName(*search.lifecycle))
                         : std::string();
    std::string classification =
        search.classification
            ? std::string(model::ClassificationName(*search.classification))
            : std::string();
    return Run(
        {"SearchDataProducts", ""}, [&]() -> absl::StatusOr<SearchResult> {
          SearchCursor c = cursor.value_or(SearchCursor{});
          pqxx::result r = txn_->exec_params(
              sql::kSearchProducts, tsquery, search.domain_id,
              search.owner_team_id, lifecycle, search.tier, classification,
              search.tag, c.score, c.domain_id, c.id, skip, page.limit + 1);
          SearchResult out;
          int last_score = 0;
          for (const auto& row : r) {
            if (static_cast<int>(out.items.size()) == page.limit) {
              const auto& last = out.items.back();
              out.next =
                  absl::StrCat(last_score, ":", last.domain_id, "/", last.id);
              break;
            }
            out.items.push_back(ProductFromRow(row));
            // The score follows the product's columns (kSearchProducts).
            last_score = row[static_cast<int>(row.size()) - 1].as<int>();
          }
          pqxx::result f =
              txn_->exec_params(sql::kSearchFacets, tsquery, search.domain_id,
                                search.owner_team_id, lifecycle, search.tier,
                                classification, search.tag, facet_limit);
          for (const auto& row : f) {
            std::string facet = row[0].as<std::string>();
            FacetCount v{row[1].as<std::string>(), row[2].as<int64_t>()};
            if (facet.empty()) {
              out.total = v.count;
            } else if (facet == "domain") {
              out.facets.domain.push_back(std::move(v));
            } else if (facet == "owner_team") {
              out.facets.owner_team.push_back(std::move(v));
            } else if (facet == "lifecycle") {
              out.facets.lifecycle.push_back(std::move(v));
            } else if (facet == "tier") {
              out.facets.tier.push_back(std::move(v));
            } else if (facet == "classification") {
              out.facets.classification.push_back(std::move(v));
            } else if (facet == "tag") {
              out.facets.tag.push_back(std::move(v));
            }
          }
          return out;
        });
  }

  absl::StatusOr<std::vector<LineageEdge>> Lineage(
      const model::ProductKey& start, LineageDirection direction,
      int max_depth) override {
    return Run({"Lineage", ProductPhrase(start)},
               [&]() -> absl::StatusOr<std::vector<LineageEdge>> {
                 const char* name = direction == LineageDirection::kDownstream
                                        ? sql::kLineageDown.name
                                        : sql::kLineageUp.name;
                 pqxx::result r = txn_->exec_prepared(
                     name, start.domain_id, start.product_id, max_depth);
                 std::vector<LineageEdge> out;
                 for (const auto& row : r) {
                   LineageEdge e;
                   e.source.domain_id = row[0].as<std::string>();
                   e.source.product_id = row[1].as<std::string>();
                   e.source.port_id = row[2].as<std::string>();
                   e.consumer.domain_id = row[3].as<std::string>();
                   e.consumer.product_id = row[4].as<std::string>();
                   e.input_port_id = row[5].as<std::string>();
                   e.depth = row[6].as<int>();
                   out.push_back(std::move(e));
                 }
                 return out;
               });
  }

  // --- Governance ---

  absl::StatusOr<model::Policy> GetPolicy(
      const model::PolicyKey& key) override {
    return Run({"GetPolicy", PolicyPhrase(key)},
               [&]() -> absl::StatusOr<model::Policy> {
                 pqxx::result r = txn_->exec_prepared(sql::kGetPolicy.name,
                                                      key.domain_id, key.id);
                 if (r.empty()) return NotFound(PolicyPhrase(key));
                 return PolicyFromRow(r[0]);
               });
  }

  absl::Status InsertPolicy(const model::Policy& p,
                            absl::string_view author) override {
    return Run({"InsertPolicy", PolicyPhrase(p.key())}, [&]() -> absl::Status {
      pqxx::result r = txn_->exec_prepared(
          sql::kInsertPolicy.name, p.domain_id, p.id, p.uid, p.display_name,
          p.description, StringsJson(p.triggers), p.condition, p.effect,
          p.enforcement, p.message, p.message_expression, LabelsJson(p.labels),
          p.owner_team_id, p.waivable, ToMicros(p.create_time),
          ToMicros(p.update_time), p.revision);
      if (r.empty()) return DiagnosePolicy(p, std::nullopt);
      AppendPolicyRevision(p, author);
      return absl::OkStatus();
    });
  }

  absl::Status UpdatePolicy(const model::Policy& p, int64_t expected_revision,
                            absl::string_view author) override {
    return Run({"UpdatePolicy", PolicyPhrase(p.key())}, [&]() -> absl::Status {
      pqxx::result r = txn_->exec_prepared(
          sql::kUpdatePolicy.name, p.domain_id, p.id, p.uid, p.display_name,
          p.description, StringsJson(p.triggers), p.condition, p.effect,
          p.enforcement, p.message, p.message_expression, LabelsJson(p.labels),
          p.owner_team_id, p.waivable, ToMicros(p.create_time),
          ToMicros(p.update_time), p.revision, expected_revision);
      if (r.empty()) return DiagnosePolicy(p, expected_revision);
      AppendPolicyRevision(p, author);
      return absl::OkStatus();
    });
  }

  absl::Status DeletePolicy(const model::PolicyKey& key) override {
    return Run({"DeletePolicy", PolicyPhrase(key), true},
               [&]() -> absl::Status {
                 pqxx::result r = txn_->exec_prepared(sql::kDeletePolicy.name,
                                                      key.domain_id, key.id);
                 if (r.empty()) return NotFound(PolicyPhrase(key));
                 return absl::OkStatus();
               });
  }

  absl::StatusOr<Page<model::Policy>> ListPolicies(
      const PolicyFilter& filter, const PageRequest& page) override {
    MP_RETURN_IF_ERROR(CheckLimit(page));
    MP_ASSIGN_OR_RETURN(auto cursor, ParsePolicyCursor(page.after));
    return Run({"ListPolicies", ""},
               [&]() -> absl::StatusOr<Page<model::Policy>> {
                 pqxx::result r = txn_->exec_params(
                     sql::kListPolicies, filter.domain_id, filter.any_domain,
                     filter.trigger, filter.effect, filter.enforcement,
                     filter.owner_team_id, cursor.first, cursor.second,
                     page.limit + 1);
                 Page<model::Policy> out;
                 for (const auto& row : r) {
                   if (static_cast<int>(out.items.size()) == page.limit) {
                     const auto& last = out.items.back();
                     out.next = absl::StrCat(last.domain_id, "/", last.id);
                     break;
                   }
                   out.items.push_back(PolicyFromRow(row));
                 }
                 return out;
               });
  }

  absl::StatusOr<std::vector<model::Policy>> AllPolicies() override {
    return Run({"AllPolicies", ""},
               [&]() -> absl::StatusOr<std::vector<model::Policy>> {
                 pqxx::result r = txn_->exec_prepared(sql::kAllPolicies.name);
                 std::vector<model::Policy> out;
                 out.reserve(r.size());
                 for (const auto& row : r) out.push_back(PolicyFromRow(row));
                 return out;
               });
  }

  absl::StatusOr<Page<model::PolicyRevision>> ListPolicyRevisions(
      const model::PolicyKey& key, const PageRequest& page) override {
    MP_RETURN_IF_ERROR(CheckLimit(page));
    MP_ASSIGN_OR_RETURN(int64_t before, ParseAuditCursor(page.after));
    return Run({"ListPolicyRevisions", PolicyPhrase(key)},
               [&]() -> absl::StatusOr<Page<model::PolicyRevision>> {
                 pqxx::result r = txn_->exec_prepared(
                     sql::kListPolicyRevisions.name, key.domain_id, key.id,
                     before, page.limit + 1);
                 Page<model::PolicyRevision> out;
                 int64_t last_sequence = 0;
                 for (const auto& row : r) {
                   if (static_cast<int>(out.items.size()) == page.limit) {
                     out.next = std::to_string(last_sequence);
                     break;
                   }
                   absl::StatusOr<model::Policy> policy =
                       model::PolicyFromJson(row[1].c_str());
                   if (!policy.ok()) {
                     return absl::InternalError(absl::StrCat(
                         "stored revision ", row[0].as<int64_t>(), " of ",
                         PolicyPhrase(key),
                         " cannot be read: ", policy.status().message()));
                   }
                   model::PolicyRevision rev;
                   rev.policy = *std::move(policy);
                   rev.author = row[2].as<std::string>();
                   rev.create_time = FromMicros(row[3].as<int64_t>());
                   last_sequence = row[0].as<int64_t>();
                   out.items.push_back(std::move(rev));
                 }
                 return out;
               });
  }

  absl::Status InsertWaiver(const model::Waiver& w) override {
    return Run(
        {"InsertWaiver", WaiverPhrase(w.policy, w.id)}, [&]() -> absl::Status {
          pqxx::result r = txn_->exec_prepared(
              sql::kInsertWaiver.name, w.policy.domain_id, w.policy.id, w.id,
              w.uid, w.resource, w.reason, ToMicros(w.expire_time),
              w.created_by, ToMicros(w.create_time), w.policy_revision);
          if (!r.empty()) return absl::OkStatus();
          pqxx::row d = txn_->exec_prepared1(
              sql::kDiagnoseWaiver.name, w.policy.domain_id, w.policy.id, w.id);
          if (d[0].as<bool>()) {
            return absl::AlreadyExistsError(
                absl::StrCat(WaiverPhrase(w.policy, w.id), " already exists"));
          }
          if (!d[1].as<bool>()) {
            return absl::NotFoundError(
                absl::StrCat(PolicyPhrase(w.policy), " of ",
                             WaiverPhrase(w.policy, w.id), " not found"));
          }
          return absl::InternalError(
              absl::StrCat("writing ", WaiverPhrase(w.policy, w.id),
                           " changed no row for no known reason"));
        });
  }

  absl::StatusOr<model::Waiver> GetWaiver(const model::PolicyKey& policy,
                                          absl::string_view id) override {
    return Run({"GetWaiver", WaiverPhrase(policy, id)},
               [&]() -> absl::StatusOr<model::Waiver> {
                 pqxx::result r =
                     txn_->exec_prepared(sql::kGetWaiver.name, policy.domain_id,
                                         policy.id, std::string(id));
                 if (r.empty()) return NotFound(WaiverPhrase(policy, id));
                 return WaiverFromRow(r[0]);
               });
  }

  absl::Status DeleteWaiver(const model::PolicyKey& policy,
                            absl::string_view id) override {
    return Run({"DeleteWaiver", WaiverPhrase(policy, id), true},
               [&]() -> absl::Status {
                 pqxx::result r = txn_->exec_prepared(
                     sql::kDeleteWaiver.name, policy.domain_id, policy.id,
                     std::string(id));
                 if (r.empty()) return NotFound(WaiverPhrase(policy, id));
                 return absl::OkStatus();
               });
  }

  absl::StatusOr<Page<model::Waiver>> ListWaivers(
      const WaiverFilter& filter, const PageRequest& page) override {
    MP_RETURN_IF_ERROR(CheckLimit(page));
    MP_ASSIGN_OR_RETURN(std::vector<std::string> cursor,
                        ParseWaiverCursor(page.after));
    return Run(
        {"ListWaivers", ""}, [&]() -> absl::StatusOr<Page<model::Waiver>> {
          OptionalMicros not_expired_at(
              filter.not_expired_at == absl::InfinitePast()
                  ? std::nullopt
                  : std::optional<absl::Time>(filter.not_expired_at));
          pqxx::result r = txn_->exec_params(
              sql::kListWaivers, filter.policy.domain_id, filter.policy.id,
              filter.all_policies, filter.resource, not_expired_at.param(),
              cursor[0], cursor[1], cursor[2], page.limit + 1);
          Page<model::Waiver> out;
          for (const auto& row : r) {
            if (static_cast<int>(out.items.size()) == page.limit) {
              const auto& last = out.items.back();
              out.next = absl::StrCat(last.policy.domain_id, "/",
                                      last.policy.id, "/", last.id);
              break;
            }
            out.items.push_back(WaiverFromRow(row));
          }
          return out;
        });
  }

  // --- Data contracts ---

  absl::StatusOr<model::Contract> GetContract(absl::string_view id) override {
    return Run({"GetContract", ContractPhrase(id)},
               [&]() -> absl::StatusOr<model::Contract> {
                 pqxx::result r = txn_->exec_prepared(sql::kGetContract.name,
                                                      std::string(id));
                 if (r.empty()) return NotFound(ContractPhrase(id));
                 return ContractFromRow(r[0]);
               });
  }

  absl::Status InsertContract(const model::Contract& c) override {
    return Run({"InsertContract", ContractPhrase(c.id)}, [&]() -> absl::Status {
      pqxx::result r = txn_->exec_prepared(
          sql::kInsertContract.name, c.id, c.uid, c.product.domain_id,
          c.product.product_id, c.display_name, c.description,
          c.compatibility_mode, c.state, c.deprecation_message,
          c.latest_version, c.version_count, LabelsJson(c.labels),
          ToMicros(c.create_time), ToMicros(c.update_time), c.revision);
      if (!r.empty()) return absl::OkStatus();
      return DiagnoseContract(c, std::nullopt);
    });
  }

  absl::Status UpdateContract(const model::Contract& c,
                              int64_t expected_revision) override {
    return Run({"UpdateContract", ContractPhrase(c.id)}, [&]() -> absl::Status {
      pqxx::result r = txn_->exec_prepared(
          sql::kUpdateContract.name, c.id, c.uid, c.product.domain_id,
          c.product.product_id, c.display_name, c.description,
          c.compatibility_mode, c.state, c.deprecation_message,
          c.latest_version, c.version_count, LabelsJson(c.labels),
          ToMicros(c.create_time), ToMicros(c.update_time), c.revision,
          expected_revision);
      if (!r.empty()) return absl::OkStatus();
      return DiagnoseContract(c, expected_revision);
    });
  }

  absl::StatusOr<Page<model::Contract>> ListContracts(
      const ContractFilter& filter, const PageRequest& page) override {
    MP_RETURN_IF_ERROR(CheckLimit(page));
    model::ProductKey product = filter.product.value_or(model::ProductKey{});
    return Run(
        {"ListContracts", ""}, [&]() -> absl::StatusOr<Page<model::Contract>> {
          pqxx::result r = txn_->exec_params(
              sql::kListContracts, product.domain_id, product.product_id,
              filter.domain_id, filter.state, page.after, page.limit + 1);
          Page<model::Contract> out;
          for (const auto& row : r) {
            if (static_cast<int>(out.items.size()) == page.limit) {
              out.next = out.items.back().id;
              break;
            }
            out.items.push_back(ContractFromRow(row));
          }
          return out;
        });
  }

  absl::Status InsertContractVersion(const model::ContractVersion& v) override {
    return Run(
        {"InsertContractVersion",
         ContractVersionPhrase(v.contract_id, v.version)},
        [&]() -> absl::Status {
          pqxx::result r = txn_->exec_prepared(
              sql::kInsertContractVersion.name, v.contract_id, v.version,
              v.major, v.minor, v.patch, v.prerelease,
              model::PrereleaseOrderKey(v.prerelease), v.status,
              v.original_yaml, v.normalized_json, v.content_hash,
              v.published_by, ToMicros(v.create_time), v.report_json);
          if (!r.empty()) return absl::OkStatus();
          if (!ContractExists(v.contract_id)) {
            return absl::NotFoundError(absl::StrCat(
                ContractPhrase(v.contract_id), " of ",
                ContractVersionPhrase(v.contract_id, v.version), " not found"));
          }
          return absl::AlreadyExistsError(absl::StrCat(
              ContractVersionPhrase(v.contract_id, v.version),
              " already exists; published versions are immutable"));
        });
  }

  absl::StatusOr<model::ContractVersion> GetContractVersion(
      absl::string_view contract_id, absl::string_view version) override {
    return Run(
        {"GetContractVersion", ContractVersionPhrase(contract_id, version)},
        [&]() -> absl::StatusOr<model::ContractVersion> {
          pqxx::result r = txn_->exec_prepared(sql::kGetContractVersion.name,
                                               std::string(contract_id),
                                               std::string(version));
          if (!r.empty()) return ContractVersionFromRow(r[0]);
          if (!ContractExists(contract_id)) {
            return NotFound(ContractPhrase(contract_id));
          }
          return NotFound(ContractVersionPhrase(contract_id, version));
        });
  }

  absl::StatusOr<Page<model::ContractVersion>> ListContractVersions(
      absl::string_view contract_id, const PageRequest& page) override {
    MP_RETURN_IF_ERROR(CheckLimit(page));
    return Run({"ListContractVersions", ContractPhrase(contract_id)},
               [&]() -> absl::StatusOr<Page<model::ContractVersion>> {
                 pqxx::result r = txn_->exec_prepared(
                     sql::kListContractVersions.name, std::string(contract_id),
                     page.after, page.limit + 1);
                 if (r.empty() && !ContractExists(contract_id)) {
                   return NotFound(ContractPhrase(contract_id));
                 }
                 Page<model::ContractVersion> out;
                 for (const auto& row : r) {
                   if (static_cast<int>(out.items.size()) == page.limit) {
                     out.next = out.items.back().version;
                     break;
                   }
                   out.items.push_back(ContractVersionFromRow(row));
                 }
                 return out;
               });
  }

  absl::StatusOr<std::vector<model::ContractVersion>> AllContractVersions(
      absl::string_view contract_id) override {
    return Run({"AllContractVersions", ContractPhrase(contract_id)},
               [&]() -> absl::StatusOr<std::vector<model::ContractVersion>> {
                 pqxx::result r = txn_->exec_prepared(
                     sql::kAllContractVersions.name, std::string(contract_id));
                 if (r.empty() && !ContractExists(contract_id)) {
                   return NotFound(ContractPhrase(contract_id));
                 }
                 std::vector<model::ContractVersion> out;
                 out.reserve(r.size());
                 for (const auto& row : r) {
                   out.push_back(ContractVersionFromRow(row));
                 }
                 return out;
               });
  }

  absl::StatusOr<std::vector<store::ContractPortReader>> ContractReaders(
      absl::string_view contract_id) override {
    return Run({"ContractReaders", ContractPhrase(contract_id)},
               [&]() -> absl::StatusOr<std::vector<store::ContractPortReader>> {
                 pqxx::result r = txn_->exec_prepared(
                     sql::kContractReaders.name, std::string(contract_id));
                 std::vector<store::ContractPortReader> out;
                 out.reserve(r.size());
                 for (const auto& row : r) {
                   store::ContractPortReader c;
                   c.port.domain_id = row[0].as<std::string>();
                   c.port.product_id = row[1].as<std::string>();
                   c.port.port_id = row[2].as<std::string>();
                   c.port_owner_team_id = row[3].as<std::string>();
                   if (!row[4].is_null()) {
                     c.reader = model::ProductKey{row[4].as<std::string>(),
                                                  row[5].as<std::string>()};
                     c.reader_input_port_id = row[6].as<std::string>();
                     c.reader_owner_team_id = row[7].as<std::string>();
                   }
                   out.push_back(std::move(c));
                 }
                 return out;
               });
  }

  // --- Access ---

  absl::Status InsertAccessRequest(const model::AccessRequest& a) override {
    return Run({"InsertAccessRequest", AccessRequestPhrase(a.id)},
               [&]() -> absl::Status {
                 pqxx::result r = txn_->exec_prepared(
                     sql::kInsertAccessRequest.name, a.id, a.uid,
                     a.port.domain_id, a.port.product_id, a.port.port_id,
                     a.consumer, a.requester, StringsJson(a.actions), a.purpose,
                     absl::ToInt64Microseconds(a.duration),
                     std::string(model::AccessRequestStateName(a.state)),
                     a.decision_json, a.grant_id, a.reviewer, a.review_comment,
                     ToMicros(a.create_time), ToMicros(a.update_time),
                     ToMicros(a.expire_time), a.revision);
                 if (!r.empty()) return absl::OkStatus();
                 return DiagnoseAccessWrite(
                     sql::kDiagnoseAccessRequest.name, a.id, a.port,
                     AccessRequestPhrase(a.id), std::nullopt);
               });
  }

  absl::StatusOr<model::AccessRequest> GetAccessRequest(
      absl::string_view id) override {
    return Run({"GetAccessRequest", AccessRequestPhrase(id)},
               [&]() -> absl::StatusOr<model::AccessRequest> {
                 pqxx::result r = txn_->exec_prepared(
                     sql::kGetAccessRequest.name, std::string(id));
                 if (r.empty()) return NotFound(AccessRequestPhrase(id));
                 return AccessRequestFromRow(r[0]);
               });
  }

  absl::Status UpdateAccessRequest(const model::AccessRequest& a,
                                   int64_t expected_revision) override {
    return Run({"UpdateAccessRequest", AccessRequestPhrase(a.id)},
               [&]() -> absl::Status {
                 pqxx::result r = txn_->exec_prepared(
                     sql::kUpdateAccessRequest.name, a.id, a.uid,
                     a.port.domain_id, a.port.product_id, a.port.port_id,
                     a.consumer, a.requester, StringsJson(a.actions), a.purpose,
                     absl::ToInt64Microseconds(a.duration),
                     std::string(model::AccessRequestStateName(a.state)),
                     a.decision_json, a.grant_id, a.reviewer, a.review_comment,
                     ToMicros(a.create_time), ToMicros(a.update_time),
                     ToMicros(a.expire_time), a.revision, expected_revision);
                 if (!r.empty()) return absl::OkStatus();
                 return DiagnoseAccessWrite(
                     sql::kDiagnoseAccessRequest.name, a.id, a.port,
                     AccessRequestPhrase(a.id), expected_revision);
               });
  }

  absl::StatusOr<Page<model::AccessRequest>> ListAccessRequests(
      const AccessRequestFilter& filter, const PageRequest& page) override {
    MP_RETURN_IF_ERROR(CheckLimit(page));
    MP_ASSIGN_OR_RETURN(NewestFirstCursor cursor,
                        ParseNewestFirstCursor(page.after));
    const std::string state =
        filter.state ? std::string(model::AccessRequestStateName(*filter.state))
                     : std::string();
    const model::OutputPortRef port =
        filter.port.value_or(model::OutputPortRef{});
    const model::ProductKey product =
        filter.product.value_or(model::ProductKey{});
    return Run({"ListAccessRequests", ""},
               [&]() -> absl::StatusOr<Page<model::AccessRequest>> {
                 OptionalMicros after_time(cursor.create_time);
                 pqxx::result r = txn_->exec_params(
                     sql::kListAccessRequests, state, ToMicros(filter.now),
                     port.domain_id, port.product_id, port.port_id,
                     product.domain_id, product.product_id, filter.consumer,
                     filter.requester, after_time.param(), cursor.id,
                     page.limit + 1);
                 Page<model::AccessRequest> out;
                 for (const auto& row : r) {
                   if (static_cast<int>(out.items.size()) == page.limit) {
                     const auto& last = out.items.back();
                     out.next = NewestFirstCursorOf(last.create_time, last.id);
                     break;
                   }
                   out.items.push_back(AccessRequestFromRow(row));
                 }
                 return out;
               });
  }

  absl::Status InsertGrant(const model::Grant& g) override {
    return Run({"InsertGrant", GrantPhrase(g.id)}, [&]() -> absl::Status {
      OptionalMicros revoke(g.revoke_time);
      pqxx::result r = txn_->exec_prepared(
          sql::kInsertGrant.name, g.id, g.uid, g.port.domain_id,
          g.port.product_id, g.port.port_id, g.consumer, StringsJson(g.actions),
          g.purpose, g.access_request_id, g.granted_by, ToMicros(g.create_time),
          ToMicros(g.expire_time), revoke.param(), g.revoked_by,
          g.revoke_reason, g.revision);
      if (!r.empty()) return absl::OkStatus();
      return DiagnoseAccessWrite(sql::kDiagnoseGrant.name, g.id, g.port,
                                 GrantPhrase(g.id), std::nullopt);
    });
  }

  absl::StatusOr<model::Grant> GetGrant(absl::string_view id) override {
    return Run({"GetGrant", GrantPhrase(id)},
               [&]() -> absl::StatusOr<model::Grant> {
                 pqxx::result r =
                     txn_->exec_prepared(sql::kGetGrant.name, std::string(id));
                 if (r.empty()) return NotFound(GrantPhrase(id));
                 return GrantFromRow(r[0]);
               });
  }

  absl::Status UpdateGrant(const model::Grant& g,
                           int64_t expected_revision) override {
    return Run({"UpdateGrant", GrantPhrase(g.id)}, [&]() -> absl::Status {
      OptionalMicros revoke(g.revoke_time);
      pqxx::result r = txn_->exec_prepared(
          sql::kUpdateGrant.name, g.id, g.uid, g.port.domain_id,
          g.port.product_id, g.port.port_id, g.consumer, StringsJson(g.actions),
          g.purpose, g.access_request_id, g.granted_by, ToMicros(g.create_time),
          ToMicros(g.expire_time), revoke.param(), g.revoked_by,
          g.revoke_reason, g.revision, expected_revision);
      if (!r.empty()) return absl::OkStatus();
      return DiagnoseAccessWrite(sql::kDiagnoseGrant.name, g.id, g.port,
                                 GrantPhrase(g.id), expected_revision);
    });
  }

  absl::StatusOr<Page<model::Grant>> ListGrants(
      const GrantFilter& filter, const PageRequest& page) override {
    MP_RETURN_IF_ERROR(CheckLimit(page));
    MP_ASSIGN_OR_RETURN(NewestFirstCursor cursor,
                        ParseNewestFirstCursor(page.after));
    const model::OutputPortRef port =
        filter.port.value_or(model::OutputPortRef{});
    const model::ProductKey product =
        filter.product.value_or(model::ProductKey{});
    return Run({"ListGrants", ""}, [&]() -> absl::StatusOr<Page<model::Grant>> {
      OptionalMicros after_time(cursor.create_time);
      pqxx::result r = txn_->exec_params(
          sql::kListGrants, port.domain_id, port.product_id, port.port_id,
          product.domain_id, product.product_id, StringsJson(filter.consumers),
          filter.active_only, ToMicros(filter.now), after_time.param(),
          cursor.id, page.limit + 1);
      Page<model::Grant> out;
      for (const auto& row : r) {
        if (static_cast<int>(out.items.size()) == page.limit) {
          const auto& last = out.items.back();
          out.next = NewestFirstCursorOf(last.create_time, last.id);
          break;
        }
        out.items.push_back(GrantFromRow(row));
      }
      return out;
    });
  }

  absl::StatusOr<std::vector<model::Grant>> ActiveGrants(
      absl::Time now, absl::string_view after, int limit) override {
    if (limit < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("ActiveGrants limit must be at least 1, got ", limit));
    }
    return Run({"ActiveGrants", ""},
               [&]() -> absl::StatusOr<std::vector<model::Grant>> {
                 pqxx::result r =
                     txn_->exec_prepared(sql::kActiveGrants.name, ToMicros(now),
                                         std::string(after), limit);
                 std::vector<model::Grant> out;
                 out.reserve(r.size());
                 for (const auto& row : r) out.push_back(GrantFromRow(row));
                 return out;
               });
  }

  absl::Status AppendAccessDecisions(
      const std::vector<model::AccessDecision>& decisions) override {
    return Run({"AppendAccessDecisions", ""}, [&]() -> absl::Status {
      if (decisions.empty()) return absl::OkStatus();
      txn_->exec_prepared(sql::kAppendAccessDecisions.name,
                          DecisionsJson(decisions));
      return absl::OkStatus();
    });
  }

  absl::Status InsertObservations(
      const std::vector<model::Observation>& observations) override {
    return Run({"InsertObservations", "an observation"}, [&]() -> absl::Status {
      if (observations.empty()) return absl::OkStatus();
      txn_->exec_prepared(sql::kInsertObservations.name,
                          ObservationsJson(observations));
      return absl::OkStatus();
    });
  }

  absl::Status PruneObservations(const model::OutputPortRef& port,
                                 model::Objective objective,
                                 absl::Time before) override {
    return Run({"PruneObservations", ""}, [&]() -> absl::Status {
      txn_->exec_prepared(sql::kPruneObservations.name, port.domain_id,
                          port.product_id, port.port_id,
                          std::string(model::ObjectiveName(objective)),
                          ToMicros(before));
      return absl::OkStatus();
    });
  }

  absl::StatusOr<ObservationSummary> SummarizeObservations(
      const model::OutputPortRef& port, model::Objective objective,
      const ObservationTarget& target,
      const std::vector<absl::Time>& since) override {
    return Run(
        {"SummarizeObservations", ""},
        [&]() -> absl::StatusOr<ObservationSummary> {
          json starts = json::array();
          for (absl::Time t : since) starts.push_back(ToMicros(t));
          pqxx::result r = txn_->exec_prepared(
              sql::kSummarizeObservations.name, port.domain_id, port.product_id,
              port.port_id, std::string(model::ObjectiveName(objective)),
              target.limit, target.at_most, starts.dump());
          ObservationSummary out;
          for (const auto& row : r) {
            out.windows.push_back({row[0].as<int64_t>(), row[1].as<int64_t>()});
            out.last_observe_time = OptionalTime(row[2]);
          }
          return out;
        });
  }

  absl::Status InsertBreach(const model::Breach& b) override {
    return Run({"InsertBreach", BreachPhrase(b.id)}, [&]() -> absl::Status {
      OptionalMicros end(b.open() ? std::nullopt
                                  : std::optional<absl::Time>(b.end_time));
      txn_->exec_prepared(sql::kInsertBreach.name, b.id, b.port.domain_id,
                          b.port.product_id, b.port.port_id,
                          std::string(model::ObjectiveName(b.objective)),
                          ToMicros(b.start_time), end.param(), b.detail);
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::optional<model::Breach>> GetOpenBreach(
      const model::OutputPortRef& port, model::Objective objective) override {
    return Run({"GetOpenBreach", ""},
               [&]() -> absl::StatusOr<std::optional<model::Breach>> {
                 pqxx::result r = txn_->exec_prepared(
                     sql::kGetOpenBreach.name, port.domain_id, port.product_id,
                     port.port_id,
                     std::string(model::ObjectiveName(objective)));
                 if (r.empty()) return std::optional<model::Breach>();
                 return std::optional<model::Breach>(BreachFromRow(r[0]));
               });
  }

  absl::Status CloseBreach(absl::string_view id, absl::Time end_time) override {
    return Run({"CloseBreach", BreachPhrase(id)}, [&]() -> absl::Status {
      pqxx::result r = txn_->exec_prepared(sql::kCloseBreach.name,
                                           std::string(id), ToMicros(end_time));
      if (!r.empty()) return absl::OkStatus();
      pqxx::result open =
          txn_->exec_prepared(sql::kBreachIsOpen.name, std::string(id));
      if (open.empty()) return NotFound(BreachPhrase(id));
      return absl::FailedPreconditionError(
          absl::StrCat(BreachPhrase(id), " is already closed"));
    });
  }

  absl::StatusOr<Page<model::Breach>> ListBreaches(
      const BreachFilter& filter, const PageRequest& page) override {
    MP_RETURN_IF_ERROR(CheckLimit(page));
    MP_ASSIGN_OR_RETURN(NewestFirstCursor cursor,
                        ParseNewestFirstCursor(page.after));
    return Run(
        {"ListBreaches", ""}, [&]() -> absl::StatusOr<Page<model::Breach>> {
          OptionalMicros after_time(cursor.create_time);
          pqxx::result r = txn_->exec_params(
              sql::kListBreaches, filter.product.domain_id,
              filter.product.product_id, filter.port_id, filter.open_only,
              after_time.param(), cursor.id, page.limit + 1);
          Page<model::Breach> out;
          for (const auto& row : r) {
            if (static_cast<int>(out.items.size()) == page.limit) {
              const auto& last = out.items.back();
              out.next = NewestFirstCursorOf(last.start_time, last.id);
              break;
            }
            out.items.push_back(BreachFromRow(row));
          }
          return out;
        });
  }

  // Sent after the commit, with the publication of the events (AfterCommit),
  // not by NOTIFY inside the transaction: PostgreSQL serialises the commits
  // of notifying transactions across their WAL flush (a database-wide lock
  // taken before the commit record), so one notifying write per fsync, as
  // with the old outbox lock. A rollback still sends nothing; a process that
  // dies between the commit and this loses the notification, which the
  // listeners' periodic refreshes cover.
  absl::Status Notify(absl::string_view channel,
                      absl::string_view payload) override {
    MP_RETURN_IF_ERROR(CheckNotify(mode_, channel, payload));
    return Run({"Notify", absl::StrCat("channel ", Quoted(channel))},
               [&]() -> absl::Status {
                 notifications_.push_back(
                     json::array({std::string(channel), std::string(payload)}));
                 return absl::OkStatus();
               });
  }

  // --- Webhooks ---

  absl::Status InsertWebhook(const model::Webhook& w) override {
    return Run({"InsertWebhook", WebhookPhrase(w.id)}, [&]() -> absl::Status {
      pqxx::result r = txn_->exec_prepared(
          sql::kInsertWebhook.name, w.id, w.url, StringsJson(w.resource_types),
          w.domain_id, w.include_subdomains, w.secret, w.creator,
          ToMicros(w.create_time), w.delivered_sequence, w.failing_attempts,
          w.last_error, ToMicros(w.next_attempt_time));
      if (r.empty()) {
        return absl::AlreadyExistsError(
            absl::StrCat(WebhookPhrase(w.id), " already exists"));
      }
      return absl::OkStatus();
    });
  }

  absl::StatusOr<model::Webhook> GetWebhook(absl::string_view id) override {
    return Run({"GetWebhook", WebhookPhrase(id)},
               [&]() -> absl::StatusOr<model::Webhook> {
                 pqxx::result r = txn_->exec_prepared(sql::kGetWebhook.name,
                                                      std::string(id));
                 if (r.empty()) return NotFound(WebhookPhrase(id));
                 return WebhookFromRow(r[0]);
               });
  }

  absl::StatusOr<Page<model::Webhook>> ListWebhooks(
      const PageRequest& page) override {
    MP_RETURN_IF_ERROR(CheckLimit(page));
    return Run(
        {"ListWebhooks", ""}, [&]() -> absl::StatusOr<Page<model::Webhook>> {
          pqxx::result r =
              txn_->exec_params(sql::kListWebhooks, page.after, page.limit + 1);
          Page<model::Webhook> out;
          for (const auto& row : r) {
            if (static_cast<int>(out.items.size()) == page.limit) {
              out.next = out.items.back().id;
              break;
            }
            out.items.push_back(WebhookFromRow(row));
          }
          return out;
        });
  }

  absl::Status DeleteWebhook(absl::string_view id) override {
    return Run(
        {"DeleteWebhook", WebhookPhrase(id), true}, [&]() -> absl::Status {
          pqxx::result r =
              txn_->exec_prepared(sql::kDeleteWebhook.name, std::string(id));
          if (r.empty()) return NotFound(WebhookPhrase(id));
          return absl::OkStatus();
        });
  }

  absl::StatusOr<std::optional<model::Webhook>> ClaimDueWebhook(
      absl::Time now) override {
    if (!IsWriteMode(mode_)) {
      return absl::FailedPreconditionError(
          "ClaimDueWebhook needs a read-write transaction (it holds the "
          "webhook until commit)");
    }
    return Run({"ClaimDueWebhook", ""},
               [&]() -> absl::StatusOr<std::optional<model::Webhook>> {
                 pqxx::result r = txn_->exec_prepared(
                     sql::kClaimDueWebhook.name, ToMicros(now));
                 if (r.empty()) return std::optional<model::Webhook>();
                 return std::optional<model::Webhook>(WebhookFromRow(r[0]));
               });
  }

  absl::Status UpdateWebhookState(const model::Webhook& w) override {
    return Run(
        {"UpdateWebhookState", WebhookPhrase(w.id)}, [&]() -> absl::Status {
          pqxx::result r = txn_->exec_prepared(
              sql::kUpdateWebhookState.name, w.id, w.delivered_sequence,
              w.failing_attempts, w.last_error, ToMicros(w.next_attempt_time));
          if (r.empty()) return NotFound(WebhookPhrase(w.id));
          return absl::OkStatus();
        });
  }

  absl::Status AppendWebhookDeliveries(
      const std::vector<model::WebhookDelivery>& deliveries,
      int keep) override {
    std::string phrase = "a webhook";
    if (!deliveries.empty()) phrase = WebhookPhrase(deliveries[0].webhook_id);
    return Run({"AppendWebhookDeliveries", phrase}, [&]() -> absl::Status {
      if (deliveries.empty()) return absl::OkStatus();
      txn_->exec_prepared(sql::kAppendWebhookDeliveries.name,
                          DeliveriesJson(deliveries));
      std::vector<std::string> ids;
      for (const auto& d : deliveries) {
        if (std::find(ids.begin(), ids.end(), d.webhook_id) == ids.end()) {
          ids.push_back(d.webhook_id);
        }
      }
      for (const auto& id : ids) {
        txn_->exec_prepared(sql::kPruneWebhookDeliveries.name, id,
                            std::max(keep, 0));
      }
      return absl::OkStatus();
    });
  }

  absl::StatusOr<Page<model::WebhookDelivery>> ListWebhookDeliveries(
      absl::string_view webhook_id, const PageRequest& page) override {
    MP_RETURN_IF_ERROR(CheckLimit(page));
    // NULL (the first page) or the sequence of the previous page's last.
    const char* before = nullptr;
    if (!page.after.empty()) {
      int64_t seq = 0;
      if (!absl::SimpleAtoi(page.after, &seq)) return BadCursor(page.after);
      before = page.after.c_str();
    }
    return Run({"ListWebhookDeliveries", WebhookPhrase(webhook_id)},
               [&]() -> absl::StatusOr<Page<model::WebhookDelivery>> {
                 pqxx::result r = txn_->exec_params(sql::kListWebhookDeliveries,
                                                    std::string(webhook_id),
                                                    before, page.limit + 1);
                 Page<model::WebhookDelivery> out;
                 int64_t last = 0;
                 for (const auto& row : r) {
                   if (static_cast<int>(out.items.size()) == page.limit) {
                     out.next = std::to_string(last);
                     break;
                   }
                   model::WebhookDelivery d;
                   d.webhook_id = row[0].as<std::string>();
                   d.event_sequence = row[1].as<int64_t>();
                   d.event_type = row[2].as<std::string>();
                   d.attempt = row[3].as<int32_t>();
                   d.time = FromMicros(row[4].as<int64_t>());
                   d.http_status = row[5].as<int32_t>();
                   d.success = row[6].as<bool>();
                   d.error = row[7].as<std::string>();
                   d.duration = absl::Microseconds(row[8].as<int64_t>());
                   last = row[9].as<int64_t>();
                   out.items.push_back(std::move(d));
                 }
                 return out;
               });
  }

  // --- Web sessions ---

  absl::Status InsertWebSession(const WebSession& s, absl::Time now) override {
    return Run({"InsertWebSession", "web session"}, [&]() -> absl::Status {
      txn_->exec_prepared(sql::kDeleteExpiredWebSessions.name, ToMicros(now));
      pqxx::result r = txn_->exec_prepared(
          sql::kInsertWebSession.name, s.id_hash, s.principal, s.credential,
          ToMicros(s.create_time), ToMicros(s.expire_time));
      if (r.empty()) return absl::AlreadyExistsError("web session exists");
      return absl::OkStatus();
    });
  }

  absl::StatusOr<WebSession> GetWebSession(absl::string_view id_hash) override {
    return Run({"GetWebSession", "web session"},
               [&]() -> absl::StatusOr<WebSession> {
                 pqxx::result r = txn_->exec_prepared(sql::kGetWebSession.name,
                                                      std::string(id_hash));
                 if (r.empty()) return absl::NotFoundError("no such session");
                 WebSession s;
                 s.id_hash = r[0][0].as<std::string>();
                 s.principal = r[0][1].as<std::string>();
                 s.credential = r[0][2].as<std::string>();
                 s.create_time = FromMicros(r[0][3].as<int64_t>());
                 s.expire_time = FromMicros(r[0][4].as<int64_t>());
                 return s;
               });
  }

  absl::Status DeleteWebSession(absl::string_view id_hash) override {
    return Run({"DeleteWebSession", "web session"}, [&]() -> absl::Status {
      txn_->exec_prepared(sql::kDeleteWebSession.name, std::string(id_hash));
      return absl::OkStatus();
    });
  }

  // --- Identity ---

  absl::Status InsertToken(const model::ApiToken& t) override {
    return Run({"InsertToken", TokenPhrase(t.id)}, [&]() -> absl::Status {
      OptionalMicros expire(t.expire_time);
      OptionalMicros revoke(t.revoke_time);
      pqxx::result r = txn_->exec_prepared(
          sql::kInsertToken.name, t.id, t.principal, t.description,
          t.secret_hash, t.platform_admin, ToMicros(t.create_time),
          expire.param(), revoke.param(), t.created_by);
      if (r.empty()) {
        return absl::AlreadyExistsError(
            absl::StrCat(TokenPhrase(t.id), " already exists"));
      }
      return absl::OkStatus();
    });
  }

  absl::StatusOr<model::ApiToken> GetToken(absl::string_view id) override {
    return Run({"GetToken", TokenPhrase(id)},
               [&]() -> absl::StatusOr<model::ApiToken> {
                 pqxx::result r =
                     txn_->exec_prepared(sql::kGetToken.name, std::string(id));
                 if (r.empty()) return NotFound(TokenPhrase(id));
                 return TokenFromRow(r[0]);
               });
  }

  absl::StatusOr<Page<model::ApiToken>> ListTokens(
      const TokenFilter& filter, const PageRequest& page) override {
    MP_RETURN_IF_ERROR(CheckLimit(page));
    return Run(
        {"ListTokens", ""}, [&]() -> absl::StatusOr<Page<model::ApiToken>> {
          pqxx::result r = txn_->exec_params(sql::kListTokens, filter.principal,
                                             filter.include_revoked, page.after,
                                             page.limit + 1);
          Page<model::ApiToken> out;
          for (const auto& row : r) {
            if (static_cast<int>(out.items.size()) == page.limit) {
              out.next = out.items.back().id;
              break;
            }
            out.items.push_back(TokenFromRow(row));
          }
          return out;
        });
  }

  absl::Status RevokeToken(absl::string_view id, absl::Time when) override {
    return Run({"RevokeToken", TokenPhrase(id)}, [&]() -> absl::Status {
      pqxx::result r = txn_->exec_prepared(sql::kRevokeToken.name,
                                           std::string(id), ToMicros(when));
      if (r.empty()) return NotFound(TokenPhrase(id));
      return absl::OkStatus();
    });
  }

  absl::StatusOr<int64_t> CountActiveAdminTokens(absl::Time now) override {
    return Run({"CountActiveAdminTokens", ""},
               [&]() -> absl::StatusOr<int64_t> {
                 return txn_
                     ->exec_prepared1(sql::kCountActiveAdminTokens.name,
                                      ToMicros(now))[0]
                     .as<int64_t>();
               });
  }

  // --- Audit, events, idempotency ---

  absl::StatusOr<int64_t> AppendAudit(const model::AuditRecord& a) override {
    return Run({"AppendAudit", ""}, [&]() -> absl::StatusOr<int64_t> {
      return txn_
          ->exec_prepared1(sql::kAppendAudit.name, ToMicros(a.time),
                           a.principal, a.method, a.resource, a.request_id,
                           a.before_json, a.after_json, a.outcome_code,
                           a.outcome_message, a.validate_only, a.decision_json,
                           a.transport)[0]
          .as<int64_t>();
    });
  }

  // No NOTIFY here: PostgreSQL serialises the commits of notifying
  // transactions across their WAL flush (one lock per database), which is
  // what the outbox lock cost. The publication after the commit notifies.
  absl::StatusOr<int64_t> AppendEvent(const model::Event& e) override {
    return Run({"AppendEvent", ""}, [&]() -> absl::StatusOr<int64_t> {
      const int64_t append_id =
          txn_->exec_prepared1(sql::kAppendEvent.name, ToMicros(e.time), e.type,
                               e.resource, e.domain_id, e.payload_json)[0]
              .as<int64_t>();
      appended_events_ = true;
      return append_id;
    });
  }

  absl::StatusOr<int64_t> LastEventSequence() override {
    return Run({"LastEventSequence", ""}, [&]() -> absl::StatusOr<int64_t> {
      PublishBeforeRead();
      return txn_->exec_prepared1(sql::kLastEventSequence.name)[0]
          .as<int64_t>();
    });
  }

  absl::StatusOr<int64_t> EventsPrunedThrough() override {
    return Run({"EventsPrunedThrough", ""}, [&]() -> absl::StatusOr<int64_t> {
      return txn_->exec_prepared1(sql::kEventsPrunedThrough.name)[0]
          .as<int64_t>();
    });
  }

  absl::StatusOr<int64_t> PruneEvents(absl::Time before, int64_t max_sequence,
                                      int limit) override {
    if (limit < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("PruneEvents: limit ", limit, " is not positive"));
    }
    return Run({"PruneEvents", ""}, [&]() -> absl::StatusOr<int64_t> {
      if (!txn_->exec_prepared1(sql::kTryLockEventPruning.name)[0].as<bool>()) {
        return int64_t{0};  // another replica is pruning
      }
      const int64_t before_us = ToMicros(before);
      pqxx::result r =
          txn_->exec_prepared(sql::kEventsToPrune.name, int64_t{limit} + 1);
      int64_t count = 0;
      int64_t through = 0;
      for (const auto& row : r) {
        if (row[2].as<bool>()) continue;  // the old tombstone
        if (count == limit || row[0].as<int64_t>() > max_sequence ||
            row[1].as<int64_t>() >= before_us) {
          break;
        }
        through = row[0].as<int64_t>();
        ++count;
      }
      if (count > 0) {
        txn_->exec_prepared(sql::kPruneEventsThrough.name, through);
      }
      return count;
    });
  }

  absl::StatusOr<Page<model::AuditRecord>> ListAudit(
      const AuditFilter& filter, const PageRequest& page) override {
    MP_RETURN_IF_ERROR(CheckLimit(page));
    MP_ASSIGN_OR_RETURN(int64_t before, ParseAuditCursor(page.after));
    return Run(
        {"ListAudit", ""}, [&]() -> absl::StatusOr<Page<model::AuditRecord>> {
          pqxx::result r =
              txn_->exec_params(sql::kListAudit, filter.resource,
                                filter.principal, before, page.limit + 1);
          Page<model::AuditRecord> out;
          for (const auto& row : r) {
            if (static_cast<int>(out.items.size()) == page.limit) {
              out.next = std::to_string(out.items.back().sequence);
              break;
            }
            model::AuditRecord a;
            a.sequence = row[0].as<int64_t>();
            a.time = FromMicros(row[1].as<int64_t>());
            a.principal = row[2].as<std::string>();
            a.method = row[3].as<std::string>();
            a.resource = row[4].as<std::string>();
            a.request_id = row[5].as<std::string>();
            a.before_json = row[6].as<std::string>();
            a.after_json = row[7].as<std::string>();
            a.outcome_code = row[8].as<int>();
            a.outcome_message = row[9].as<std::string>();
            a.validate_only = row[10].as<bool>();
            a.decision_json = row[11].as<std::string>();
            a.transport = row[12].as<std::string>();
            out.items.push_back(std::move(a));
          }
          return out;
        });
  }

  absl::StatusOr<std::vector<model::Event>> ListEvents(int64_t after_sequence,
                                                       int limit) override {
    return Run({"ListEvents", ""},
               [&]() -> absl::StatusOr<std::vector<model::Event>> {
                 PublishBeforeRead();
                 // One row more, for the tombstone (sql.h, event retention).
                 const int64_t want = std::max(limit, 0);
                 pqxx::result r = txn_->exec_prepared(sql::kListEvents.name,
                                                      after_sequence, want + 1);
                 std::vector<model::Event> out;
                 for (const auto& row : r) {
                   if (row[2].as<std::string>().empty()) {
                     const int64_t pruned = row[0].as<int64_t>();
                     if (after_sequence > 0) {
                       return EventsPrunedError(after_sequence, pruned);
                     }
                     continue;
                   }
                   if (static_cast<int64_t>(out.size()) == want) break;
                   model::Event e;
                   e.sequence = row[0].as<int64_t>();
                   e.time = FromMicros(row[1].as<int64_t>());
                   e.type = row[2].as<std::string>();
                   e.resource = row[3].as<std::string>();
                   e.domain_id = row[4].as<std::string>();
                   e.payload_json = row[5].as<std::string>();
                   out.push_back(std::move(e));
                 }
                 return out;
               });
  }

  absl::StatusOr<bool> TryLockRequest(absl::string_view principal,
                                      absl::string_view method,
                                      absl::string_view request_id) override {
    return Run({"TryLockRequest", ""}, [&]() -> absl::StatusOr<bool> {
      return txn_
          ->exec_prepared1(sql::kTryLockRequest.name,
                           RequestLockKey(principal, method, request_id))[0]
          .as<bool>();
    });
  }

  absl::StatusOr<std::optional<model::IdempotencyRecord>> GetIdempotency(
      absl::string_view principal, absl::string_view method,
      absl::string_view request_id, absl::Time not_before) override {
    return Run(
        {"GetIdempotency", ""},
        [&]() -> absl::StatusOr<std::optional<model::IdempotencyRecord>> {
          if (IsWriteMode(mode_) &&
              txn_->exec_prepared(sql::kClaimIdempotency.name,
                                  std::string(principal), std::string(method),
                                  std::string(request_id), ToMicros(not_before))
                      .size() == 1) {
            return std::optional<model::IdempotencyRecord>();  // claimed
          }
          pqxx::result r = txn_->exec_prepared(
              sql::kGetIdempotency.name, std::string(principal),
              std::string(method), std::string(request_id),
              ToMicros(not_before));
          if (r.empty()) return std::optional<model::IdempotencyRecord>();
          model::IdempotencyRecord rec;
          rec.principal = std::string(principal);
          rec.method = std::string(method);
          rec.request_id = std::string(request_id);
          rec.request_hash = r[0][0].as<std::string>();
          rec.response = r[0][1].as<std::string>();
          rec.create_time = FromMicros(r[0][2].as<int64_t>());
          return std::optional<model::IdempotencyRecord>(std::move(rec));
        });
  }

  absl::Status PutIdempotency(const model::IdempotencyRecord& rec) override {
    return Run({"PutIdempotency", ""}, [&]() -> absl::Status {
      txn_->exec_prepared(sql::kPutIdempotency.name, rec.principal, rec.method,
                          rec.request_id, rec.request_hash, rec.response,
                          ToMicros(rec.create_time));
      put_idempotency_time_ = rec.create_time;
      return absl::OkStatus();
    });
  }

  absl::Status Commit() override {
    if (!error_.ok()) {
      txn_.reset();
      return error_;
    }
    if (IsWriteMode(mode_) && txn_ != nullptr && absl::Now() >= deadline_) {
      // The caller has been (or is being) told that the call expired: a
      // commit now would be a write it believes did not happen, and that a
      // retry under a new request id would make twice.
      txn_.reset();
      return absl::DeadlineExceededError(
          "the call's deadline passed before its transaction could commit; "
          "it was rolled back");
    }
    absl::Status s = Run({"Commit", ""}, [&]() -> absl::Status {
      txn_->commit();
      return absl::OkStatus();
    });
    txn_.reset();
    if (s.ok() && (appended_events_ || !notifications_.empty())) {
      AfterCommit();
    }
    if (s.ok() && put_idempotency_time_.has_value()) SweepIdempotency();
    return s;
  }

 private:
  // Runs `body` (which calls libpqxx), mapping any exception through the one
  // mapping function. After an exception the database transaction is
  // aborted, so every later call fails with that first error.
  template <typename F>
  auto Run(const OpContext& context, F&& body) -> decltype(body()) {
    if (!error_.ok()) return error_;
    if (txn_ == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          context.op, " called on a transaction that already ended"));
    }
    try {
      return body();
    } catch (...) {
      bool lost = false;
      error_ = pg::MapPgError(std::current_exception(), context, &lost);
      if (lost) lease_.MarkBroken();
      return error_;
    }
  }

  static absl::Status NotFound(const std::string& phrase) {
    return absl::NotFoundError(absl::StrCat(phrase, " not found"));
  }

  // Why an insert (expected == nullopt) or update of `d` wrote no row.
  absl::Status DiagnoseDomain(const model::Domain& d,
                              std::optional<int64_t> expected) {
    pqxx::row r = txn_->exec_prepared1(sql::kDiagnoseDomain.name, d.id,
                                       d.owner_team_id, d.parent_id);
    if (!expected) {
      if (!r[0].is_null()) {
        return absl::AlreadyExistsError(
            absl::StrCat(DomainPhrase(d.id), " already exists"));
      }
    } else {
      if (r[0].is_null()) return NotFound(DomainPhrase(d.id));
      if (r[0].as<int64_t>() != *expected) {
        return EtagMismatch(DomainPhrase(d.id), r[0].as<int64_t>(), *expected);
      }
    }
    if (!r[1].as<bool>()) {
      return absl::NotFoundError(
          absl::StrCat("owner ", TeamPhrase(d.owner_team_id), " of ",
                       DomainPhrase(d.id), " not found"));
    }
    if (!r[2].as<bool>()) {
      return absl::NotFoundError(
          absl::StrCat("parent ", DomainPhrase(d.parent_id), " of ",
                       DomainPhrase(d.id), " not found"));
    }
    return absl::InternalError(absl::StrCat(
        "writing ", DomainPhrase(d.id), " changed no row for no known reason"));
  }

  // Why an insert (expected == nullopt) or update of `c` wrote no row.
  absl::Status DiagnoseContract(const model::Contract& c,
                                std::optional<int64_t> expected) {
    pqxx::row r =
        txn_->exec_prepared1(sql::kDiagnoseContract.name, c.id,
                             c.product.domain_id, c.product.product_id);
    if (!expected) {
      if (!r[0].is_null()) {
        return absl::AlreadyExistsError(
            absl::StrCat(ContractPhrase(c.id), " already exists"));
      }
      if (!r[3].as<bool>()) {
        return absl::NotFoundError(absl::StrCat(ProductPhrase(c.product),
                                                " of ", ContractPhrase(c.id),
                                                " not found"));
      }
    } else {
      if (r[0].is_null()) return NotFound(ContractPhrase(c.id));
      if (r[0].as<int64_t>() != *expected) {
        return EtagMismatch(ContractPhrase(c.id), r[0].as<int64_t>(),
                            *expected);
      }
      model::ProductKey stored{r[1].as<std::string>(), r[2].as<std::string>()};
      if (!(stored == c.product)) {
        return absl::FailedPreconditionError(
            absl::StrCat("the data product of ", ContractPhrase(c.id),
                         " is immutable: it belongs to ", ProductPhrase(stored),
                         ", not ", ProductPhrase(c.product)));
      }
    }
    return absl::InternalError(
        absl::StrCat("writing ", ContractPhrase(c.id),
                     " changed no row for no known reason"));
  }

  // Why an insert (expected == nullopt) or update of an access request or a
  // grant (`diagnose` is its kDiagnose* statement) wrote no row.
  absl::Status DiagnoseAccessWrite(const char* diagnose, const std::string& id,
                                   const model::OutputPortRef& port,
                                   const std::string& phrase,
                                   std::optional<int64_t> expected) {
    pqxx::row r = txn_->exec_prepared1(diagnose, id, port.domain_id,
                                       port.product_id, port.port_id);
    if (!expected) {
      if (!r[0].is_null()) {
        return absl::AlreadyExistsError(
            absl::StrCat(phrase, " already exists"));
      }
    } else {
      if (r[0].is_null()) return NotFound(phrase);
      if (r[0].as<int64_t>() != *expected) {
        return EtagMismatch(phrase, r[0].as<int64_t>(), *expected);
      }
    }
    if (!r[1].as<bool>()) {
      return absl::NotFoundError(
          absl::StrCat(OutputPortPhrase(port), " of ", phrase, " not found"));
    }
    return absl::InternalError(absl::StrCat(
        "writing ", phrase, " changed no row for no known reason"));
  }

  bool ContractExists(absl::string_view id) {
    return txn_->exec_prepared1(sql::kContractExists.name, std::string(id))[0]
        .as<bool>();
  }

  // FAILED_PRECONDITION while contracts belong to the product: consumers
  // rely on them, so they must not disappear with it.
  absl::Status RefuseWithContracts(const model::ProductKey& key) {
    pqxx::row r = txn_->exec_prepared1(sql::kProductContracts.name,
                                       key.domain_id, key.product_id);
    int64_t contracts = r[1].as<int64_t>();
    if (contracts == 0) return absl::OkStatus();
    return WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            "cannot delete ", ProductPhrase(key), ": it still owns ", contracts,
            " data contract(s), e.g. ", ContractPhrase(r[0].as<std::string>()),
            "; contracts cannot be moved or deleted")),
        "HAS_CHILDREN");
  }

  // Why an insert (expected == nullopt) or update of `p` wrote no row.
  absl::Status DiagnosePolicy(const model::Policy& p,
                              std::optional<int64_t> expected) {
    pqxx::row r = txn_->exec_prepared1(sql::kDiagnosePolicy.name, p.domain_id,
                                       p.id, p.owner_team_id);
    if (!expected) {
      if (!r[0].is_null()) {
        return absl::AlreadyExistsError(
            absl::StrCat(PolicyPhrase(p.key()), " already exists"));
      }
      if (!r[1].as<bool>()) {
        return absl::NotFoundError(absl::StrCat(DomainPhrase(p.domain_id),
                                                " of ", PolicyPhrase(p.key()),
                                                " not found"));
      }
    } else {
      if (r[0].is_null()) return NotFound(PolicyPhrase(p.key()));
      if (r[0].as<int64_t>() != *expected) {
        return EtagMismatch(PolicyPhrase(p.key()), r[0].as<int64_t>(),
                            *expected);
      }
    }
    if (!r[2].as<bool>()) {
      return absl::NotFoundError(
          absl::StrCat("owner ", TeamPhrase(p.owner_team_id), " of ",
                       PolicyPhrase(p.key()), " not found"));
    }
    return absl::InternalError(
        absl::StrCat("writing ", PolicyPhrase(p.key()),
                     " changed no row for no known reason"));
  }

  // The history row of `p` as just written; its time is the policy's
  // update_time, so that the history agrees with the resource.
  void AppendPolicyRevision(const model::Policy& p, absl::string_view author) {
    txn_->exec_prepared(sql::kInsertPolicyRevision.name, p.domain_id, p.id,
                        p.revision, model::ToJson(p), std::string(author),
                        ToMicros(p.update_time));
  }

  absl::Status DiagnoseProduct(const model::DataProduct& p,
                               std::optional<int64_t> expected) {
    pqxx::row r = txn_->exec_prepared1(sql::kDiagnoseProduct.name, p.domain_id,
                                       p.id, p.owner_team_id);
    if (!expected) {
      if (!r[0].is_null()) {
        return absl::AlreadyExistsError(
            absl::StrCat(ProductPhrase(p.key()), " already exists"));
      }
      if (!r[1].as<bool>()) {
        return absl::NotFoundError(absl::StrCat(DomainPhrase(p.domain_id),
                                                " of ", ProductPhrase(p.key()),
                                                " not found"));
      }
    } else {
      if (r[0].is_null()) return NotFound(ProductPhrase(p.key()));
      if (r[0].as<int64_t>() != *expected) {
        return EtagMismatch(ProductPhrase(p.key()), r[0].as<int64_t>(),
                            *expected);
      }
    }
    if (!r[2].as<bool>()) {
      return absl::NotFoundError(
          absl::StrCat("owner ", TeamPhrase(p.owner_team_id), " of ",
                       ProductPhrase(p.key()), " not found"));
    }
    return absl::InternalError(
        absl::StrCat("writing ", ProductPhrase(p.key()),
                     " changed no row for no known reason"));
  }

  // NOT_FOUND naming the first input port whose source output port does not
  // exist. A product may read its own output ports (checked in memory, as
  // they are written only after this check).
  absl::Status CheckSources(const model::DataProduct& p) {
    json others = json::array();
    for (const auto& in : p.input_ports) {
      if (in.source.domain_id == p.domain_id && in.source.product_id == p.id) {
        bool found = false;
        for (const auto& out : p.output_ports)
          found |= out.id == in.source.port_id;
        if (!found) return MissingSource(p, in.source);
        continue;
      }
      others.push_back({{"d", in.source.domain_id},
                        {"p", in.source.product_id},
                        {"port", in.source.port_id}});
    }
    if (others.empty()) return absl::OkStatus();
    pqxx::result r =
        txn_->exec_prepared(sql::kMissingSource.name, others.dump());
    if (r.empty()) return absl::OkStatus();
    return MissingSource(p, model::OutputPortRef{r[0][0].as<std::string>(),
                                                 r[0][1].as<std::string>(),
                                                 r[0][2].as<std::string>()});
  }

  static absl::Status MissingSource(const model::DataProduct& p,
                                    const model::OutputPortRef& source) {
    std::string port_of;
    for (const auto& in : p.input_ports) {
      if (in.source == source) {
        port_of = absl::StrCat(" (read by input port ", Quoted(in.id), ")");
        break;
      }
    }
    return absl::NotFoundError(absl::StrCat(
        "source output port ", Quoted(model::OutputPortName(source)), " of ",
        ProductPhrase(p.key()), " not found", port_of));
  }

  static absl::Status ReadByOthers(const model::ProductKey& key,
                                   const pqxx::row& reader) {
    model::ProductKey consumer{reader[0].as<std::string>(),
                               reader[1].as<std::string>()};
    return WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            "output port ",
            Quoted(model::OutputPortName(
                {key.domain_id, key.product_id, reader[3].as<std::string>()})),
            " of ", ProductPhrase(key), " is read by input port ",
            Quoted(reader[2].as<std::string>()), " of ",
            ProductPhrase(consumer),
            "; that product must stop reading it first")),
        "IN_USE");
  }

  // Writes the ports of `p` (its row is already written). `replace`: the
  // product existed before, so its old ports are removed first (input ports
  // first, since they may read output ports that are about to go away); a
  // product inserted by this transaction has none, which saves two
  // statements per create.
  void WritePorts(const model::DataProduct& p, bool replace) {
    if (replace) {
      txn_->exec_prepared(sql::kDeleteInputPorts.name, p.domain_id, p.id);
      txn_->exec_prepared(sql::kDeleteOtherOutputPorts.name, p.domain_id, p.id,
                          OutputPortIdsJson(p.output_ports));
    }
    if (!p.output_ports.empty()) {
      txn_->exec_prepared(sql::kUpsertOutputPorts.name, p.domain_id, p.id,
                          OutputPortsJson(p.output_ports));
    }
    if (!p.input_ports.empty()) {
      txn_->exec_prepared(sql::kInsertInputPorts.name, p.domain_id, p.id,
                          InputPortsJson(p.input_ports));
    }
  }

  // Now and then, after a commit that stored a request id, deletes expired
  // idempotency records, outside of any user transaction (autocommit), so
  // that the sweep never makes a write conflict. Failures only delay it.
  // Sends the transaction's notifications and numbers its events (and any
  // other committed ones) once it has committed, waiting for a publisher of
  // another connection to finish first: when Commit returns, the events are
  // in the feed, so a reader of this process sees its own writes. The write
  // has committed whatever happens here; events left unnumbered by a
  // failure are numbered by the next publication (the next write, or a feed
  // reader's PublishBeforeRead).
  void AfterCommit() {
    try {
      pqxx::nontransaction after(lease_.conn());
      after.exec_prepared(sql::kAfterCommit.name, appended_events_,
                          notifications_.dump());
    } catch (...) {
      bool lost = false;
      pg::MapPgError(std::current_exception(), {"AfterCommit", ""}, &lost)
          .IgnoreError();
      if (lost) lease_.MarkBroken();
    }
  }

  // The feed readers' fallback (kSingleRead, i.e. autocommit, only; in a
  // transaction the publisher's turn would last to its end): numbers what a
  // writer that failed after its commit left behind, unless another
  // publisher is at work (then its notification wakes the readers again).
  void PublishBeforeRead() {
    if (mode_ != TxnMode::kSingleRead) return;
    txn_->exec_prepared(sql::kPublishEvents.name, false);
  }

  void SweepIdempotency() {
    if (store_->idempotency_puts.fetch_add(1) % kIdempotencySweepEvery !=
        kIdempotencySweepEvery - 1) {
      return;
    }
    try {
      pqxx::nontransaction sweep(lease_.conn());
      sweep.exec_prepared(sql::kExpireIdempotency.name,
                          ToMicros(*put_idempotency_time_));
    } catch (...) {
      bool lost = false;
      pg::MapPgError(std::current_exception(), {"SweepIdempotency", ""}, &lost)
          .IgnoreError();
      if (lost) lease_.MarkBroken();
    }
  }

  PostgresStore::Impl* store_;
  const TxnMode mode_;
  const absl::Time deadline_;  // of the call; InfiniteFuture: none
  pg::ConnectionPool::Lease lease_;
  // Declared after lease_: destroyed (rolled back) before the connection
  // returns to the pool.
  std::unique_ptr<pqxx::transaction_base> txn_;
  absl::Status error_;  // the first error that aborted the transaction
  std::optional<absl::Time> put_idempotency_time_;
  bool appended_events_ = false;  // Commit publishes them
  // The ancestors of the domain a write's GetDomain read last (nearest
  // first), until a domain write in this transaction.
  std::optional<std::string> ancestors_of_;
  std::vector<model::Domain> ancestors_;
  json notifications_ = json::array();  // [channel, payload], for AfterCommit
};

}  // namespace

PostgresStore::PostgresStore(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

PostgresStore::~PostgresStore() = default;

namespace {

// Open and CheckSchema: what a schema this build cannot work with is.
absl::Status SchemaTooOld(int version) {
  return absl::FailedPreconditionError(absl::StrCat(
      "the database schema is at version ", version, "; this build needs ",
      kRequiredSchemaVersion, ": run `meshplaned migrate` first"));
}

absl::Status NoSchema() {
  return absl::FailedPreconditionError(
      "the database has no Meshplane schema (schema_migrations is "
      "missing): run `meshplaned migrate` first");
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> PostgresStore::Open(
    const PostgresStoreOptions& options) {
  if (options.database_url.empty()) {
    return absl::InvalidArgumentError("database_url is empty");
  }
  if (options.statement_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("statement_timeout is negative");
  }
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("pool_size must be at least 1, got ", options.pool_size));
  }
  if (options.max_waiters < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_waiters must not be negative, got ", options.max_waiters));
  }
  auto impl = std::make_unique<Impl>(options);
  {
    MP_ASSIGN_OR_RETURN(pg::ConnectionPool::Lease lease, impl->pool.Acquire());
    try {
      pqxx::nontransaction check(lease.conn());
      int version =
          check.exec_prepared1(pg::sql::kSchemaVersion.name)[0].as<int>();
      if (version < kRequiredSchemaVersion) {
        return SchemaTooOld(version);
      }
      // Start-up sweep of expired idempotency records.
      check.exec_prepared(pg::sql::kExpireIdempotency.name,
                          static_cast<const char*>(nullptr));
    } catch (const pqxx::undefined_table&) {
      return NoSchema();
    } catch (...) {
      bool lost = false;
      absl::Status s =
          pg::MapPgError(std::current_exception(), {"Open", "", false}, &lost);
      if (lost) lease.MarkBroken();
      return s;
    }
  }
  return std::unique_ptr<Store>(new PostgresStore(std::move(impl)));
}

absl::StatusOr<std::unique_ptr<Transaction>> PostgresStore::Begin(
    TxnMode mode) {
  const absl::Time deadline = DeadlineScope::Current();
  absl::Status last;
  // A pooled connection may have died while idle (server restart); then the
  // first BEGIN fails, the idle connections are dropped and one fresh
  // connection is tried.
  for (int attempt = 0; attempt < 2; ++attempt) {
    MP_ASSIGN_OR_RETURN(pg::ConnectionPool::Lease lease,
                        impl_->pool.Acquire(deadline));
    try {
      std::unique_ptr<pqxx::transaction_base> txn;
      if (mode == TxnMode::kReadWrite) {
        txn = std::make_unique<
            pqxx::transaction<pqxx::serializable, pqxx::read_write>>(
            lease.conn());
      } else if (mode == TxnMode::kReadCommitted) {
        txn = std::make_unique<
            pqxx::transaction<pqxx::read_committed, pqxx::read_write>>(
            lease.conn());
      } else if (mode == TxnMode::kReadOnly) {
        txn = std::make_unique<
            pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>>(
            lease.conn());
      } else {
        // No round trip at all until the first statement.
        txn = std::make_unique<pqxx::nontransaction>(lease.conn());
      }
      if (deadline != absl::InfiniteFuture() && mode != TxnMode::kSingleRead) {
        // Every statement, and every wait for a row lock, ends by the
        // deadline: a write blocked behind another transaction's lock must
        // not go on to commit after its caller was told it expired. (In
        // kSingleRead, SET LOCAL would not outlive its own statement; those
        // reads take no row locks and have the session's bound.)
        const absl::Duration left = deadline - absl::Now();
        if (left <= absl::ZeroDuration()) {
          return absl::DeadlineExceededError(
              "the call's deadline passed before its transaction started");
        }
        absl::Duration bound = left;
        if (impl_->statement_timeout > absl::ZeroDuration()) {
          bound = std::min(bound, impl_->statement_timeout);
        }
        txn->exec_prepared(
            pg::sql::kSetTransactionTimeouts.name,
            absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(bound)),
                         "ms"));
      }
      return std::unique_ptr<Transaction>(new PostgresTransaction(
          impl_.get(), mode, deadline, std::move(lease), std::move(txn)));
    } catch (...) {
      bool lost = false;
      last =
          pg::MapPgError(std::current_exception(), {"Begin", "", false}, &lost);
      if (!lost) return last;
      lease.MarkBroken();
      impl_->pool.DropIdle();
    }
  }
  return last;
}

absl::StatusOr<std::unique_ptr<Listener>> PostgresStore::NewListener() {
  // Reconnects at most a second apart, so that the caches a listener feeds
  // are current again within about a second of PostgreSQL's return.
  pg::PostgresListener::Options options;
  options.max_backoff = absl::Seconds(1);
  return std::unique_ptr<Listener>(
      std::make_unique<pg::PostgresListener>(impl_->listener_url, options));
}

namespace {

// Runs `query` on the store's readiness connection (opened on first use and
// after a failure), retrying once on a fresh connection when the old one
// turns out to be dead (server restart). `query` returns a Status.
template <typename F>
absl::Status OnHealthConnection(PostgresStore::Impl& impl, const char* op,
                                F query) {
  {
    absl::MutexLock state(&impl.health_state_mu);
    const absl::Duration waited = absl::Now() - impl.health_busy_since;
    if (impl.health_busy_since != absl::InfinitePast() &&
        waited > absl::Seconds(1)) {
      return absl::UnavailableError(absl::StrCat(
          "PostgreSQL is unavailable (", op,
          "): the previous check has had "
          "no answer for ",
          absl::FormatDuration(absl::Trunc(waited, absl::Milliseconds(1)))));
    }
  }
  absl::MutexLock lock(&impl.health_mu);
  {
    absl::MutexLock state(&impl.health_state_mu);
    impl.health_busy_since = absl::Now();
  }
  struct NotBusy {
    PostgresStore::Impl& impl;
    ~NotBusy() {
      absl::MutexLock state(&impl.health_state_mu);
      impl.health_busy_since = absl::InfinitePast();
    }
  } not_busy{impl};
  absl::Status last;
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      if (impl.health == nullptr) {
        impl.pool.CountConnectAttempt();
        auto conn = pg::Connect(impl.listener_url);
        // A database that accepts connections but does not answer must not
        // hold readiness (and the probes queued behind this lock) for long.
        pqxx::nontransaction session(*conn);
        session.exec_params(pg::sql::kSetStatementTimeout, "2000ms");
        session.commit();
        impl.health = std::move(conn);
      }
      pqxx::nontransaction txn(*impl.health);
      absl::Status s = query(txn);
      // PostgreSQL answers: a pool that gave up on it may connect again at
      // once rather than after its backoff.
      impl.pool.MarkUp();
      return s;
    } catch (const pqxx::undefined_table&) {
      return NoSchema();
    } catch (...) {
      bool lost = false;
      last = pg::MapPgError(std::current_exception(), {op, "", false}, &lost);
      impl.health.reset();
      if (!lost) return last;
    }
  }
  return last;
}

}  // namespace

// Both on a connection of their own, outside the pool: readiness must not
// queue behind the calls that keep every pooled connection busy (a replica
// that sheds load correctly is still ready).
absl::Status PostgresStore::Ping() {
  return OnHealthConnection(*impl_, "Ping", [](pqxx::nontransaction& txn) {
    txn.exec(pg::sql::kPing.text);
    return absl::OkStatus();
  });
}

absl::Status PostgresStore::CheckSchema() {
  return OnHealthConnection(
      *impl_, "CheckSchema", [](pqxx::nontransaction& txn) {
        int version = txn.exec(pg::sql::kSchemaVersion.text)[0][0].as<int>();
        return version < kRequiredSchemaVersion ? SchemaTooOld(version)
                                                : absl::OkStatus();
      });
}

PoolStats PostgresStore::pool_stats() const {
  pg::ConnectionPool::Usage usage = impl_->pool.usage();
  PoolStats stats;
  stats.size = impl_->pool.size();
  stats.in_use = usage.in_use;
  stats.idle = usage.idle;
  stats.waiting = usage.waiting;
  stats.connect_attempts = usage.connect_attempts;
  stats.shed = usage.shed;
  return stats;
}

void PostgresStore::SetPoolWaitObserver(PoolWaitObserver observer) {
  impl_->pool.SetWaitObserver(std::move(observer));
}

}  // namespace meshplane::store
