#include "store/postgres/errors.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include <nlohmann/json.hpp>

#include "meshplane/common/errors.h"
#include "meshplane/model/access.h"
#include "meshplane/model/contract.h"
#include "meshplane/store/store.h"

namespace meshplane::store::pg {
namespace {

// The first line of a PostgreSQL error ("ERROR:  duplicate key ...") without
// the severity prefix, and its DETAIL line, for messages.
std::string FirstLine(absl::string_view what) {
  absl::string_view line = what.substr(0, what.find('\n'));
  absl::ConsumePrefix(&line, "ERROR:");
  return std::string(absl::StripAsciiWhitespace(line));
}

std::string DetailLine(absl::string_view what) {
  size_t pos = what.find("DETAIL:");
  if (pos == absl::string_view::npos) return "";
  absl::string_view rest = what.substr(pos + 7);
  rest = rest.substr(0, rest.find('\n'));
  return std::string(absl::StripAsciiWhitespace(rest));
}

std::string Describe(const OpContext& c) {
  return c.resource.empty() ? c.op : absl::StrCat(c.op, " ", c.resource);
}

absl::Status Unavailable(const OpContext& c, absl::string_view why) {
  return absl::UnavailableError(absl::StrCat(
      "PostgreSQL is unavailable (", Describe(c), "): ", FirstLine(why)));
}

}  // namespace

absl::Status MapPgError(std::exception_ptr error, const OpContext& c,
                        bool* connection_lost) {
  *connection_lost = false;
  try {
    std::rethrow_exception(error);
  } catch (const pqxx::broken_connection& e) {
    *connection_lost = true;
    return Unavailable(c, e.what());
  } catch (const pqxx::in_doubt_error& e) {
    *connection_lost = true;
    return absl::UnavailableError(absl::StrCat(
        "the connection to PostgreSQL was lost while committing (", Describe(c),
        "); the outcome is unknown: ", FirstLine(e.what())));
  } catch (const pqxx::statement_completion_unknown& e) {
    *connection_lost = true;
    return absl::UnavailableError(
        absl::StrCat("PostgreSQL lost track of ", Describe(c),
                     "; the outcome is unknown: ", FirstLine(e.what())));
  } catch (const pqxx::transaction_rollback& e) {
    // serialization_failure (40001), deadlock_detected (40P01) and the rest
    // of class 40. libpqxx 6.4 derives these from `failure`, not from
    // sql_error, and does not keep their SQLSTATE.
    return MarkRetryable(absl::AbortedError(absl::StrCat(
        Describe(c),
        " conflicted with a concurrent transaction: ", FirstLine(e.what()))));
  } catch (const pqxx::sql_error& e) {
    // libpqxx 6.4 drops the SQLSTATE of a few classes (e.g.
    // insufficient_privilege); the exception type still says what it was.
    const std::string state =
        !e.sqlstate().empty()                                   ? e.sqlstate()
        : dynamic_cast<const pqxx::insufficient_privilege*>(&e) ? "42501"
                                                                : "";
    if (state.empty()) {
      // No SQLSTATE: the error came from libpq, not from the server. In
      // practice that is a lost connection ("server closed the connection
      // unexpectedly"), which libpqxx 6.4 reports as an sql_error when it
      // happens while a statement is being prepared, and with the
      // connection still looking open. Drop the connection either way.
      *connection_lost = true;
      return Unavailable(c, e.what());
    }
    const std::string detail = DetailLine(e.what());
    if (state == "23505") {
      return absl::AlreadyExistsError(
          c.resource.empty() ? absl::StrCat(c.op, ": already exists: ", detail)
                             : absl::StrCat(c.resource, " already exists"));
    }
    if (state == "23503") {
      if (c.is_delete) {
        return absl::FailedPreconditionError(
            absl::StrCat("cannot delete ", c.resource,
                         ": it is still referred to (", detail, ")"));
      }
      return absl::NotFoundError(absl::StrCat(
          c.resource, " refers to a resource that does not exist (", detail,
          ")"));
    }
    if (state == "40001" || state == "40P01") {
      return MarkRetryable(absl::AbortedError(absl::StrCat(
          Describe(c),
          " conflicted with a concurrent transaction: ", FirstLine(e.what()))));
    }
    if (absl::StartsWith(state, "08") || state == "57P01" || state == "57P02" ||
        state == "57P03" || state == "53300") {
      *connection_lost =
          absl::StartsWith(state, "08") || state == "57P01" || state == "57P02";
      return Unavailable(c, e.what());
    }
    if (state == "57014") {
      return absl::DeadlineExceededError(
          absl::StrCat(Describe(c), " was cancelled: ", FirstLine(e.what())));
    }
    if (state == "55P03") {
      // lock_not_available: the lock_timeout a deadline set ran out while
      // the statement waited for a row lock.
      return absl::DeadlineExceededError(absl::StrCat(
          Describe(c), " waited for a lock until the call's deadline: ",
          FirstLine(e.what())));
    }
    if (state == "22021" || state == "22P05") {
      return absl::InvalidArgumentError(absl::StrCat(
          Describe(c), ": a string is not valid UTF-8 or contains NUL: ",
          FirstLine(e.what())));
    }
    if (state == "23514") {
      return absl::FailedPreconditionError(
          absl::StrCat(Describe(c), ": ", FirstLine(e.what())));
    }
    return absl::InternalError(absl::StrCat(Describe(c), ": SQLSTATE ", state,
                                            ": ", FirstLine(e.what())));
  } catch (const nlohmann::json::exception& e) {
    // Raised by dump() for strings that are not UTF-8 (id 316).
    return absl::InvalidArgumentError(absl::StrCat(
        Describe(c), ": a string is not valid UTF-8 (", e.what(), ")"));
  } catch (const pqxx::failure& e) {
    // libpqxx's failures outside SQL: e.g. a connection that could not be
    // opened is reported as a plain failure in some paths.
    *connection_lost = true;
    return Unavailable(c, e.what());
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(Describe(c), ": ", e.what()));
  } catch (...) {
    return absl::InternalError(absl::StrCat(Describe(c), ": unknown error"));
  }
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
std::string BreachPhrase(absl::string_view id) {
  return absl::StrCat("breach ", Quoted(id));
}
std::string WebhookPhrase(absl::string_view id) {
  return absl::StrCat("webhook ", Quoted(id));
}

absl::Status NotFound(absl::string_view phrase) {
  return absl::NotFoundError(absl::StrCat(phrase, " not found"));
}

absl::Status EtagMismatch(absl::string_view what, int64_t stored,
                          int64_t expected) {
  return WithReason(
      absl::AbortedError(absl::StrCat(
          what, " was changed concurrently: etag mismatch (revision ", stored,
          " is stored, the request expected ", expected, ")")),
      "ETAG_MISMATCH");
}

absl::Status HasChildren(absl::string_view message) {
  return WithReason(absl::FailedPreconditionError(message), "HAS_CHILDREN");
}

absl::Status DiagnoseWrite(const pqxx::row& row, absl::string_view resource,
                           std::optional<int64_t> expected,
                           std::initializer_list<WriteReference> references,
                           const std::function<absl::Status()>& update_check) {
  if (!expected) {
    if (!row[0].is_null()) {
      return absl::AlreadyExistsError(
          absl::StrCat(resource, " already exists"));
    }
  } else {
    if (row[0].is_null()) return NotFound(resource);
    if (row[0].as<int64_t>() != *expected) {
      return EtagMismatch(resource, row[0].as<int64_t>(), *expected);
    }
  }
  for (const WriteReference& ref : references) {
    if (ref.insert_only && expected) continue;
    if (!row[ref.column].as<bool>()) {
      return absl::NotFoundError(
          absl::StrCat(ref.name, " of ", resource, " not found"));
    }
  }
  if (expected && update_check) {
    absl::Status s = update_check();
    if (!s.ok()) return s;
  }
  return absl::InternalError(absl::StrCat(
      "writing ", resource, " changed no row for no known reason"));
}

}  // namespace meshplane::store::pg
