// InMemorySlo: service-level observations and breaches.
#include "meshplane/model/slo.h"

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/testing/memstore/repositories.h"

#include "meshplane/common/status_macros.h"

namespace meshplane::testing::memstore_internal {

namespace {

// Observation keys: unique across the store's transactions, in insertion
// order (the Postgres store's bigserial).
std::atomic<int64_t> next_observation_key{1};

}  // namespace

absl::Status InMemorySlo::InsertObservations(
    const std::vector<model::Observation>& observations) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  for (const model::Observation& o : observations) {
    MP_RETURN_IF_ERROR(CheckPort(txn_, o.port, "an observation"));
  }
  for (const model::Observation& o : observations) {
    model::Observation row = o;
    row.observe_time = Trunc(row.observe_time);
    txn_.observations.Put(next_observation_key++, row);
  }
  if (!observations.empty()) txn_.Write(kObservationsTable, "");
  return absl::OkStatus();
}

absl::Status InMemorySlo::PruneObservations(const model::OutputPortRef& port,
                                            model::Objective objective,
                                            absl::Time before) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  txn_.Read(kObservationsTable);
  for (const auto& [k, o] : txn_.observations.Merged()) {
    if (o.port == port && o.objective == objective && o.observe_time < before) {
      txn_.observations.Erase(k);
      txn_.Write(kObservationsTable, "");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<store::ObservationSummary> InMemorySlo::SummarizeObservations(
    const model::OutputPortRef& port, model::Objective objective,
    const store::ObservationTarget& target,
    const std::vector<absl::Time>& since) {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(kObservationsTable);
  store::ObservationSummary out;
  out.windows.resize(since.size());
  for (const auto& [k, o] : txn_.observations.Merged()) {
    if (!(o.port == port) || o.objective != objective) continue;
    if (!out.last_observe_time || o.observe_time > *out.last_observe_time) {
      out.last_observe_time = o.observe_time;
    }
    const bool good =
        target.at_most ? o.value <= target.limit : o.value >= target.limit;
    for (size_t i = 0; i < since.size(); ++i) {
      if (o.observe_time <= Trunc(since[i])) continue;
      ++out.windows[i].observations;
      if (good) ++out.windows[i].good;
    }
  }
  return out;
}

absl::Status InMemorySlo::InsertBreach(const model::Breach& breach) {
  const std::string phrase = absl::StrCat("breach \"", breach.id, "\"");
  MP_RETURN_IF_ERROR(CheckInsert(txn_, txn_.breaches, breach.id,
                                 BreachRowKey(breach.id), phrase));
  MP_RETURN_IF_ERROR(CheckPort(txn_, breach.port, phrase));
  if (breach.open()) {
    MP_ASSIGN_OR_RETURN(auto open,
                        GetOpenBreach(breach.port, breach.objective));
    if (open) {
      return absl::AlreadyExistsError(absl::StrCat(phrase, " already exists"));
    }
  }
  model::Breach b = breach;
  b.start_time = Trunc(b.start_time);
  b.end_time = Trunc(b.end_time);
  PutRow(txn_, txn_.breaches, b.id, b, BreachRowKey(b.id), kBreachesTable);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<model::Breach>> InMemorySlo::GetOpenBreach(
    const model::OutputPortRef& port, model::Objective objective) {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(kBreachesTable);
  for (const auto& [id, b] : txn_.breaches.Merged()) {
    if (b.port == port && b.objective == objective && b.open()) {
      return std::optional<model::Breach>(b);
    }
  }
  return std::optional<model::Breach>();
}

absl::Status InMemorySlo::CloseBreach(absl::string_view id,
                                      absl::Time end_time) {
  const std::string phrase = absl::StrCat("breach \"", id, "\"");
  MP_ASSIGN_OR_RETURN(const model::Breach* cur,
                      CheckExists(txn_, txn_.breaches, std::string(id),
                                  BreachRowKey(id), phrase));
  if (!cur->open()) {
    return absl::FailedPreconditionError(
        absl::StrCat(phrase, " is already closed"));
  }
  model::Breach b = *cur;
  b.end_time = Trunc(end_time);
  PutRow(txn_, txn_.breaches, b.id, b, BreachRowKey(b.id), kBreachesTable);
  return absl::OkStatus();
}

absl::StatusOr<store::Page<model::Breach>> InMemorySlo::ListBreaches(
    const store::BreachFilter& f, const store::PageRequest& page) {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(kBreachesTable);
  // PaginateNewestFirst orders by (create_time, id): give it start_time
  // under that name.
  struct Row {
    absl::Time create_time;
    std::string id;
    model::Breach breach;
  };
  std::vector<Row> rows;
  for (const auto& [id, b] : txn_.breaches.Merged()) {
    if (b.port.domain_id != f.product.domain_id ||
        b.port.product_id != f.product.product_id) {
      continue;
    }
    if (!f.port_id.empty() && b.port.port_id != f.port_id) continue;
    if (f.open_only && !b.open()) continue;
    rows.push_back({b.start_time, b.id, b});
  }
  MP_ASSIGN_OR_RETURN(store::Page<Row> got,
                      PaginateNewestFirst(std::move(rows), page));
  store::Page<model::Breach> out;
  out.next = std::move(got.next);
  for (auto& r : got.items) out.items.push_back(std::move(r.breach));
  return out;
}

}  // namespace meshplane::testing::memstore_internal
