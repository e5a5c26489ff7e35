// Tests a data contract against the data it describes: `meshplane contract
// test`. For each schema object of an ODCS document, on a PostgreSQL server
// the document declares, it checks that the table and each declared column
// exist with a compatible type, that `required` columns hold no NULL and
// `unique` ones no duplicate, and that the library quality metrics of ODCS
// v3.1 (rowCount, nullValues, duplicateValues, invalidValues) hold.
//
//   MP_ASSIGN_OR_RETURN(Report r, TestContract(doc, server, conninfo));
//   for (const CheckResult& c : r.results) { ... }
//
// This module is the one PostgreSQL client outside src/store/postgres: it
// reads a user's data, not Meshplane's schema, so it has no migrations and
// no grants; it only sends SELECTs over the system catalogs and the tables
// the contract names. Identifiers are quoted (QuoteIdentifier) and every
// value the contract supplies (validValues, pattern, schema and table names
// in catalog lookups) is a bound parameter: no contract string becomes SQL.
#ifndef MESHPLANE_DATACHECK_DATACHECK_H_
#define MESHPLANE_DATACHECK_DATACHECK_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "meshplane/contract/odcs.h"

namespace meshplane::datacheck {

enum class Outcome { kPass, kFail, kError, kSkipped };

// "pass", "fail", "error", "skipped".
const char* OutcomeName(Outcome o);

// One check of one table, column or rule.
struct CheckResult {
  // What was checked: "table", "column", "type", "required", "unique", or a
  // metric name ("rowCount", "nullValues", ...).
  std::string check;
  std::string object;    // the schema object's name as written
  std::string property;  // the property's name; empty for object checks
  // The contract's path of the element, e.g. "schema[0].properties[2]" or
  // "schema[0].properties[2].quality[0]".
  std::string path;
  Outcome outcome = Outcome::kPass;
  // What was measured (NULL count, duplicate count, row count, percent) when
  // the check measures a number.
  std::optional<double> measured;
  // What was expected, in words ("integer", "0", "between 1 and 10").
  std::string expected;
  // What was found ("text", "2 NULLs") or the error.
  std::string detail;
};

struct Report {
  std::string server;    // servers[].server
  std::string database;  // as connected
  std::string schema;    // the PostgreSQL schema of the tables
  std::vector<CheckResult> results;
  int passed = 0;
  int failed = 0;
  int errors = 0;
  int skipped = 0;
};

// Finds the server named `name` in `doc` (any server when `name` is empty
// and the document declares exactly one). INVALID_ARGUMENT naming
// `servers` when there is none or it is ambiguous, when the server's type is
// not postgres/postgresql, or a field it needs is missing.
absl::StatusOr<contract::Server> FindServer(const contract::Document& doc,
                                            absl::string_view name);

// A libpq connection string for `server` (host, port, database from the
// contract; user and password are left to libpq's environment, PGUSER and
// PGPASSWORD, or ~/.pgpass). Values are quoted as libpq's keyword=value
// syntax requires. Never contains a password.
std::string ConnInfo(const contract::Server& server);

// Connects with `conninfo` (ConnInfo, or an override such as
// MESHPLANE_CONTRACT_TEST_DSN) and runs every check of `doc`'s schema in one
// read-only transaction. A check that cannot run (an SQL error on one
// table) is an kError result, not a failure of the call. Returns UNAVAILABLE
// when the server cannot be reached or refuses the login (the message never
// contains the password), INVALID_ARGUMENT for a document the checker cannot
// use (an identifier with a NUL byte). Not thread-safe per call; separate
// calls are independent.
absl::StatusOr<Report> TestContract(const contract::Document& doc,
                                    const contract::Server& server,
                                    const std::string& conninfo);

// ---- The pure parts, exposed for tests.

// `name` as a PostgreSQL quoted identifier: in double quotes, with each
// double quote doubled (what quote_ident and pqxx's quote_name produce).
std::string QuoteIdentifier(absl::string_view name);

// The PostgreSQL types (format_type names, without modifiers) a column
// declared with `logical_type` / `physical_type` may have. physicalType wins
// when given (aliases such as int4, varchar(20), timestamptz normalised);
// an empty vector means "any type" (nothing declared, or a logical type with
// no PostgreSQL counterpart).
std::vector<std::string> CompatibleTypes(absl::string_view logical_type,
                                         absl::string_view physical_type);

// `physical` with modifiers removed and aliases replaced by PostgreSQL's
// canonical name: "VARCHAR(20)" -> "character varying", "int8" -> "bigint".
std::string NormaliseType(absl::string_view physical);

// Whether `value` satisfies the rule's operator (mustBe, mustBeBetween, ...).
// INVALID_ARGUMENT when the rule has no operator or a non-numeric operand.
absl::StatusOr<bool> Holds(const contract::QualityRule& rule, double value);

// The expectation in words: "= 0", "> 10", "between 1 and 100".
std::string DescribeExpectation(const contract::QualityRule& rule);

// The SQL of one metric over `table` (already quoted, schema-qualified) and
// `column` (already quoted). invalidValues binds validValues as $1..$n and
// the pattern as $n+1; no other placeholders. Returns one row with two
// columns: the metric's count and the table's row count.
std::string MetricSql(absl::string_view metric, absl::string_view table,
                      absl::string_view column, size_t valid_values,
                      bool pattern);

}  // namespace meshplane::datacheck

#endif  // MESHPLANE_DATACHECK_DATACHECK_H_
