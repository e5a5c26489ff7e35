#include "tests/testing/server/process.h"

#include <fstream>

#include "absl/time/clock.h"
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace meshplane::testing {

Process::Process(const std::string& binary,
                 const std::vector<std::string>& args,
                 const std::vector<std::string>& extra_env) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    if (kv.rfind("MESHPLANE_", 0) != 0) env.push_back(kv);
  }
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls.
  std::vector<char*> argv{const_cast<char*>(binary.c_str())};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& kv : env) envp.push_back(const_cast<char*>(kv.c_str()));
  envp.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
}

Process::~Process() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void Process::Signal(int sig) { kill(pid_, sig); }

int Process::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return -1;
}

std::string TempDir() {
  std::string tmpl = ::testing::TempDir() + "meshplaned-XXXXXX";
  char* dir = mkdtemp(tmpl.data());
  EXPECT_NE(dir, nullptr);
  return tmpl;
}

int ReadPortFile(const std::string& path, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    std::ifstream in(path);
    int port = 0;
    if (in >> port && port > 0) return port;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return 0;
}

ServeProcess StartServe(const std::string& binary,
                        const std::string& database_url,
                        const std::string& token,
                        const std::vector<std::string>& flags) {
  const std::string port_file = TempDir() + "/port";
  std::vector<std::string> args = {"serve",         "--listen", "127.0.0.1:0",
                                   "--http-listen", "",         "--port-file",
                                   port_file};
  args.insert(args.end(), flags.begin(), flags.end());
  ServeProcess out;
  out.process = std::make_unique<Process>(
      binary, args,
      std::vector<std::string>{"MESHPLANE_DATABASE_URL=" + database_url,
                               "MESHPLANE_BOOTSTRAP_TOKEN=" + token});
  out.port = ReadPortFile(port_file, absl::Seconds(60));
  EXPECT_GT(out.port, 0) << binary << " did not write its port to "
                         << port_file;
  out.channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(out.port),
                                    grpc::InsecureChannelCredentials());
  return out;
}

}  // namespace meshplane::testing
