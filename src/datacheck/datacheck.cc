#include "meshplane/datacheck/datacheck.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include <pqxx/pqxx>

namespace meshplane::datacheck {
namespace {

using contract::Document;
using contract::Property;
using contract::QualityRule;
using contract::SchemaObject;
using contract::Server;

// Catalog lookups bind the schema and table names: they are data here.
constexpr char kTableExists[] =
    "SELECT 1 FROM pg_catalog.pg_class c "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = $1 AND c.relname = $2 "
    "AND c.relkind IN ('r', 'v', 'm', 'p', 'f')";
// format_type without a typmod gives the canonical name without modifiers
// ("character varying", "timestamp with time zone", "integer[]").
constexpr char kColumns[] =
    "SELECT a.attname, pg_catalog.format_type(a.atttypid, NULL) "
    "FROM pg_catalog.pg_attribute a "
    "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 "
    "AND NOT a.attisdropped";

std::string Num(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    return absl::StrCat(static_cast<long long>(v));
  }
  return absl::StrCat(v);
}

std::string Path(size_t object, std::optional<size_t> property = {},
                 std::optional<size_t> rule = {}) {
  std::string p = absl::StrCat("schema[", object, "]");
  if (property) absl::StrAppend(&p, ".properties[", *property, "]");
  if (rule) absl::StrAppend(&p, ".quality[", *rule, "]");
  return p;
}

bool HasNul(absl::string_view s) {
  return s.find('\0') != absl::string_view::npos;
}

// libpq's keyword = 'value' quoting: backslash and single quote escaped.
std::string ConnValue(absl::string_view v) {
  return absl::StrCat(
      "'", absl::StrReplaceAll(v, {{"\\", "\\\\"}, {"'", "\\'"}}), "'");
}

class Runner {
 public:
  Runner(pqxx::dbtransaction& tx, std::string schema, Report* report)
      : tx_(tx), schema_(std::move(schema)), report_(report) {}

  void Object(const SchemaObject& o, size_t oi) {
    const std::string table =
        o.physical_name.empty() ? o.name : o.physical_name;
    CheckResult base;
    base.object = o.name;
    base.path = Path(oi);
    if (HasNul(table)) {
      Add(base, "table", Outcome::kError, "", "the name contains a NUL byte");
      return;
    }
    std::map<std::string, std::string> columns;
    bool exists = false;
    absl::Status s = Guard([&](pqxx::dbtransaction& tx) {
      exists = !tx.exec_params(kTableExists, schema_, table).empty();
      if (!exists) return;
      for (const auto& row : tx.exec_params(kColumns, schema_, table)) {
        columns[row[0].as<std::string>()] = row[1].as<std::string>();
      }
    });
    if (!s.ok()) {
      Add(base, "table", Outcome::kError, "", std::string(s.message()));
      return;
    }
    if (!exists) {
      Add(base, "table", Outcome::kFail, "exists",
          absl::StrCat("no table or view ", schema_, ".", table));
      return;
    }
    Add(base, "table", Outcome::kPass, "exists",
        absl::StrCat(schema_, ".", table));
    const std::string qtable =
        absl::StrCat(QuoteIdentifier(schema_), ".", QuoteIdentifier(table));
    for (size_t pi = 0; pi < o.properties.size(); ++pi) {
      PropertyChecks(o, o.properties[pi], oi, pi, qtable, columns);
    }
    for (size_t ri = 0; ri < o.quality.size(); ++ri) {
      CheckResult r = base;
      r.path = Path(oi, {}, ri);
      Rule(r, o.quality[ri], qtable, "");
    }
  }

