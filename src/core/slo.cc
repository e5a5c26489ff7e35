#include "meshplane/core/slo.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/page_token.h"
#include "core/rpc_names.h"
#include "core/validation.h"
#include "core/write_helpers.h"
#include "core/write_pipeline.h"
#include <nlohmann/json.hpp>

#include "meshplane/common/crypto.h"
#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::core {
namespace {

using internal::Violations;
using internal::WriteOutcome;
using internal::WritePipeline;
using internal::WriteSpec;
using model::Objective;
using json = nlohmann::json;

// Rounding slack for "share of up probes >= availability_percent":
// 100.0 * 999 / 1000 must meet 99.9.
constexpr double kPercentEpsilon = 1e-9;

std::string Percent(double p) { return absl::StrFormat("%.6g%%", p); }

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

absl::Time ParseRfc3339(const std::string& s) {
  absl::Time t = absl::InfinitePast();
  std::string err;
  if (!s.empty()) absl::ParseTime(absl::RFC3339_full, s, &t, &err);
  return t;
}

// A breach as events carry it and as a replayed response holds it.
json BreachJson(const model::Breach& b) {
  json j = {{"name", model::BreachName(b)},
            {"id", b.id},
            {"output_port", model::OutputPortName(b.port)},
            {"objective", std::string(model::ObjectiveName(b.objective))},
            {"start_time", Rfc3339(b.start_time)},
            {"detail", b.detail}};
  if (!b.open()) j["end_time"] = Rfc3339(b.end_time);
  return j;
}

absl::StatusOr<model::Breach> BreachFromJson(const json& j) {
  model::Breach b;
  b.id = j.value("id", "");
  MP_ASSIGN_OR_RETURN(b.port, model::ParseOutputPortName(
                                  "output_port", j.value("output_port", "")));
  b.objective = model::ParseObjective(j.value("objective", ""))
                    .value_or(Objective::kUnspecified);
  b.start_time = ParseRfc3339(j.value("start_time", ""));
  b.end_time = ParseRfc3339(j.value("end_time", ""));
  b.detail = j.value("detail", "");
  return b;
}

std::string ReportJson(const ReportResult& r) {
  json opened = json::array();
  json closed = json::array();
  for (const auto& b : r.opened) opened.push_back(BreachJson(b));
  for (const auto& b : r.closed) closed.push_back(BreachJson(b));
  return json{{"recorded", r.recorded}, {"opened", opened}, {"closed", closed}}
      .dump();
}

absl::StatusOr<ReportResult> ReportFromJson(const std::string& s) {
  json j = json::parse(s, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InternalError("stored ReportObservations response unreadable");
  }
  ReportResult r;
  r.recorded = j.value("recorded", 0);
  for (const auto& b : j.value("opened", json::array())) {
    MP_ASSIGN_OR_RETURN(model::Breach got, BreachFromJson(b));
    r.opened.push_back(std::move(got));
  }
  for (const auto& b : j.value("closed", json::array())) {
    MP_ASSIGN_OR_RETURN(model::Breach got, BreachFromJson(b));
    r.closed.push_back(std::move(got));
  }
  return r;
}

// What the request-id record compares when the server gave no hash.
std::string Fingerprint(const std::vector<ObservationReport>& reports) {
  std::string out;
  for (const auto& r : reports) {
    absl::StrAppend(&out, r.output_port, "|", model::ObjectiveName(r.objective),
                    "|",
                    r.observe_time ? absl::ToUnixMicros(*r.observe_time) : -1,
                    "|", absl::ToInt64Microseconds(r.staleness), "|",
                    r.available, "|", r.completeness_percent, "|",
                    absl::ToInt64Microseconds(r.latency), "\n");
  }
  return out;
}

// The audit record's resource: the one port or product a batch is about,
// else the first port.
std::string ReportResource(const std::vector<model::Observation>& rows) {
  if (rows.empty()) return "";
  bool one_port = true;
  bool one_product = true;
  for (const auto& o : rows) {
    one_port = one_port && o.port == rows[0].port;
    one_product = one_product && o.port.domain_id == rows[0].port.domain_id &&
                  o.port.product_id == rows[0].port.product_id;
  }
  if (!one_port && one_product) {
    return model::ProductName(
        {rows[0].port.domain_id, rows[0].port.product_id});
  }
  return model::OutputPortName(rows[0].port);
}

std::vector<absl::Time> WindowStarts(absl::Time now) {
  std::vector<absl::Time> out;
  for (absl::Duration w : kSloWindows) out.push_back(WindowStart(now, w));
  return out;
}

// Why a breach opened, in words.
std::string BreachDetail(const ObjectiveTarget& target,
                         const std::string& target_text,
                         const WindowCompliance& c,
                         const model::Observation* example) {
  const std::string window = absl::FormatDuration(c.window);
  if (target.objective == Objective::kAvailability) {
    return absl::StrCat("availability ", Percent(c.compliance_percent),
                        " over the last ", window, " (", c.good, " of ",
                        c.observations, " probes up); promised ", target_text);
  }
  std::string out = absl::StrCat(c.observations - c.good, " of ",
                                 c.observations, " observations over the last ",
                                 window, " missed ", target_text);
  if (example != nullptr) {
    absl::StrAppend(&out, "; e.g. ",
                    DescribeValue(example->objective, example->value), " at ",
                    Rfc3339(example->observe_time));
  }
  return out;
}

}  // namespace

