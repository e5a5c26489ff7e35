// Small helpers shared by the CLI commands: durations, labels, resource
// names typed in short form, ids.
#ifndef MESHPLANE_CLI_UTIL_H_
#define MESHPLANE_CLI_UTIL_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace meshplane::cli {

// Parses durations such as "30d", "1h30m", "250ms", "90s", "2w", "1.5h".
// Units: ms, s, m, h, d (24h), w (7d). Returns INVALID_ARGUMENT for anything
// else (a bare number included: the unit is never implied).
absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text);

// Formats a duration the short way round: 1h30m, 30d, 250ms.
std::string HumanDuration(absl::Duration d);

// Parses "key=value". INVALID_ARGUMENT without an '=' or with an empty key.
absl::StatusOr<std::pair<std::string, std::string>> ParseLabel(
    absl::string_view text);

// True for ids of the form [a-z][a-z0-9-]{0,62} without a trailing hyphen.
bool IsValidId(absl::string_view id);

// Lowercases `text` and turns every run of other characters into one
// hyphen: "Customer Data Product" -> "customer-data-product". A result that
// does not start with a letter gets the prefix "x-". May return an invalid id
// only for input with no letters or digits at all ("").
std::string Slugify(absl::string_view text);

// `domains/{id}` from "sales" or "domains/sales".
std::string DomainName(absl::string_view id_or_name);
// `teams/{id}` from "checkout" or "teams/checkout".
std::string TeamName(absl::string_view id_or_name);
// `tokens/{id}` from "abc" or "tokens/abc".
std::string TokenName(absl::string_view id_or_name);
// `webhooks/{id}` from "hook" or "webhooks/hook".
std::string WebhookName(absl::string_view id_or_name);
// The last segment of a resource name ("domains/sales" -> "sales").
std::string LastSegment(absl::string_view name);

// An output port's name from DOMAIN/PRODUCT/PORT (sales/orders/v1),
// DOMAIN/PRODUCT:PORT, or the full name. INVALID_ARGUMENT otherwise.
absl::StatusOr<std::string> PortName(absl::string_view text);

// A data product name from "sales/orders",
// "domains/sales/dataProducts/orders", or "orders" with `domain` set.
// INVALID_ARGUMENT when the domain cannot be told.
absl::StatusOr<std::string> ProductName(absl::string_view text,
                                        absl::string_view domain);

// A policy name from "owners" (global: policies/owners), "sales/tier-one"
// (domain policy: domains/sales/policies/tier-one), a full name
// (policies/owners, domains/sales/policies/tier-one), or an id with `domain`
// set. INVALID_ARGUMENT for anything else.
absl::StatusOr<std::string> PolicyName(absl::string_view text,
                                       absl::string_view domain);

// "policies/owners" -> "owners"; "domains/sales/policies/slo" ->
// "sales/slo"; other text unchanged.
std::string ShortPolicyName(absl::string_view name);

// Parses an RFC 3339 time ("2026-12-31T00:00:00Z") or a date
// ("2026-12-31", midnight UTC).
absl::StatusOr<absl::Time> ParseTime(absl::string_view text);

}  // namespace meshplane::cli

#endif  // MESHPLANE_CLI_UTIL_H_