 private:
  void PropertyChecks(const SchemaObject& o, const Property& p, size_t oi,
                      size_t pi, const std::string& qtable,
                      const std::map<std::string, std::string>& columns) {
    const std::string column =
        p.physical_name.empty() ? p.name : p.physical_name;
    CheckResult base;
    base.object = o.name;
    base.property = p.name;
    base.path = Path(oi, pi);
    const auto it = columns.find(column);
    if (it == columns.end()) {
      Add(base, "column", Outcome::kFail, "exists",
          absl::StrCat("no column ", column));
      return;
    }
    Add(base, "column", Outcome::kPass, "exists", column);
    const std::vector<std::string> types =
        CompatibleTypes(p.logical_type, p.physical_type);
    if (!types.empty()) {
      const bool ok =
          std::find(types.begin(), types.end(), it->second) != types.end();
      Add(base, "type", ok ? Outcome::kPass : Outcome::kFail,
          absl::StrJoin(types, " | "), it->second);
    }
    const std::string qcol = QuoteIdentifier(column);
    if (p.required || p.primary_key) {
      Count(base, "required", "nullValues", qtable, qcol, "NULL");
    }
    if (p.unique || p.primary_key) {
      Count(base, "unique", "duplicateValues", qtable, qcol, "duplicate");
    }
    for (size_t ri = 0; ri < p.quality.size(); ++ri) {
      CheckResult r = base;
      r.path = Path(oi, pi, ri);
      Rule(r, p.quality[ri], qtable, qcol);
    }
  }

  // required/unique: the metric's count must be 0.
  void Count(const CheckResult& base, const char* check, const char* metric,
             const std::string& qtable, const std::string& qcol,
             const char* what) {
    double count = 0;
    absl::Status s = Guard([&](pqxx::dbtransaction& tx) {
      count =
          tx.exec(MetricSql(metric, qtable, qcol, 0, false))[0][0].as<double>();
    });
    CheckResult r = base;
    if (!s.ok()) {
      Add(r, check, Outcome::kError, "0", std::string(s.message()));
      return;
    }
    r.measured = count;
    Add(r, check, count == 0 ? Outcome::kPass : Outcome::kFail, "0",
        absl::StrCat(Num(count), " ", what, count == 1 ? "" : "s"));
  }

  void Rule(CheckResult r, const QualityRule& rule, const std::string& qtable,
            const std::string& qcol) {
    const std::string check = rule.metric.empty() ? rule.type : rule.metric;
    if (rule.type != "library" || rule.metric.empty()) {
      // sql and custom rules are code the contract's author wrote; running
      // it would make a contract string SQL, which this checker never does.
      Add(r, check.empty() ? "quality" : check, Outcome::kSkipped, "",
          absl::StrCat("a ", rule.type, " rule is not run by contract test"));
      return;
    }
    const std::string& m = rule.metric;
    if (m != "rowCount" && m != "nullValues" && m != "duplicateValues" &&
        m != "invalidValues") {
      Add(r, m, Outcome::kSkipped, "", "this metric is not tested yet");
      return;
    }
    if (m != "rowCount" && qcol.empty()) {
      Add(r, m, Outcome::kError, "",
          "an object-level rule of this metric names no column; declare it "
          "on the property");
      return;
    }
    std::vector<std::string> params = rule.valid_values;
    if (m == "invalidValues") {
      if (rule.valid_values.empty() && rule.pattern.empty()) {
        Add(r, m, Outcome::kError, "",
            "invalidValues needs arguments.validValues or arguments.pattern");
        return;
      }
      if (!rule.pattern.empty()) params.push_back(rule.pattern);
      for (const std::string& v : params) {
        if (HasNul(v)) {
          Add(r, m, Outcome::kError, "", "an argument contains a NUL byte");
          return;
        }
      }
    } else {
      params.clear();
    }
    const std::string expected = DescribeExpectation(rule);
    double count = 0;
    double rows = 0;
    absl::Status s = Guard([&](pqxx::dbtransaction& tx) {
      const std::string sql = MetricSql(
          m, qtable, qcol, m == "invalidValues" ? rule.valid_values.size() : 0,
          m == "invalidValues" && !rule.pattern.empty());
      pqxx::result res =
          tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
      count = res[0][0].as<double>();
      rows = res[0][1].as<double>();
    });
    if (!s.ok()) {
      Add(r, m, Outcome::kError, expected, std::string(s.message()));
      return;
    }
    double value = count;
    std::string found;
    if (rule.unit == "percent" && m != "rowCount") {
      value = rows == 0 ? 0 : 100.0 * count / rows;
      found = absl::StrCat(Num(value), "% (", Num(count), " of ", Num(rows),
                           " rows)");
    } else {
      found = absl::StrCat(Num(count), m == "rowCount" ? " rows" : "");
    }
    r.measured = value;
    absl::StatusOr<bool> holds = Holds(rule, value);
    if (!holds.ok()) {
      Add(r, m, Outcome::kError, expected,
          std::string(holds.status().message()));
      return;
    }
    Add(r, m, *holds ? Outcome::kPass : Outcome::kFail, expected, found);
  }