// ----------------------------------------------------------- arithmetic

std::vector<ObjectiveTarget> DeclaredTargets(
    const model::ServiceLevelObjectives& slo) {
  std::vector<ObjectiveTarget> out;
  for (Objective o : {Objective::kFreshness, Objective::kAvailability,
                      Objective::kCompleteness, Objective::kLatency}) {
    if (auto t = TargetOf(slo, o)) out.push_back(*t);
  }
  return out;
}

std::optional<ObjectiveTarget> TargetOf(
    const model::ServiceLevelObjectives& slo, Objective objective) {
  ObjectiveTarget t;
  t.objective = objective;
  switch (objective) {
    case Objective::kFreshness:
      if (!slo.max_staleness) return std::nullopt;
      t.observation = {
          static_cast<double>(absl::ToInt64Microseconds(*slo.max_staleness)),
          true};
      return t;
    case Objective::kAvailability:
      if (!slo.availability_percent) return std::nullopt;
      t.observation = {1, false};
      t.availability_percent = *slo.availability_percent;
      return t;
    case Objective::kCompleteness:
      if (!slo.completeness_percent) return std::nullopt;
      t.observation = {*slo.completeness_percent, false};
      return t;
    case Objective::kLatency:
      if (!slo.latency) return std::nullopt;
      t.observation = {
          static_cast<double>(absl::ToInt64Microseconds(*slo.latency)), true};
      return t;
    case Objective::kUnspecified:
      break;
  }
  return std::nullopt;
}

std::string DescribeTarget(const ObjectiveTarget& t) {
  switch (t.objective) {
    case Objective::kFreshness:
      return absl::StrCat(
          "staleness <= ",
          absl::FormatDuration(absl::Microseconds(t.observation.limit)));
    case Objective::kAvailability:
      return absl::StrCat("availability >= ", Percent(t.availability_percent));
    case Objective::kCompleteness:
      return absl::StrCat("completeness >= ", Percent(t.observation.limit));
    case Objective::kLatency:
      return absl::StrCat(
          "latency <= ",
          absl::FormatDuration(absl::Microseconds(t.observation.limit)));
    case Objective::kUnspecified:
      break;
  }
  return "";
}

