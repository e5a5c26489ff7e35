// ODCS contracts whose server is the private PostgreSQL, for tests that run
// a contract's checks against real tables.
#ifndef MESHPLANE_TESTS_TESTING_PG_CONTRACT_ON_PG_H_
#define MESHPLANE_TESTS_TESTING_PG_CONTRACT_ON_PG_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "tests/testing/pg/pg_fixture.h"

namespace meshplane::testing {

// The ODCS v3.1.0 document of contract `id` at version 1.0.0 whose one
// server, "local", is schema public of `database` on the private PostgreSQL
// (PgFixture::Get()); `schema` is the items of its `schema:` list.
inline std::string ContractOnPrivatePg(const std::string& id,
                                       const std::string& database,
                                       absl::string_view schema) {
  return absl::StrReplaceAll(R"(apiVersion: v3.1.0
kind: DataContract
id: ID
version: 1.0.0
status: active
servers:
  - server: local
    type: postgres
    host: 127.0.0.1
    port: PORT
    database: DB
    schema: public
schema:
)",
                             {{"ID", id},
                              {"PORT", absl::StrCat(PgFixture::Get().port())},
                              {"DB", database}}) +
         std::string(schema);
}

}  // namespace meshplane::testing

#endif  // MESHPLANE_TESTS_TESTING_PG_CONTRACT_ON_PG_H_