  // Runs `fn` in a savepoint, so that one failing statement does not abort
  // the checks after it. SQL errors become the returned status.
  template <typename Fn>
  absl::Status Guard(Fn fn) {
    try {
      pqxx::subtransaction sub(tx_, "check");
      fn(sub);
      sub.commit();
      return absl::OkStatus();
    } catch (const pqxx::broken_connection&) {
      throw;  // the whole run is over; TestContract reports it
    } catch (const std::exception& e) {
      std::string msg = e.what();
      // libpq ends its messages with a newline.
      while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) {
        msg.pop_back();
      }
      return absl::InternalError(msg);
    }
  }

  void Add(CheckResult r, const std::string& check, Outcome outcome,
           std::string expected, std::string detail) {
    r.check = check;
    r.outcome = outcome;
    r.expected = std::move(expected);
    r.detail = std::move(detail);
    switch (outcome) {
      case Outcome::kPass:
        ++report_->passed;
        break;
      case Outcome::kFail:
        ++report_->failed;
        break;
      case Outcome::kError:
        ++report_->errors;
        break;
      case Outcome::kSkipped:
        ++report_->skipped;
        break;
    }
    report_->results.push_back(std::move(r));
  }

  pqxx::dbtransaction& tx_;
  std::string schema_;
  Report* report_;
};

std::string Attribute(const Server& s, const char* key) {
  const auto it = s.attributes.find(key);
  return it == s.attributes.end() ? std::string() : it->second;
}

}  // namespace

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kPass:
      return "pass";
    case Outcome::kFail:
      return "fail";
    case Outcome::kError:
      return "error";
    case Outcome::kSkipped:
      return "skipped";
  }
  return "error";
}

absl::StatusOr<Server> FindServer(const Document& doc, absl::string_view name) {
  const Server* found = nullptr;
  if (name.empty()) {
    if (doc.servers.size() != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("servers: the contract declares ", doc.servers.size(),
                       " servers; name one with --server"));
    }
    found = &doc.servers[0];
  } else {
    std::vector<std::string> names;
    for (const Server& s : doc.servers) {
      if (s.server == name) found = &s;
      names.push_back(s.server);
    }
    if (found == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "servers: no server \"", name, "\" in the contract (it declares: ",
          names.empty() ? "none" : absl::StrJoin(names, ", "), ")"));
    }
  }
  const std::string type = absl::AsciiStrToLower(found->type);
  if (type != "postgres" && type != "postgresql") {
    return absl::InvalidArgumentError(absl::StrCat(
        "servers[", found - doc.servers.data(), "].type: \"", found->type,
        "\" is not a PostgreSQL server; contract test supports postgres"));
  }
  return *found;
}

