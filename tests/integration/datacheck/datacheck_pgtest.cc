// contract test against a real PostgreSQL: a table that breaks each rule
// exactly once, a clean table that passes everything, and hostile names and
// values that must stay data.
#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/pg/contract_on_pg.h"
#include "tests/testing/pg/pg_fixture.h"
#include <pqxx/pqxx>

#include "meshplane/contract/validate.h"
#include "meshplane/datacheck/datacheck.h"

namespace meshplane::datacheck {
namespace {

using ::testing::HasSubstr;
using testing::PgFixture;
using ::testing::UnorderedElementsAre;

constexpr char kSetup[] = R"sql(
CREATE TABLE clean (id integer PRIMARY KEY, status text, code varchar(3),
                    amount numeric(10, 2));
INSERT INTO clean VALUES (1, 'open', 'ABC', 1.5), (2, 'paid', 'DEF', 2),
                         (3, 'open', 'GHI', NULL);
CREATE TABLE broken (id bigint, wrong_type text, req text, uniq text,
                     status text, code text, notes text, dup text);
INSERT INTO broken VALUES
  (1, 'x', 'a',  'u1', 'open',    'ABC', 'n',  'd1'),
  (2, 'y', NULL, 'u2', 'paid',    'DEF', 'n',  'd2'),
  (3, 'z', 'c',  'u2', 'shipped', 'GHI', NULL, 'd3'),
  (4, 'w', 'd',  'u4', 'open',    'abc', 'n',  'd3');
CREATE TABLE t (x integer);
CREATE TABLE weird ("x""; DROP TABLE t; --" text);
INSERT INTO weird VALUES ('it''s'), ('say "hi"'), ('''; DROP TABLE t; --');
)sql";

std::string Contract(const std::string& db) {
  return testing::ContractOnPrivatePg("orders", db, R"(  - name: clean
    properties:
      - {name: id, logicalType: integer, required: true, unique: true}
      - name: status
        logicalType: string
        quality:
          - {metric: invalidValues, mustBe: 0,
             arguments: {validValues: [open, paid]}}
      - name: code
        physicalType: VARCHAR(3)
        quality:
          - {metric: invalidValues, mustBe: 0,
             arguments: {pattern: '^[A-Z]{3}$'}}
      - name: amount
        logicalType: number
        quality:
          - {metric: nullValues, mustBeLessOrEqualTo: 34, unit: percent}
    quality:
      - {metric: rowCount, mustBeBetween: [1, 10]}
      - {type: sql, query: SELECT 1, mustBe: 1}
  - name: broken
    properties:
      - {name: id, logicalType: integer, required: true, unique: true}
      - {name: missing_col, logicalType: string}
      - {name: wrong_type, logicalType: integer}
      - {name: req, logicalType: string, required: true}
      - {name: uniq, logicalType: string, unique: true}
      - name: status
        quality:
          - {metric: invalidValues, mustBe: 0,
             arguments: {validValues: [open, paid]}}
      - name: code
        quality:
          - {metric: invalidValues, mustBe: 0,
             arguments: {pattern: '^[A-Z]{3}$'}}
      - name: notes
        quality:
          - {metric: nullValues, mustBeLessThan: 10, unit: percent}
      - name: dup
        quality:
          - {metric: duplicateValues, mustBe: 0}
    quality:
      - {metric: rowCount, mustBeGreaterThan: 10}
  - name: weird
    properties:
      - name: "x\"; DROP TABLE t; --"
        required: true
        quality:
          - metric: invalidValues
            mustBe: 1
            arguments: {validValues: ["it's", 'say "hi"', "') OR true --"]}
)");
}

class DatacheckPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = PgFixture::Get().NewEmptyDatabase();
    const size_t at = url_.find("@/");
    db_ = url_.substr(at + 2, url_.find('?') - at - 2);
    pqxx::connection c(url_);
    pqxx::nontransaction tx(c);
    tx.exec(kSetup);
  }

  contract::Document Doc() {
    auto v = contract::ParseAndValidate(Contract(db_));
    EXPECT_TRUE(v.ok()) << v.status();
    for (const auto& i : v->issues) ADD_FAILURE() << i.ToString();
    return v->document;
  }

  std::string url_;
  std::string db_;
};

// "object.property check outcome" for each result of `object`.
std::set<std::string> Outcomes(const Report& r, const std::string& object,
                               Outcome only) {
  std::set<std::string> out;
  for (const CheckResult& c : r.results) {
    if (c.object != object || c.outcome != only) continue;
    out.insert(
        absl::StrCat(c.property.empty() ? "" : c.property + " ", c.check));
  }
  return out;
}

const CheckResult& Find(const Report& r, const std::string& object,
                        const std::string& property, const std::string& check) {
  for (const CheckResult& c : r.results) {
    if (c.object == object && c.property == property && c.check == check) {
      return c;
    }
  }
  static const CheckResult kNone;
  ADD_FAILURE() << "no result " << object << "." << property << " " << check;
  return kNone;
}

TEST_F(DatacheckPgTest, EachBrokenRuleFailsOnceAndTheCleanTablePasses) {
  const contract::Document doc = Doc();
  auto server = FindServer(doc, "local");
  ASSERT_TRUE(server.ok()) << server.status();
  // The contract's own coordinates, the user from libpq's environment.
  setenv("PGUSER", "postgres", 1);
  auto report = TestContract(doc, *server, ConnInfo(*server));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->database, db_);

  EXPECT_THAT(Outcomes(*report, "clean", Outcome::kFail), ::testing::IsEmpty());
  EXPECT_THAT(Outcomes(*report, "clean", Outcome::kError),
              ::testing::IsEmpty());
  EXPECT_THAT(Outcomes(*report, "clean", Outcome::kSkipped),
              UnorderedElementsAre("sql"));
  EXPECT_EQ(Find(*report, "clean", "amount", "nullValues").measured, 100.0 / 3);

  EXPECT_THAT(Outcomes(*report, "broken", Outcome::kFail),
              UnorderedElementsAre(
                  "missing_col column", "wrong_type type", "req required",
                  "uniq unique", "status invalidValues", "code invalidValues",
                  "notes nullValues", "dup duplicateValues", "rowCount"));
  EXPECT_THAT(Outcomes(*report, "broken", Outcome::kError),
              ::testing::IsEmpty());
  const CheckResult& type = Find(*report, "broken", "wrong_type", "type");
  EXPECT_EQ(type.detail, "text");
  EXPECT_EQ(type.expected, "smallint | integer | bigint");
  EXPECT_EQ(Find(*report, "broken", "req", "required").measured, 1);
  EXPECT_EQ(Find(*report, "broken", "uniq", "unique").measured, 1);
  EXPECT_EQ(Find(*report, "broken", "status", "invalidValues").measured, 1);
  EXPECT_EQ(Find(*report, "broken", "code", "invalidValues").measured, 1);
  EXPECT_EQ(Find(*report, "broken", "notes", "nullValues").measured, 25);
  EXPECT_EQ(Find(*report, "broken", "dup", "duplicateValues").measured, 1);
  const CheckResult& rows = Find(*report, "broken", "", "rowCount");
  EXPECT_EQ(rows.measured, 4);
  EXPECT_EQ(rows.expected, "> 10");
  EXPECT_EQ(rows.path, "schema[1].quality[0]");
  EXPECT_THAT(Find(*report, "broken", "missing_col", "column").detail,
              HasSubstr("no column missing_col"));
}

TEST_F(DatacheckPgTest, HostileNamesAndValuesAreData) {
  auto report = TestContract(Doc(), *FindServer(Doc(), ""), url_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(Outcomes(*report, "weird", Outcome::kError),
              ::testing::IsEmpty());
  const std::string col = "x\"; DROP TABLE t; --";
  EXPECT_EQ(Find(*report, "weird", col, "column").outcome, Outcome::kPass);
  EXPECT_EQ(Find(*report, "weird", col, "required").outcome, Outcome::kPass);
  // Only the row holding `'; DROP TABLE t; --` is outside validValues; the
  // quote-laden valid values matched as plain strings.
  const CheckResult& invalid = Find(*report, "weird", col, "invalidValues");
  EXPECT_EQ(invalid.measured, 1);
  EXPECT_EQ(invalid.outcome, Outcome::kPass);
  pqxx::connection c(url_);
  pqxx::read_transaction tx(c);
  EXPECT_EQ(tx.exec("SELECT count(*) FROM t")[0][0].as<int>(), 0);
  EXPECT_EQ(tx.exec("SELECT count(*) FROM weird")[0][0].as<int>(), 3);
}

TEST_F(DatacheckPgTest, AMissingTableFailsAndAnUnreachableServerIsUnavailable) {
  contract::Document doc = Doc();
  doc.schema[0].name = "no_such_table";
  auto report = TestContract(doc, doc.servers[0], url_);
  ASSERT_TRUE(report.ok()) << report.status();
  const CheckResult& table = Find(*report, "no_such_table", "", "table");
  EXPECT_EQ(table.outcome, Outcome::kFail);
  EXPECT_EQ(table.detail, "no table or view public.no_such_table");

  auto down = TestContract(doc, doc.servers[0],
                           "host=127.0.0.1 port=1 dbname=x user=u "
                           "password=s3cret connect_timeout=5");
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(down.status().message(), HasSubstr("cannot connect to server"));
  EXPECT_THAT(down.status().message(), ::testing::Not(HasSubstr("s3cret")));
}

}  // namespace
}  // namespace meshplane::datacheck