double ObservationValue(const ObservationReport& r) {
  switch (r.objective) {
    case Objective::kFreshness:
      return static_cast<double>(absl::ToInt64Microseconds(r.staleness));
    case Objective::kAvailability:
      return r.available ? 1 : 0;
    case Objective::kCompleteness:
      return r.completeness_percent;
    case Objective::kLatency:
      return static_cast<double>(absl::ToInt64Microseconds(r.latency));
    case Objective::kUnspecified:
      break;
  }
  return 0;
}

std::string DescribeValue(Objective objective, double value) {
  switch (objective) {
    case Objective::kFreshness:
      return absl::StrCat("staleness ",
                          absl::FormatDuration(absl::Microseconds(value)));
    case Objective::kAvailability:
      return value >= 1 ? "up" : "down";
    case Objective::kCompleteness:
      return absl::StrCat("completeness ", Percent(value));
    case Objective::kLatency:
      return absl::StrCat("latency ",
                          absl::FormatDuration(absl::Microseconds(value)));
    case Objective::kUnspecified:
      break;
  }
  return "";
}

bool MeetsTarget(const store::ObservationTarget& target, double value) {
  return target.at_most ? value <= target.limit : value >= target.limit;
}

absl::Time WindowStart(absl::Time now, absl::Duration window) {
  return now - window;
}

bool InWindow(absl::Time observe_time, absl::Time now, absl::Duration window) {
  return observe_time > WindowStart(now, window);
}

WindowCompliance ComputeCompliance(const ObjectiveTarget& target,
                                   absl::Duration window,
                                   const store::ObservationCounts& counts) {
  WindowCompliance c;
  c.window = window;
  c.observations = counts.observations;
  c.good = counts.good;
  if (counts.observations <= 0) return c;  // no data is not compliance
  c.compliance_percent = 100.0 * static_cast<double>(counts.good) /
                         static_cast<double>(counts.observations);
  if (target.objective == Objective::kAvailability) {
    c.met =
        c.compliance_percent + kPercentEpsilon >= target.availability_percent;
  } else {
    c.met = counts.good == counts.observations;
  }
  return c;
}

absl::Status CheckObserveTime(absl::Time observe_time, absl::Time now,
                              const std::string& field) {
  if (observe_time > now + kMaxObservationLead) {
    return InvalidArgumentWithFields(
        {{field,
          absl::StrCat(Rfc3339(observe_time), " is more than ",
                       absl::FormatDuration(kMaxObservationLead),
                       " ahead of the server's clock (", Rfc3339(now), ")")}});
  }
  if (observe_time < now - kMaxObservationAge) {
    return InvalidArgumentWithFields(
        {{field,
          absl::StrCat(Rfc3339(observe_time), " is more than ",
                       absl::FormatDuration(kMaxObservationAge),
                       " before the server's clock (", Rfc3339(now), ")")}});
  }
  return absl::OkStatus();
}

// --------------------------------------------------------- ServiceLevels

ServiceLevels::ServiceLevels(store::Store& store, const auth::Authorizer& authz,
                             const Clock& clock, ServiceLevelOptions options)
    : store_(store),
      authz_(authz),
      clock_(clock),
      options_(std::move(options)) {}

absl::Status ServiceLevels::CheckReporter(
    const RequestContext& ctx, const model::DataProduct& product) const {
  const model::Principal& p = ctx.principal;
  if (authz_.CheckAdmin(p, "report observations").ok() ||
      p.IsMemberOf(product.owner_team_id) ||
      std::find(options_.reporters.begin(), options_.reporters.end(), p.id) !=
          options_.reporters.end()) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      p.id, " may not report observations of ",
      model::ProductName(product.key()),
      ": that takes membership of its owner team \"", product.owner_team_id,
      "\", the platform-admin role, or being an --slo-reporter of the server"));
}