std::string ConnInfo(const Server& server) {
  std::vector<std::string> parts;
  const std::pair<const char*, const char*> keys[] = {
      {"host", "host"}, {"port", "port"}, {"database", "dbname"}};
  for (const auto& [attr, key] : keys) {
    const std::string v = Attribute(server, attr);
    if (!v.empty()) parts.push_back(absl::StrCat(key, "=", ConnValue(v)));
  }
  parts.push_back("application_name='meshplane contract test'");
  return absl::StrJoin(parts, " ");
}

absl::StatusOr<Report> TestContract(const Document& doc, const Server& server,
                                    const std::string& conninfo) {
  Report report;
  report.server = server.server;
  report.schema = Attribute(server, "schema");
  if (report.schema.empty()) report.schema = "public";
  if (HasNul(report.schema)) {
    return absl::InvalidArgumentError(
        "servers[].schema: the name contains a NUL byte");
  }
  try {
    pqxx::connection conn(conninfo);
    report.database = conn.dbname();
    // A read-only transaction: whatever a check would do, it cannot write.
    pqxx::read_transaction tx(conn);
    Runner runner(tx, report.schema, &report);
    for (size_t oi = 0; oi < doc.schema.size(); ++oi) {
      runner.Object(doc.schema[oi], oi);
    }
  } catch (const pqxx::broken_connection& e) {
    std::string msg = e.what();
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) {
      msg.pop_back();
    }
    return absl::UnavailableError(absl::StrCat("cannot connect to server \"",
                                               server.server, "\": ", msg));
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("server \"", server.server, "\": ", e.what()));
  }
  return report;
}

std::string QuoteIdentifier(absl::string_view name) {
  return absl::StrCat("\"", absl::StrReplaceAll(name, {{"\"", "\"\""}}), "\"");
}

std::string NormaliseType(absl::string_view physical) {
  std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(physical));
  bool array = false;
  if (absl::EndsWith(t, "[]")) {
    array = true;
    t.resize(t.size() - 2);
  }
  const size_t paren = t.find('(');
  if (paren != std::string::npos) {
    const size_t close = t.find(')', paren);
    std::string rest = close == std::string::npos ? "" : t.substr(close + 1);
    t = std::string(absl::StripAsciiWhitespace(t.substr(0, paren)));
    rest = std::string(absl::StripAsciiWhitespace(rest));
    if (!rest.empty()) absl::StrAppend(&t, " ", rest);
  }
  static const std::map<std::string, std::string> kAliases = {
      {"int", "integer"},
      {"int4", "integer"},
      {"serial", "integer"},
      {"serial4", "integer"},
      {"int2", "smallint"},
      {"smallserial", "smallint"},
      {"int8", "bigint"},
      {"bigserial", "bigint"},
      {"serial8", "bigint"},
      {"varchar", "character varying"},
      {"char", "character"},
      {"bpchar", "character"},
      {"decimal", "numeric"},
      {"float", "double precision"},
      {"float8", "double precision"},
      {"float4", "real"},
      {"bool", "boolean"},
      {"timestamp", "timestamp without time zone"},
      {"timestamptz", "timestamp with time zone"},
      {"time", "time without time zone"},
      {"timetz", "time with time zone"},
  };
  const auto it = kAliases.find(t);
  if (it != kAliases.end()) t = it->second;
  if (array) absl::StrAppend(&t, "[]");
  return t;
}

std::vector<std::string> CompatibleTypes(absl::string_view logical_type,
                                         absl::string_view physical_type) {
  if (!physical_type.empty()) {
    return {NormaliseType(physical_type)};
  }
  static const std::map<std::string, std::vector<std::string>> kLogical = {
      {"string", {"text", "character varying", "character", "citext", "uuid"}},
      {"integer", {"smallint", "integer", "bigint"}},
      {"number",
       {"numeric", "double precision", "real", "smallint", "integer",
        "bigint"}},
      {"boolean", {"boolean"}},
      {"date", {"date"}},
      {"timestamp",
       {"timestamp with time zone", "timestamp without time zone"}},
      {"time", {"time without time zone", "time with time zone"}},
      {"object", {"json", "jsonb"}},
  };
  const auto it = kLogical.find(absl::AsciiStrToLower(logical_type));
  if (it == kLogical.end()) return {};
  return it->second;
}

