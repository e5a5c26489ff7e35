// The schema migration runner (see postgres_store.h for the contract).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/postgres/errors.h"
#include "store/postgres/pg_internal.h"
#include <pqxx/pqxx>

#include "meshplane/common/crypto.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/store/postgres_store.h"

#ifndef MESHPLANE_MIGRATIONS_DIR
#error "MESHPLANE_MIGRATIONS_DIR must be defined by the build"
#endif

namespace meshplane::store {
namespace {

// The advisory lock that serialises migration runs: a fixed (classid, objid)
// pair in the two-int key space, so it can never equal a request lock
// (TryLockRequest uses the one-bigint space).
constexpr int kMigrationLockClass = 0x4d505348;  // "MPSH"
constexpr int kMigrationLockId = 1;

constexpr const char* kLockMigrations = "SELECT pg_advisory_lock($1, $2)";
constexpr const char* kUnlockMigrations = "SELECT pg_advisory_unlock($1, $2)";
constexpr const char* kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "  version     integer PRIMARY KEY,"
    "  name        text NOT NULL,"
    "  checksum    text NOT NULL,"
    "  applied_at  timestamptz NOT NULL DEFAULT now())";
constexpr const char* kAppliedMigrations =
    "SELECT version, name, checksum FROM schema_migrations ORDER BY version";
constexpr const char* kRecordMigration =
    "INSERT INTO schema_migrations (version, name, checksum) "
    "VALUES ($1, $2, $3)";
constexpr const char* kHasSchemaMigrations =
    "SELECT to_regclass('schema_migrations') IS NOT NULL";
constexpr const char* kMaxVersion =
    "SELECT coalesce(max(version), 0) FROM schema_migrations";

// What makes role $1 unfit to serve (docs/operations.md#database-roles): a
// superuser, or one with the privileges of the audit tables' owner, can
// disable their append-only triggers, truncate or drop them; one that may
// CREATE in the schema can shadow its functions. No row: no such role.
constexpr const char* kServingRoleFacts =
    "SELECT r.rolsuper, "
    "  EXISTS (SELECT 1 FROM pg_class c "
    "          WHERE c.oid IN (to_regclass('audit_log'), "
    "                          to_regclass('access_decisions')) "
    "            AND pg_has_role(r.oid, c.relowner, 'USAGE')), "
    "  coalesce(has_schema_privilege(r.oid, current_schema(), 'CREATE'), "
    "           false), "
    "  coalesce(current_schema(), ''), "
    "  to_regclass('audit_log') IS NOT NULL "
    "FROM pg_roles r WHERE r.rolname = $1";
constexpr const char* kCurrentUser = "SELECT current_user";

// The serving role's grants, beside the migrations; its placeholder is
// psql's syntax for a quoted identifier, so that the file runs in psql too.
constexpr const char* kServingRoleFile = "serving_role.sql";
constexpr absl::string_view kServingRolePlaceholder = ":\"serving_role\"";

constexpr absl::Duration kConnectTimeout = absl::Seconds(10);

// First line of a migration that must run outside a transaction.
constexpr absl::string_view kNoTransactionMarker =
    "-- meshplane:no-transaction";

struct MigrationFile {
  int version = 0;
  std::string file_name;  // 0001_init.sql
  std::string content;
  std::string checksum;  // SHA-256 hex of content
};

absl::StatusOr<std::vector<MigrationFile>> ReadMigrationsOrThrow(
    const std::string& dir);

// The NNNN_name.sql files of `dir`, by version.
absl::StatusOr<std::vector<MigrationFile>> ReadMigrations(
    const std::string& dir) {
  try {
    return ReadMigrationsOrThrow(dir);
  } catch (const std::exception& e) {  // std::filesystem_error, bad_alloc
    return absl::NotFoundError(absl::StrCat(
        "cannot read migrations directory \"", dir, "\": ", e.what()));
  }
}

absl::StatusOr<std::vector<MigrationFile>> ReadMigrationsOrThrow(
    const std::string& dir) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) {
    return absl::NotFoundError(absl::StrCat(
        "cannot read migrations directory \"", dir, "\": ", ec.message()));
  }
  std::map<int, MigrationFile> by_version;
  for (const auto& entry : it) {
    if (!entry.is_regular_file()) continue;
    std::string name = entry.path().filename().string();
    if (name.size() < 10 || name[4] != '_' || !absl::EndsWith(name, ".sql")) {
      continue;
    }
    int version = 0;
    if (!absl::SimpleAtoi(name.substr(0, 4), &version) ||
        !std::all_of(name.begin(), name.begin() + 4, absl::ascii_isdigit)) {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    if (!in.good() && !in.eof()) {
      return absl::NotFoundError(absl::StrCat("cannot read migration \"",
                                              entry.path().string(), "\""));
    }
    MigrationFile file{version, name, content.str(), ""};
    file.checksum = Sha256Hex(file.content);
    auto [pos, inserted] = by_version.emplace(version, std::move(file));
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat("migrations \"", pos->second.file_name, "\" and \"",
                       name, "\" share version ", version));
    }
  }
  if (by_version.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no NNNN_name.sql migrations in \"", dir, "\""));
  }
  std::vector<MigrationFile> out;
  for (auto& [version, file] : by_version) out.push_back(std::move(file));
  return out;
}