absl::StatusOr<ReportResult> ServiceLevels::ReportObservations(
    const RequestContext& ctx, const std::vector<ObservationReport>& reports) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  const absl::Time now = internal::StoreNow(clock_);
  Violations v;
  if (reports.empty()) {
    v.Add("observations", "at least one observation is required");
  } else if (reports.size() > kMaxObservationsPerReport) {
    v.Add("observations",
          absl::StrCat("at most ", kMaxObservationsPerReport,
                       " observations per call, got ", reports.size()));
  }
  MP_RETURN_IF_ERROR(v.ToStatus());
  std::vector<model::Observation> rows(reports.size());
  for (size_t i = 0; i < reports.size(); ++i) {
    const ObservationReport& r = reports[i];
    const std::string at = absl::StrCat("observations[", i, "].");
    auto port = model::ParseOutputPortName(at + "output_port", r.output_port);
    if (!port.ok()) {
      v.AddStatus(at + "output_port", port.status());
    } else {
      rows[i].port = *port;
    }
    rows[i].objective = r.objective;
    rows[i].observe_time = r.observe_time.value_or(now);
    rows[i].value = ObservationValue(r);
    v.AddStatus(at + "observe_time", CheckObserveTime(rows[i].observe_time, now,
                                                      at + "observe_time"));
    switch (r.objective) {
      case Objective::kUnspecified:
        v.Add(at + "objective",
              "is required: FRESHNESS, AVAILABILITY, COMPLETENESS or LATENCY");
        break;
      case Objective::kFreshness:
        if (r.staleness < absl::ZeroDuration()) {
          v.Add(at + "staleness", "must not be negative");
        }
        break;
      case Objective::kLatency:
        if (r.latency < absl::ZeroDuration()) {
          v.Add(at + "latency", "must not be negative");
        }
        break;
      case Objective::kCompleteness:
        if (!(r.completeness_percent >= 0 && r.completeness_percent <= 100)) {
          v.Add(at + "completeness_percent", "must be between 0 and 100");
        }
        break;
      case Objective::kAvailability:
        break;
    }
  }
  MP_RETURN_IF_ERROR(v.ToStatus());

  ReportResult result;
  WriteSpec spec{internal::rpc::kReportObservations, ReportResource(rows),
                 Fingerprint(reports)};
  WritePipeline pipeline(store_, clock_);
  MP_ASSIGN_OR_RETURN(
      auto replay,
      pipeline.Run(
          ctx, spec,
          [&](store::Transaction& txn, WriteOutcome& out) -> absl::Status {
            result = ReportResult{};
            // The product of each port (loaded and authorized once), and
            // the target of each observation.
            std::map<model::ProductKey, model::DataProduct> products;
            std::vector<ObjectiveTarget> targets(rows.size());
            Violations undeclared;
            for (size_t i = 0; i < rows.size(); ++i) {
              const model::OutputPortRef& ref = rows[i].port;
              const std::string field =
                  absl::StrCat("observations[", i, "].output_port");
              const model::ProductKey key{ref.domain_id, ref.product_id};
              auto it = products.find(key);
              if (it == products.end()) {
                auto got = txn.registry().GetDataProduct(key);
                if (!got.ok()) {
                  return internal::Referenced(got.status(), field,
                                              model::OutputPortName(ref));
                }
                MP_RETURN_IF_ERROR(CheckReporter(ctx, *got));
                it = products.emplace(key, *std::move(got)).first;
              }
              const model::OutputPort* port = nullptr;
              for (const auto& o : it->second.output_ports) {
                if (o.id == ref.port_id) port = &o;
              }
              if (port == nullptr) {
                return internal::NotFoundAt(field, model::OutputPortName(ref));
              }
              auto target = TargetOf(port->objectives, rows[i].objective);
              if (!target) {
                undeclared.Add(
                    absl::StrCat("observations[", i, "].objective"),
                    absl::StrCat(model::OutputPortName(ref), " declares no ",
                                 model::ObjectiveName(rows[i].objective),
                                 " objective"));
                continue;
              }
              targets[i] = *target;
            }
            MP_RETURN_IF_ERROR(undeclared.ToStatus());
            MP_RETURN_IF_ERROR(txn.slo().InsertObservations(rows));
            result.recorded = static_cast<int>(rows.size());

            // Each (port, objective) the batch touched, once, in batch
            // order: the breach window decides whether a breach opens or
            // closes.
            std::vector<size_t> firsts;
            for (size_t i = 0; i < rows.size(); ++i) {
              bool seen = false;
              for (size_t f : firsts) {
                seen = seen || (rows[f].port == rows[i].port &&
                                rows[f].objective == rows[i].objective);
              }
              if (!seen) firsts.push_back(i);
            }
            for (size_t f : firsts) {
              const model::OutputPortRef& port = rows[f].port;
              const ObjectiveTarget& target = targets[f];
              MP_RETURN_IF_ERROR(txn.slo().PruneObservations(
                  port, target.objective, now - kObservationRetention));
              const absl::Duration window = kSloWindows[kBreachWindowIndex];
              MP_ASSIGN_OR_RETURN(
                  store::ObservationSummary summary,
                  txn.slo().SummarizeObservations(port, target.objective,
                                                  target.observation,
                                                  {WindowStart(now, window)}));
              const WindowCompliance c =
                  ComputeCompliance(target, window, summary.windows.at(0));
              MP_ASSIGN_OR_RETURN(
                  std::optional<model::Breach> open,
                  txn.slo().GetOpenBreach(port, target.objective));
              // This pair's observations in the batch: the earliest that
              // missed the target, the earliest at all, the newest.
              const model::Observation* first_miss = nullptr;
              absl::Time earliest = absl::InfiniteFuture();
              absl::Time newest = absl::InfinitePast();
              for (const auto& o : rows) {
                if (!(o.port == port) || o.objective != target.objective) {
                  continue;
                }
                earliest = std::min(earliest, o.observe_time);
                newest = std::max(newest, o.observe_time);
                if (!MeetsTarget(target.observation, o.value) &&
                    (first_miss == nullptr ||
                     o.observe_time < first_miss->observe_time)) {
                  first_miss = &o;
                }
              }
              model::Event event;
              event.time = now;
              event.domain_id = port.domain_id;
              if (!open && c.observations > 0 && !c.met) {
                model::Breach b;
                b.id = RandomUuid();
                b.port = port;
                b.objective = target.objective;
                b.start_time =
                    first_miss != nullptr ? first_miss->observe_time : earliest;
                b.detail =
                    BreachDetail(target, DescribeTarget(target), c, first_miss);
                MP_RETURN_IF_ERROR(txn.slo().InsertBreach(b));
                event.type = "slo.breached";
                event.resource = model::BreachName(b);
                event.payload_json = BreachJson(b).dump();
                result.opened.push_back(std::move(b));
              } else if (open && c.met) {
                model::Breach b = *std::move(open);
                b.end_time = std::max(newest, b.start_time);
                MP_RETURN_IF_ERROR(txn.slo().CloseBreach(b.id, b.end_time));
                event.type = "slo.recovered";
                event.resource = model::BreachName(b);
                event.payload_json = BreachJson(b).dump();
                result.closed.push_back(std::move(b));
              }
              if (!event.type.empty()) {
                MP_RETURN_IF_ERROR(txn.events().AppendEvent(event).status());
              }
            }
            out.after_json = ReportJson(result);
            out.response_json = out.after_json;
            return absl::OkStatus();
          }));
  if (replay) return ReportFromJson(*replay);
  return result;
}

