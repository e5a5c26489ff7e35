#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/postgres/cursors.h"
#include "store/postgres/errors.h"
#include "store/postgres/events.h"
#include "store/postgres/events_sql.h"
#include "store/postgres/rows.h"
#include <pqxx/pqxx>

#include "meshplane/common/status_macros.h"

namespace meshplane::store::pg {

namespace {

model::Webhook WebhookFromRow(const pqxx::row& r) {
  model::Webhook w;
  ReadColumns(r, 0, w.id, w.url, w.resource_types, w.domain_id,
              w.include_subdomains, w.secret, w.creator, w.create_time,
              w.delivered_sequence, w.failing_attempts, w.last_error,
              w.next_attempt_time);
  return w;
}

model::WebhookDelivery DeliveryFromRow(const pqxx::row& row) {
  model::WebhookDelivery d;
  ReadColumns(row, 0, d.webhook_id, d.event_sequence, d.event_type, d.attempt,
              d.time, d.http_status, d.success, d.error, d.duration);
  return d;
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

}  // namespace

absl::Status PgEventRepository::InsertWebhook(const model::Webhook& w) {
  // Not InsertRow: the JSON encoding may throw (invalid UTF-8), so it runs
  // inside Run, whose error mapping makes that INVALID_ARGUMENT.
  return ctx_.Run(
      {"InsertWebhook", WebhookPhrase(w.id)}, [&]() -> absl::Status {
        pqxx::result r = ctx_.txn().exec_prepared(
            sql::kInsertWebhook.name, w.id, w.url,
            StringsJson(w.resource_types), w.domain_id, w.include_subdomains,
            w.secret, w.creator, ToMicros(w.create_time), w.delivered_sequence,
            w.failing_attempts, w.last_error, ToMicros(w.next_attempt_time));
        if (r.empty()) {
          return absl::AlreadyExistsError(
              absl::StrCat(WebhookPhrase(w.id), " already exists"));
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<model::Webhook> PgEventRepository::GetWebhook(
    absl::string_view id) {
  return GetRow({"GetWebhook", WebhookPhrase(id)}, WebhookFromRow,
                sql::kGetWebhook, std::string(id));
}

absl::StatusOr<Page<model::Webhook>> PgEventRepository::ListWebhooks(
    const PageRequest& page) {
  MP_RETURN_IF_ERROR(CheckLimit(page));
  return ListPage(
      {"ListWebhooks", ""}, page, WebhookFromRow,
      [](const model::Webhook& last) { return last.id; }, sql::kListWebhooks,
      page.after);
}

absl::Status PgEventRepository::DeleteWebhook(absl::string_view id) {
  return ChangeRow({"DeleteWebhook", WebhookPhrase(id), true},
                   sql::kDeleteWebhook, std::string(id));
}

absl::StatusOr<std::optional<model::Webhook>>
PgEventRepository::ClaimDueWebhook(absl::Time now) {
  if (!IsWriteMode(ctx_.mode())) {
    return absl::FailedPreconditionError(
        "ClaimDueWebhook needs a read-write transaction (it holds the "
        "webhook until commit)");
  }
  return ctx_.Run({"ClaimDueWebhook", ""},
                  [&]() -> absl::StatusOr<std::optional<model::Webhook>> {
                    pqxx::result r = ctx_.txn().exec_prepared(
                        sql::kClaimDueWebhook.name, ToMicros(now));
                    if (r.empty()) return std::optional<model::Webhook>();
                    return std::optional<model::Webhook>(WebhookFromRow(r[0]));
                  });
}

absl::Status PgEventRepository::UpdateWebhookState(const model::Webhook& w) {
  return ChangeRow({"UpdateWebhookState", WebhookPhrase(w.id)},
                   sql::kUpdateWebhookState, w.id, w.delivered_sequence,
                   w.failing_attempts, w.last_error,
                   ToMicros(w.next_attempt_time));
}

absl::Status PgEventRepository::AppendWebhookDeliveries(
    const std::vector<model::WebhookDelivery>& deliveries, int keep) {
  std::string phrase = "a webhook";
  if (!deliveries.empty()) phrase = WebhookPhrase(deliveries[0].webhook_id);
  return ctx_.Run({"AppendWebhookDeliveries", phrase}, [&]() -> absl::Status {
    if (deliveries.empty()) return absl::OkStatus();
    ctx_.txn().exec_prepared(sql::kAppendWebhookDeliveries.name,
                             DeliveriesJson(deliveries));
    std::vector<std::string> ids;
    for (const auto& d : deliveries) {
      if (std::find(ids.begin(), ids.end(), d.webhook_id) == ids.end()) {
        ids.push_back(d.webhook_id);
      }
    }
    for (const auto& id : ids) {
      ctx_.txn().exec_prepared(sql::kPruneWebhookDeliveries.name, id,
                               std::max(keep, 0));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<Page<model::WebhookDelivery>>
PgEventRepository::ListWebhookDeliveries(absl::string_view webhook_id,
                                         const PageRequest& page) {
  MP_RETURN_IF_ERROR(CheckLimit(page));
  // NULL (the first page) or the sequence of the previous page's last.
  const char* before = nullptr;
  if (!page.after.empty()) {
    int64_t seq = 0;
    if (!absl::SimpleAtoi(page.after, &seq)) return BadCursor(page.after);
    before = page.after.c_str();
  }
  return ListPage(
      {"ListWebhookDeliveries", WebhookPhrase(webhook_id)}, page,
      DeliveryFromRow,
      // The cursor is the delivery's own sequence (column 9), which the
      // item does not keep.
      [](const model::WebhookDelivery&, const pqxx::row& row) {
        return std::to_string(row[9].as<int64_t>());
      },
      sql::kListWebhookDeliveries, std::string(webhook_id), before);
}

}  // namespace meshplane::store::pg