absl::StatusOr<std::string> ReadServingRoleFile(const std::string& dir) {
  const std::string path = absl::StrCat(dir, "/", kServingRoleFile);
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  if (!in.is_open() || (!in.good() && !in.eof())) {
    return absl::NotFoundError(absl::StrCat(
        "cannot read \"", path,
        "\": --serving-role grants what that file of the migrations lists"));
  }
  return content.str();
}

// OK if `role` is fit to serve (see CheckServingRole in the header).
absl::Status CheckRole(pqxx::transaction_base& q, const std::string& role) {
  pqxx::result facts = q.exec_params(kServingRoleFacts, role);
  if (facts.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the serving role \"", role,
        "\" does not exist: create it first "
        "(CREATE ROLE ... LOGIN; see docs/operations.md#database-roles)"));
  }
  const pqxx::row row = facts[0];
  if (!row[4].as<bool>()) {
    return absl::FailedPreconditionError(
        "the database has no Meshplane schema (audit_log is missing): run "
        "`meshplaned migrate` first");
  }
  const char* why = nullptr;
  if (row[0].as<bool>()) {
    why = "is a superuser";
  } else if (row[1].as<bool>()) {
    why =
        "owns audit_log and access_decisions (or has their owner's "
        "privileges)";
  }
  if (why != nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "role \"", role, "\" ", why,
        ": it could disable the append-only triggers of the audit tables, "
        "truncate or drop them; serve as a role of its own that only "
        "`meshplaned migrate --serving-role` grants to "
        "(docs/operations.md#database-roles)"));
  }
  if (row[2].as<bool>()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "role \"", role, "\" may CREATE in schema \"", row[3].as<std::string>(),
        "\": revoke that (REVOKE CREATE ON SCHEMA ... FROM PUBLIC, and from "
        "the role); a serving role must not add objects to the schema "
        "(docs/operations.md#database-roles)"));
  }
  return absl::OkStatus();
}

absl::Status MapConnectError(std::exception_ptr e, const std::string& op) {
  bool lost = false;
  absl::Status s = pg::MapPgError(e, {op, "", false}, &lost);
  if (s.code() == absl::StatusCode::kInternal && lost) {
    return absl::UnavailableError(s.message());
  }
  return s;
}

// A SQL script (a migration file, the serving role's grants) that failed:
// UNAVAILABLE when the connection went, else INVALID_ARGUMENT naming the
// script and PostgreSQL's reason. Call it inside the catch block.
absl::Status ScriptError(const pqxx::sql_error& e, absl::string_view script) {
  absl::Status mapped = MapConnectError(std::current_exception(), "Migrate");
  if (mapped.code() == absl::StatusCode::kUnavailable) {
    return mapped;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      script, " failed (SQLSTATE ", e.sqlstate(), "): ", e.what()));
}

}  // namespace

std::string DefaultMigrationsDir() {
  const char* env = std::getenv("MESHPLANE_MIGRATIONS_DIR");
  if (env != nullptr && *env != '\0') return env;
  return MESHPLANE_MIGRATIONS_DIR;
}

absl::StatusOr<int> LatestMigrationVersion(const std::string& migrations_dir) {
  MP_ASSIGN_OR_RETURN(std::vector<MigrationFile> files,
                      ReadMigrations(migrations_dir));
  return files.back().version;
}

absl::StatusOr<int> CurrentSchemaVersion(const std::string& database_url) {
  try {
    auto conn =
        pg::Connect(pg::WithConnectionTimeouts(database_url, kConnectTimeout));
    pqxx::nontransaction q(*conn);
    if (!q.exec1(kHasSchemaMigrations)[0].as<bool>()) return 0;
    return q.exec1(kMaxVersion)[0].as<int>();
  } catch (...) {
    return MapConnectError(std::current_exception(), "CurrentSchemaVersion");
  }
}