absl::StatusOr<ObjectiveStatus> ServiceLevels::Status(
    store::Transaction& txn, const model::OutputPortRef& port,
    const ObjectiveTarget& target, absl::Time now) const {
  MP_ASSIGN_OR_RETURN(
      store::ObservationSummary summary,
      txn.slo().SummarizeObservations(port, target.objective,
                                      target.observation, WindowStarts(now)));
  ObjectiveStatus s;
  s.target = target;
  s.target_text = DescribeTarget(target);
  for (size_t i = 0; i < std::size(kSloWindows); ++i) {
    store::ObservationCounts counts;
    if (i < summary.windows.size()) counts = summary.windows[i];
    s.windows.push_back(ComputeCompliance(target, kSloWindows[i], counts));
  }
  s.last_observe_time = summary.last_observe_time;
  MP_ASSIGN_OR_RETURN(std::optional<model::Breach> open,
                      txn.slo().GetOpenBreach(port, target.objective));
  s.breached = open.has_value();
  return s;
}

absl::StatusOr<ServiceLevelStatus> ServiceLevels::GetStatus(
    const RequestContext& ctx, const std::string& output_port) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_ASSIGN_OR_RETURN(model::OutputPortRef ref,
                      model::ParseOutputPortName("output_port", output_port));
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
  auto product =
      txn->registry().GetDataProduct({ref.domain_id, ref.product_id});
  if (!product.ok()) {
    return internal::Referenced(product.status(), "output_port", output_port);
  }
  for (const auto& o : product->output_ports) {
    if (o.id != ref.port_id) continue;
    ServiceLevelStatus out;
    out.port = ref;
    const absl::Time now = internal::StoreNow(clock_);
    for (const ObjectiveTarget& t : DeclaredTargets(o.objectives)) {
      MP_ASSIGN_OR_RETURN(ObjectiveStatus s, Status(*txn, ref, t, now));
      out.objectives.push_back(std::move(s));
    }
    return out;
  }
  return internal::NotFoundAt("output_port", output_port);
}

