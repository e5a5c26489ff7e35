#include "store/postgres/slo.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/postgres/cursors.h"
#include "store/postgres/errors.h"
#include "store/postgres/rows.h"
#include "store/postgres/slo_sql.h"
#include <pqxx/pqxx>

#include "meshplane/common/status_macros.h"
#include "meshplane/model/slo.h"

namespace meshplane::store::pg {

namespace {

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

}  // namespace

absl::Status PgSloRepository::InsertObservations(
    const std::vector<model::Observation>& observations) {
  return ctx_.Run({"InsertObservations", "an observation"},
                  [&]() -> absl::Status {
                    if (observations.empty()) return absl::OkStatus();
                    ctx_.txn().exec_prepared(sql::kInsertObservations.name,
                                             ObservationsJson(observations));
                    return absl::OkStatus();
                  });
}

absl::Status PgSloRepository::PruneObservations(
    const model::OutputPortRef& port, model::Objective objective,
    absl::Time before) {
  return ctx_.Run({"PruneObservations", ""}, [&]() -> absl::Status {
    ctx_.txn().exec_prepared(sql::kPruneObservations.name, port.domain_id,
                             port.product_id, port.port_id,
                             std::string(model::ObjectiveName(objective)),
                             ToMicros(before));
    return absl::OkStatus();
  });
}

absl::StatusOr<ObservationSummary> PgSloRepository::SummarizeObservations(
    const model::OutputPortRef& port, model::Objective objective,
    const ObservationTarget& target, const std::vector<absl::Time>& since) {
  return ctx_.Run(
      {"SummarizeObservations", ""},
      [&]() -> absl::StatusOr<ObservationSummary> {
        json starts = json::array();
        for (absl::Time t : since) starts.push_back(ToMicros(t));
        pqxx::result r = ctx_.txn().exec_prepared(
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

absl::Status PgSloRepository::InsertBreach(const model::Breach& b) {
  return ctx_.Run({"InsertBreach", BreachPhrase(b.id)}, [&]() -> absl::Status {
    OptionalMicros end(b.open() ? std::nullopt
                                : std::optional<absl::Time>(b.end_time));
    ctx_.txn().exec_prepared(sql::kInsertBreach.name, b.id, b.port.domain_id,
                             b.port.product_id, b.port.port_id,
                             std::string(model::ObjectiveName(b.objective)),
                             ToMicros(b.start_time), end.param(), b.detail);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<model::Breach>> PgSloRepository::GetOpenBreach(
    const model::OutputPortRef& port, model::Objective objective) {
  return ctx_.Run({"GetOpenBreach", ""},
                  [&]() -> absl::StatusOr<std::optional<model::Breach>> {
                    pqxx::result r = ctx_.txn().exec_prepared(
                        sql::kGetOpenBreach.name, port.domain_id,
                        port.product_id, port.port_id,
                        std::string(model::ObjectiveName(objective)));
                    if (r.empty()) return std::optional<model::Breach>();
                    return std::optional<model::Breach>(BreachFromRow(r[0]));
                  });
}

absl::Status PgSloRepository::CloseBreach(absl::string_view id,
                                          absl::Time end_time) {
  return ctx_.Run({"CloseBreach", BreachPhrase(id)}, [&]() -> absl::Status {
    pqxx::result r = ctx_.txn().exec_prepared(
        sql::kCloseBreach.name, std::string(id), ToMicros(end_time));
    if (!r.empty()) return absl::OkStatus();
    pqxx::result open =
        ctx_.txn().exec_prepared(sql::kBreachIsOpen.name, std::string(id));
    if (open.empty()) return NotFound(BreachPhrase(id));
    return absl::FailedPreconditionError(
        absl::StrCat(BreachPhrase(id), " is already closed"));
  });
}

absl::StatusOr<Page<model::Breach>> PgSloRepository::ListBreaches(
    const BreachFilter& filter, const PageRequest& page) {
  MP_RETURN_IF_ERROR(CheckLimit(page));
  MP_ASSIGN_OR_RETURN(NewestFirstCursor cursor,
                      ParseNewestFirstCursor(page.after));
  OptionalMicros after_time(cursor.create_time);
  return ListPage(
      {"ListBreaches", ""}, page, BreachFromRow,
      [](const model::Breach& last) {
        return NewestFirstCursorOf(last.start_time, last.id);
      },
      sql::kListBreaches, filter.product.domain_id, filter.product.product_id,
      filter.port_id, filter.open_only, after_time.param(), cursor.id);
}

}  // namespace meshplane::store::pg
