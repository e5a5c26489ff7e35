// A child process for tests that run binaries as an operator would
// (meshplaned replicas), plus the small file helpers those tests share.
#ifndef MESHPLANE_TESTS_TESTING_SERVER_PROCESS_H_
#define MESHPLANE_TESTS_TESTING_SERVER_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include <grpcpp/grpcpp.h>
#include <sys/types.h>

namespace meshplane::testing {

// Starts `binary` with `args`, in the test's environment minus every
// MESHPLANE_* variable, plus `extra_env` ("NAME=value"). Killed (SIGKILL)
// when destroyed unless it was reaped.
class Process {
 public:
  Process(const std::string& binary, const std::vector<std::string>& args,
          const std::vector<std::string>& extra_env);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  void Signal(int sig);
  // The exit code, or -1 on a timeout or a death by signal.
  int Wait(absl::Duration timeout);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// A fresh directory under the test's temporary directory.
std::string TempDir();

// The port a server wrote to `path` (--port-file), or 0 after `timeout`.
int ReadPortFile(const std::string& path, absl::Duration timeout);

// `binary serve` (meshplaned) as a child process: gRPC on a free loopback
// port, no HTTP listener, over `database_url` with the bootstrap token
// `token`, and `flags` after those. Waits up to 60 s for its port; when none
// comes, a test failure (EXPECT) and port 0.
struct ServeProcess {
  std::unique_ptr<Process> process;
  int port = 0;
  // An insecure channel to the port.
  std::shared_ptr<grpc::Channel> channel;
};
ServeProcess StartServe(const std::string& binary,
                        const std::string& database_url,
                        const std::string& token,
                        const std::vector<std::string>& flags);

}  // namespace meshplane::testing

#endif  // MESHPLANE_TESTS_TESTING_SERVER_PROCESS_H_
