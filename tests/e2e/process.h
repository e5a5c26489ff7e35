// Subprocesses for the e2e tests: meshplaned as a server, meshplane as a
// command run to completion.
#ifndef MESHPLANE_TESTS_E2E_PROCESS_H_
#define MESHPLANE_TESTS_E2E_PROCESS_H_

#include <map>
#include <string>
#include <vector>

#include "tests/testing/unused_port.h"
#include <sys/types.h>

namespace meshplane::e2e {

// The outcome of a command run to completion.
struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
  // "exit 2\nstdout:\n...\nstderr:\n..." for assertion messages.
  std::string Describe() const;
};

// Runs `argv` (argv[0] is the program path) with the current environment
// plus `env` (a value of "\x01" unsets the variable), feeding `input` on
// stdin, and waits for it. Kills it after `timeout_seconds`.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env,
                         const std::string& input = "",
                         int timeout_seconds = 60);

// A meshplaned process on a free port: --listen 127.0.0.1:0 --port-file,
// no HTTP listener, the bootstrap token set.
class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the server and waits (up to 60 s) until it has written its port.
  // Returns false, with the server's log in `*error`, if it did not.
  // `extra_args` are appended to the command line (e.g. TLS flags).
  bool Start(const std::string& binary, const std::string& database_url,
             const std::string& bootstrap_token, std::string* error,
             const std::vector<std::string>& extra_args = {});
  // SIGTERM, then SIGKILL after 10 s.
  void Stop();

  int port() const { return port_; }
  std::string addr() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
  std::string log_path_;
};

// The value of an environment variable ctest sets (binary paths, data
// folders); aborts with a hint when it is missing.
std::string EnvOrDie(const char* name);
// A fresh temporary directory (removed by the caller if it cares).
std::string MakeTempDir();
// The bytes of the file at `path` ("" when it cannot be read).
std::string ReadFile(const std::string& path);
// Writes `text` to `path`; aborts the test binary on failure.
void WriteFile(const std::string& path, const std::string& text);
// A TCP port on 127.0.0.1 that nothing listens on (bound, then closed).
using ::meshplane::testing::UnusedPort;

}  // namespace meshplane::e2e

#endif  // MESHPLANE_TESTS_E2E_PROCESS_H_
