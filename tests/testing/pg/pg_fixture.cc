#include "tests/testing/pg/pg_fixture.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/testing/unused_port.h"
#include <pqxx/pqxx>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include "meshplane/store/postgres_store.h"

namespace meshplane::testing {
namespace {

constexpr char kTemplate[] = "meshplane_template";

PgFixture* instance = nullptr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

void PgFixture::RemoveStaleServers(const std::string& tmp) {
  // A test binary killed by a timeout or a signal skips its atexit handler;
  // its folder (meshplane-pg-<pid>-XXXXXX) names a process that is gone.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(tmp, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("meshplane-pg-", 0) != 0) continue;
    std::string rest = name.substr(13);
    size_t dash = rest.find('-');
    int pid = 0;
    if (dash == std::string::npos ||
        !absl::SimpleAtoi(rest.substr(0, dash), &pid) || pid <= 0 ||
        kill(pid, 0) == 0 || errno != ESRCH) {
      continue;
    }
    std::string data = entry.path().string() + "/data";
    if (std::filesystem::exists(data + "/postmaster.pid")) {
      std::string cmd = absl::StrCat("'", bin_dir_, "/pg_ctl' -D '", data,
                                     "' -m immediate -w stop > /dev/null 2>&1");
      std::system(
          (as_postgres_ ? "runuser -u postgres -- sh -c \"" + cmd + "\"" : cmd)
              .c_str());
    }
    std::filesystem::remove_all(entry.path(), ec);
  }
}

void ShutdownPgFixtureAtExit() {
  if (instance != nullptr) instance->Shutdown();
}

PgFixture& PgFixture::Get() {
  static PgFixture* fixture = [] {
    instance = new PgFixture();
    std::atexit(&ShutdownPgFixtureAtExit);
    return instance;
  }();
  return *fixture;
}

PgFixture::PgFixture() {
  const char* bin = std::getenv("MESHPLANE_PG_BIN");
  bin_dir_ =
      bin != nullptr && *bin != '\0' ? bin : "/usr/lib/postgresql/15/bin";
  as_postgres_ = geteuid() == 0;

  std::string tmp = std::filesystem::temp_directory_path().string();
  RemoveStaleServers(tmp);
  // The pid in the name lets a later run clean up after a killed one.
  std::string pattern =
      absl::StrCat(tmp, "/meshplane-pg-", getpid(), "-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("PgFixture: mkdtemp");
    std::abort();
  }
  dir_ = pattern;
  data_dir_ = dir_ + "/data";
  log_file_ = dir_ + "/postgres.log";
  if (as_postgres_) {
    passwd* pw = getpwnam("postgres");
    if (pw == nullptr || chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      std::cerr << "PgFixture: running as root needs a `postgres` user to own "
                << dir_ << "\n";
      std::abort();
    }
  }

  std::string initdb =
      absl::StrCat("'", bin_dir_, "/initdb' -D '", data_dir_,
                   "' -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync "
                   "--no-instructions > '",
                   dir_, "/initdb.log' 2>&1");
  if (std::system((as_postgres_
                       ? "runuser -u postgres -- sh -c \"" + initdb + "\""
                       : initdb)
                      .c_str()) != 0) {
    std::cerr << "PgFixture: initdb failed:\n"
              << ReadFile(dir_ + "/initdb.log");
    Shutdown();
    std::abort();
  }
  // A port can be taken between UnusedPort() and the server's bind: retry.
  for (int attempt = 0; attempt < 5 && !running_; ++attempt) {
    port_ = UnusedPort();
    Start();
  }
  if (!running_) {
    std::cerr << "PgFixture: the server did not start:\n"
              << ReadFile(log_file_);
    Shutdown();
    std::abort();
  }

  try {
    pqxx::connection admin(AdminUrl());
    pqxx::nontransaction q(admin);
    q.exec(absl::StrCat("CREATE DATABASE ", kTemplate));
    // The role is the server's, so every database of it shares one.
    q.exec(absl::StrCat("CREATE ROLE ", kServingRole, " LOGIN"));
  } catch (const std::exception& e) {
    std::cerr << "PgFixture: cannot create the template database: " << e.what();
    Shutdown();
    std::abort();
  }
  absl::Status migrated = store::Migrate(
      UrlFor(kTemplate), store::DefaultMigrationsDir(), kServingRole);
  if (!migrated.ok()) {
    std::cerr << "PgFixture: migrating the template failed: " << migrated
              << "\n";
    Shutdown();
    std::abort();
  }
}

PgFixture::~PgFixture() { Shutdown(); }

std::string PgFixture::UrlFor(const std::string& name) const {
  return absl::StrCat("postgresql://postgres@/", name, "?host=", dir_,
                      "&port=", port_);
}

std::string PgFixture::ServingUrl(const std::string& url) {
  constexpr absl::string_view kAsPostgres = "postgresql://postgres@";
  if (!absl::StartsWith(url, kAsPostgres)) {
    std::cerr << "PgFixture::ServingUrl: not a URL of the fixture: " << url
              << "\n";
    std::abort();
  }
  return absl::StrCat("postgresql://", kServingRole, "@",
                      url.substr(kAsPostgres.size()));
}

void PgFixture::Start() {
  std::string options = absl::StrCat(
      "-k ", dir_, " -p ", port_,
      " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
      " -c full_page_writes=off -c max_connections=300"
      " -c shared_buffers=64MB -c max_locks_per_transaction=256"
      // Tests count the statements of a call with it (CREATE EXTENSION in
      // their own database).
      " -c shared_preload_libraries=pg_stat_statements");
  std::string cmd = absl::StrCat("'", bin_dir_, "/pg_ctl' -D '", data_dir_,
                                 "' -l '", log_file_, "' -w -t 60 -o '",
                                 options, "' start > /dev/null 2>&1");
  int rc = std::system(
      (as_postgres_ ? "runuser -u postgres -- sh -c \"" + cmd + "\"" : cmd)
          .c_str());
  running_ = rc == 0;
}

void PgFixture::Stop() { StopWithMode("fast"); }

void PgFixture::StopWithMode(const char* mode) {
  std::string cmd = absl::StrCat("'", bin_dir_, "/pg_ctl' -D '", data_dir_,
                                 "' -m ", mode, " -w stop > /dev/null 2>&1");
  std::system(
      (as_postgres_ ? "runuser -u postgres -- sh -c \"" + cmd + "\"" : cmd)
          .c_str());
  running_ = false;
}

void PgFixture::Shutdown() {
  if (dir_.empty()) return;
  // Immediate: the data is thrown away anyway.
  if (std::filesystem::exists(data_dir_ + "/postmaster.pid")) {
    StopWithMode("immediate");
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  dir_.clear();
}

std::string PgFixture::CreateDatabase(const std::string& template_name) {
  std::string name;
  {
    absl::MutexLock lock(&mu_);
    name = absl::StrCat("t", ++next_db_);
    try {
      pqxx::connection admin(AdminUrl());
      pqxx::nontransaction q(admin);
      // Names are ours (t<N>, the template constant): nothing to escape.
      q.exec(
          absl::StrCat("CREATE DATABASE ", name, " TEMPLATE ", template_name));
    } catch (const std::exception& e) {
      std::cerr << "PgFixture: CREATE DATABASE " << name
                << " failed: " << e.what() << "\n";
      std::abort();
    }
  }
  return UrlFor(name);
}

std::string PgFixture::NewDatabase() { return CreateDatabase(kTemplate); }

std::string PgFixture::NewEmptyDatabase() {
  return CreateDatabase("template0");
}

void ExecSql(const std::string& url, const std::string& sql) {
  pqxx::connection conn(url);
  pqxx::work w(conn);
  w.exec(sql);
  w.commit();
}

int64_t QueryInt(const std::string& url, const std::string& sql) {
  pqxx::connection conn(url);
  pqxx::nontransaction q(conn);
  return q.exec1(sql)[0].as<int64_t>();
}

int TerminateListenConnections(const std::string& url) {
  pqxx::connection conn(url);
  pqxx::work w(conn);
  pqxx::result killed = w.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE datname = current_database() "
      "AND application_name = 'meshplane-listener'");
  w.commit();
  return static_cast<int>(killed.size());
}

}  // namespace meshplane::testing
