// A child process for tests that run binaries as an operator would
// (meshplaned replicas), plus the small file helpers those tests share.
#ifndef MESHPLANE_TESTS_TESTING_SERVER_PROCESS_H_
#define MESHPLANE_TESTS_TESTING_SERVER_PROCESS_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
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

}  // namespace meshplane::testing

#endif  // MESHPLANE_TESTS_TESTING_SERVER_PROCESS_H_
