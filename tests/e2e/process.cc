#include "tests/e2e/process.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace meshplane::e2e {

namespace {

std::vector<std::string> BuildEnv(
    const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    size_t eq = entry.find('=');
    if (eq != std::string::npos) {
      env[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
  }
  for (const auto& [k, v] : overrides) {
    if (v == "\x01") {
      env.erase(k);
    } else {
      env[k] = v;
    }
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : env) {
    out.push_back(k + "=" + v);
  }
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int WaitExit(pid_t pid, int options, bool* exited) {
  int status = 0;
  pid_t r = waitpid(pid, &status, options);
  if (r != pid) {
    *exited = false;
    return -1;
  }
  *exited = true;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::string CommandResult::Describe() const {
  return absl::StrCat("exit ", exit_code, "\nstdout:\n", out, "\nstderr:\n",
                      err);
}

CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env,
                         const std::string& input, int timeout_seconds) {
  int out_pipe[2], err_pipe[2], in_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0 || pipe(in_pipe) != 0) {
    std::perror("pipe");
    std::abort();
  }
  std::vector<std::string> args = argv;
  std::vector<std::string> envs = BuildEnv(env);
  std::vector<char*> arg_ptrs = Pointers(args);
  std::vector<char*> env_ptrs = Pointers(envs);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1],
                   err_pipe[0], err_pipe[1]}) {
      close(fd);
    }
    execve(arg_ptrs[0], arg_ptrs.data(), env_ptrs.data());
    std::fprintf(stderr, "execve %s: %s\n", arg_ptrs[0], std::strerror(errno));
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  // Small inputs only: a pipe buffer holds them, so writing first cannot
  // deadlock against the child's output.
  if (!input.empty()) {
    ssize_t ignored = write(in_pipe[1], input.data(), input.size());
    (void)ignored;
  }
  close(in_pipe[1]);

  CommandResult result;
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    int ms =
        static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                             deadline - std::chrono::steady_clock::now())
                             .count());
    if (ms <= 0) {
      kill(pid, SIGKILL);
      result.err += "\n[e2e: killed after timeout]";
      break;
    }
    int n = poll(fds, 2, ms);
    if (n < 0 && errno == EINTR) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t got = read(fds[i].fd, buf, sizeof(buf));
      if (got > 0) {
        (i == 0 ? result.out : result.err).append(buf, got);
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
  bool exited = false;
  result.exit_code = WaitExit(pid, 0, &exited);
  return result;
}

ServerProcess::~ServerProcess() { Stop(); }

bool ServerProcess::Start(const std::string& binary,
                          const std::string& database_url,
                          const std::string& bootstrap_token,
                          std::string* error,
                          const std::vector<std::string>& extra_args) {
  dir_ = MakeTempDir();
  std::string port_file = dir_ + "/port";
  log_path_ = dir_ + "/meshplaned.log";
  std::vector<std::string> args = {
      binary,    "--listen",       "127.0.0.1:0", "--http-listen",
      "",        "--database-url", database_url,  "--port-file",
      port_file, "--pool-size",    "4",           "--log-level",
      "warn"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<std::string> envs =
      BuildEnv({{"MESHPLANE_BOOTSTRAP_TOKEN", bootstrap_token},
                {"MESHPLANE_DATABASE_URL", "\x01"}});
  std::vector<char*> arg_ptrs = Pointers(args);
  std::vector<char*> env_ptrs = Pointers(envs);
  pid_ = fork();
  if (pid_ == 0) {
    int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
      close(log);
    }
    execve(arg_ptrs[0], arg_ptrs.data(), env_ptrs.data());
    std::fprintf(stderr, "execve %s: %s\n", arg_ptrs[0], std::strerror(errno));
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file);
    int port = 0;
    if (in >> port && port > 0) {
      port_ = port;
      return true;
    }
    bool exited = false;
    int code = WaitExit(pid_, WNOHANG, &exited);
    if (exited) {
      pid_ = -1;
      *error = absl::StrCat("meshplaned exited with ", code, ":\n", Log());
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  *error = absl::StrCat("meshplaned wrote no port in 60 s:\n", Log());
  Stop();
  return false;
}

void ServerProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool exited = false;
  while (std::chrono::steady_clock::now() < deadline) {
    WaitExit(pid_, WNOHANG, &exited);
    if (exited) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!exited) {
    kill(pid_, SIGKILL);
    WaitExit(pid_, 0, &exited);
  }
  pid_ = -1;
}

std::string ServerProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string EnvOrDie(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    std::fprintf(stderr, "%s is not set (run through ctest)\n", name);
    std::abort();
  }
  return value;
}

std::string MakeTempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = absl::StrCat(
      tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/meshplane-e2e-XXXXXX");
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    std::perror("mkdtemp");
    std::abort();
  }
  return std::string(buf.data());
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::abort();
  }
}

}  // namespace meshplane::e2e