absl::Status CheckServingRole(const std::string& database_url) {
  try {
    auto conn =
        pg::Connect(pg::WithConnectionTimeouts(database_url, kConnectTimeout));
    pqxx::read_transaction q(*conn);
    return CheckRole(q, q.exec1(kCurrentUser)[0].as<std::string>());
  } catch (...) {
    return MapConnectError(std::current_exception(), "CheckServingRole");
  }
}

absl::Status Migrate(const std::string& database_url,
                     const std::string& migrations_dir,
                     const std::string& serving_role) {
  MP_ASSIGN_OR_RETURN(std::vector<MigrationFile> files,
                      ReadMigrations(migrations_dir));
  std::string grants;
  if (!serving_role.empty()) {
    MP_ASSIGN_OR_RETURN(grants, ReadServingRoleFile(migrations_dir));
  }
  std::unique_ptr<pqxx::connection> conn;
  std::map<int, std::pair<std::string, std::string>> applied;  // name, sum
  try {
    conn =
        pg::Connect(pg::WithConnectionTimeouts(database_url, kConnectTimeout));
    // A session lock on this dedicated connection: held across the
    // per-file transactions below, released when the connection closes even
    // if this process dies.
    pqxx::nontransaction setup(*conn);
    setup.exec_params(kLockMigrations, kMigrationLockClass, kMigrationLockId);
    setup.exec(kCreateSchemaMigrations);
    for (const auto& row : setup.exec(kAppliedMigrations)) {
      applied[row[0].as<int>()] = {row[1].as<std::string>(),
                                   row[2].as<std::string>()};
    }
  } catch (const pqxx::insufficient_privilege& e) {
    // A serving role: it may not CREATE in the schema, not even IF NOT
    // EXISTS.
    return absl::PermissionDeniedError(
        absl::StrCat("the database role may not change the schema (",
                     absl::string_view(e.what()).substr(
                         0, absl::string_view(e.what()).find('\n')),
                     "): migrate with the URL of the role that owns it"));
  } catch (...) {
    return MapConnectError(std::current_exception(), "Migrate");
  }

  std::map<int, const MigrationFile*> by_version;
  for (const auto& f : files) by_version[f.version] = &f;
  for (const auto& [version, row] : applied) {
    auto it = by_version.find(version);
    if (it == by_version.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the database has migration ", version, " (", row.first,
                       ") applied, which \"", migrations_dir,
                       "\" does not have: it was migrated by a newer build"));
    }
    if (it->second->checksum != row.second) {
      return absl::FailedPreconditionError(absl::StrCat(
          "migration \"", it->second->file_name,
          "\" was changed after it was applied (checksum ", row.second,
          " recorded, ", it->second->checksum,
          " now); released migrations must never be edited: add a new file"));
    }
  }

  for (const MigrationFile& f : files) {
    if (applied.count(f.version) > 0) continue;
    try {
      if (absl::StartsWith(f.content, kNoTransactionMarker)) {
        // CREATE INDEX CONCURRENTLY and friends cannot run in a transaction.
        // Such a file holds one idempotent statement: if the process dies
        // before the record below, the next run repeats it.
        pqxx::nontransaction direct(*conn);
        direct.exec(f.content);
        direct.exec_params(kRecordMigration, f.version, f.file_name,
                           f.checksum);
        continue;
      }
      pqxx::work txn(*conn);
      txn.exec(f.content);
      txn.exec_params(kRecordMigration, f.version, f.file_name, f.checksum);
      txn.commit();
    } catch (const pqxx::sql_error& e) {
      return ScriptError(e, absl::StrCat("migration \"", f.file_name, "\""));
    } catch (...) {
      return MapConnectError(std::current_exception(), "Migrate");
    }
  }

  if (!serving_role.empty()) {
    try {
      // The check and the grants in one transaction, under the migration
      // lock: concurrent GRANTs on one object can fail ("tuple concurrently
      // updated"), and a replica never sees the role half-granted.
      pqxx::work txn(*conn);
      MP_RETURN_IF_ERROR(CheckRole(txn, serving_role));
      txn.exec(absl::StrReplaceAll(
          grants, {{kServingRolePlaceholder, conn->quote_name(serving_role)}}));
      txn.commit();
    } catch (const pqxx::sql_error& e) {
      return ScriptError(e, kServingRoleFile);
    } catch (...) {
      return MapConnectError(std::current_exception(), "Migrate");
    }
  }

  try {
    pqxx::nontransaction done(*conn);
    done.exec_params(kUnlockMigrations, kMigrationLockClass, kMigrationLockId);
  } catch (...) {
    // Closing the connection releases the lock anyway.
  }
  return absl::OkStatus();
}

}  // namespace meshplane::store