absl::StatusOr<bool> Holds(const QualityRule& rule, double value) {
  const std::string& op = rule.op;
  const std::vector<double>& x = rule.operands;
  if (op.empty()) {
    return absl::InvalidArgumentError("the rule has no operator (mustBe, ...)");
  }
  const bool range = op == "mustBeBetween" || op == "mustNotBeBetween";
  if (x.size() != (range ? 2u : 1u)) {
    return absl::InvalidArgumentError(
        absl::StrCat(op, ": expected ", range ? "two numbers" : "a number",
                     ", found ", rule.operand_text));
  }
  if (op == "mustBe") return value == x[0];
  if (op == "mustNotBe") return value != x[0];
  if (op == "mustBeGreaterThan") return value > x[0];
  if (op == "mustBeGreaterOrEqualTo") return value >= x[0];
  if (op == "mustBeLessThan") return value < x[0];
  if (op == "mustBeLessOrEqualTo") return value <= x[0];
  const double lo = std::min(x[0], x[1]);
  const double hi = std::max(x[0], x[1]);
  if (op == "mustBeBetween") return value >= lo && value <= hi;
  if (op == "mustNotBeBetween") return value < lo || value > hi;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown operator \"", op, "\""));
}

std::string DescribeExpectation(const QualityRule& rule) {
  const std::vector<double>& x = rule.operands;
  const std::string unit = rule.unit == "percent" ? "%" : "";
  auto n = [&](size_t i) { return Num(x[i]) + unit; };
  const std::string& op = rule.op;
  if (x.size() == 1) {
    if (op == "mustBe") return "= " + n(0);
    if (op == "mustNotBe") return "!= " + n(0);
    if (op == "mustBeGreaterThan") return "> " + n(0);
    if (op == "mustBeGreaterOrEqualTo") return ">= " + n(0);
    if (op == "mustBeLessThan") return "< " + n(0);
    if (op == "mustBeLessOrEqualTo") return "<= " + n(0);
  }
  if (x.size() == 2) {
    if (op == "mustBeBetween") return "between " + n(0) + " and " + n(1);
    if (op == "mustNotBeBetween") {
      return "not between " + n(0) + " and " + n(1);
    }
  }
  return absl::StrCat(op, " ", rule.operand_text);
}

std::string MetricSql(absl::string_view metric, absl::string_view table,
                      absl::string_view column, size_t valid_values,
                      bool pattern) {
  std::string count;
  if (metric == "nullValues") {
    count = absl::StrCat("count(*) FILTER (WHERE ", column, " IS NULL)");
  } else if (metric == "duplicateValues") {
    count = absl::StrCat("count(", column, ") - count(DISTINCT ", column, ")");
  } else if (metric == "invalidValues") {
    // Values compare as text: validValues are written as YAML scalars.
    std::vector<std::string> tests;
    if (valid_values > 0) {
      std::vector<std::string> ps;
      for (size_t i = 1; i <= valid_values; ++i) {
        ps.push_back(absl::StrCat("$", i));
      }
      tests.push_back(absl::StrCat(column, "::text NOT IN (",
                                   absl::StrJoin(ps, ", "), ")"));
    }
    if (pattern) {
      tests.push_back(absl::StrCat(column, "::text !~ $", valid_values + 1));
    }
    count =
        absl::StrCat("count(*) FILTER (WHERE ", column, " IS NOT NULL AND (",
                     absl::StrJoin(tests, " OR "), "))");
  } else {
    count = "count(*)";
  }
  return absl::StrCat("SELECT ", count, ", count(*) FROM ", table);
}

}  // namespace meshplane::datacheck
