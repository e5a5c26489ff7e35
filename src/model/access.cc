#include "meshplane/model/access.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "model/enum_names.h"

namespace meshplane::model {
namespace {

// Quotes `value` for an error message, shortened as in resource_name.cc so
// that a megabyte of garbage does not end up in a status message.
std::string Quote(absl::string_view value) {
  if (value.size() > 80) {
    return absl::StrCat("\"", value.substr(0, 77), "...\"");
  }
  return absl::StrCat("\"", value, "\"");
}

// Ids of requests and grants are server-assigned UUIDs (common/crypto.h
// RandomUuid: lowercase hex and hyphens). The rule is kept a little looser
// than the UUID layout so that another UUID flavour would still parse.
bool IsValidAccessId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-';
  });
}

// `field`: the id of `{collection}/{id}`, or INVALID_ARGUMENT in the words
// of resource_name.cc's Parse*Name.
absl::StatusOr<std::string> ParseAccessName(absl::string_view field,
                                            absl::string_view name,
                                            absl::string_view collection,
                                            absl::string_view form,
                                            absl::string_view what) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 || parts[0] != collection) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", Quote(name),
                     " is not a valid name (expected ", form, ")"));
  }
  if (!IsValidAccessId(parts[1])) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", Quote(name), " is not a valid name: ", Quote(parts[1]),
        " is not a valid ", what,
        " id (lowercase hex digits and hyphens; 1-64 chars)"));
  }
  return std::string(parts[1]);
}

}  // namespace

bool IsAccessAction(absl::string_view action) {
  for (const char* a : kAccessActions) {
    if (action == a) return true;
  }
  return false;
}

absl::string_view AccessRequestStateName(AccessRequestState s) {
  switch (s) {
    case AccessRequestState::kPending:
      return "PENDING";
    case AccessRequestState::kApproved:
      return "APPROVED";
    case AccessRequestState::kDenied:
      return "DENIED";
    case AccessRequestState::kWithdrawn:
      return "WITHDRAWN";
    case AccessRequestState::kExpired:
      return "EXPIRED";
  }
  return "PENDING";
}

std::optional<AccessRequestState> ParseAccessRequestState(absl::string_view s) {
  return internal::ParseEnumName(
      s,
      {AccessRequestState::kPending, AccessRequestState::kApproved,
       AccessRequestState::kDenied, AccessRequestState::kWithdrawn,
       AccessRequestState::kExpired},
      AccessRequestStateName, "ACCESS_REQUEST_STATE_");
}

AccessRequestState AccessRequest::StateAt(absl::Time now) const {
  if (state == AccessRequestState::kPending && now >= expire_time) {
    return AccessRequestState::kExpired;
  }
  return state;
}

absl::string_view GrantStateName(GrantState s) {
  switch (s) {
    case GrantState::kActive:
      return "ACTIVE";
    case GrantState::kExpired:
      return "EXPIRED";
    case GrantState::kRevoked:
      return "REVOKED";
  }
  return "ACTIVE";
}

std::optional<GrantState> ParseGrantState(absl::string_view s) {
  return internal::ParseEnumName(
      s, {GrantState::kActive, GrantState::kExpired, GrantState::kRevoked},
      GrantStateName, "GRANT_STATE_");
}

GrantState Grant::StateAt(absl::Time now) const {
  if (revoke_time.has_value()) return GrantState::kRevoked;
  if (now >= expire_time) return GrantState::kExpired;
  return GrantState::kActive;
}

bool Grant::Allows(absl::string_view action) const {
  return std::find(actions.begin(), actions.end(), action) != actions.end();
}

std::string AccessRequestName(absl::string_view id) {
  return absl::StrCat("accessRequests/", id);
}

std::string GrantName(absl::string_view id) {
  return absl::StrCat("grants/", id);
}

absl::StatusOr<std::string> ParseAccessRequestName(absl::string_view field,
                                                   absl::string_view name) {
  return ParseAccessName(field, name, "accessRequests",
                         "accessRequests/{access_request}", "access request");
}

absl::StatusOr<std::string> ParseGrantName(absl::string_view field,
                                           absl::string_view name) {
  return ParseAccessName(field, name, "grants", "grants/{grant}", "grant");
}

}  // namespace meshplane::model