absl::StatusOr<std::vector<ServiceLevelStatus>> ServiceLevels::ProductStatus(
    const RequestContext& ctx, const model::DataProduct& product) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  std::vector<ServiceLevelStatus> out;
  bool any = false;
  for (const auto& o : product.output_ports) any = any || !o.objectives.empty();
  if (!any) return out;
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
  const absl::Time now = internal::StoreNow(clock_);
  for (const auto& o : product.output_ports) {
    if (o.objectives.empty()) continue;
    ServiceLevelStatus status;
    status.port = {product.domain_id, product.id, o.id};
    for (const ObjectiveTarget& t : DeclaredTargets(o.objectives)) {
      MP_ASSIGN_OR_RETURN(ObjectiveStatus s, Status(*txn, status.port, t, now));
      status.objectives.push_back(std::move(s));
    }
    out.push_back(std::move(status));
  }
  return out;
}

absl::StatusOr<ListResult<model::Breach>> ServiceLevels::ListBreaches(
    const RequestContext& ctx, const std::string& parent, bool open_only,
    const ListQuery& query) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_ASSIGN_OR_RETURN(int limit, internal::EffectivePageSize(query.page_size));
  store::BreachFilter filter;
  filter.open_only = open_only;
  if (absl::StrContains(parent, "/outputPorts/")) {
    MP_ASSIGN_OR_RETURN(model::OutputPortRef port,
                        model::ParseOutputPortName("parent", parent));
    filter.product = {port.domain_id, port.product_id};
    filter.port_id = port.port_id;
  } else {
    MP_ASSIGN_OR_RETURN(filter.product,
                        model::ParseProductName("parent", parent));
  }
  MP_ASSIGN_OR_RETURN(
      auto read,
      internal::BeginListRead(store_, store::TxnMode::kReadOnly,
                              {"breaches", parent, open_only ? "open" : "all"},
                              query.page_token, limit));
  auto product = read.txn->registry().GetDataProduct(filter.product);
  if (!product.ok())
    return internal::Referenced(product.status(), "parent", parent);
  if (!filter.port_id.empty()) {
    bool found = false;
    for (const auto& o : product->output_ports) {
      found = found || o.id == filter.port_id;
    }
    if (!found) return internal::NotFoundAt("parent", parent);
  }
  MP_ASSIGN_OR_RETURN(auto page,
                      read.txn->slo().ListBreaches(filter, read.page));
  return internal::ToListResult(std::move(page), read.fingerprint);
}

}  // namespace meshplane::core
