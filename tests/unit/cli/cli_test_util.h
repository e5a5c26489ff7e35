// What the CLI's unit tests share: running the CLI in process, fake services
// on a loopback gRPC server, a scratch directory for input files, and the
// errors of a descriptor parse as strings.
#ifndef MESHPLANE_TESTS_UNIT_CLI_CLI_TEST_UTIL_H_
#define MESHPLANE_TESTS_UNIT_CLI_CLI_TEST_UTIL_H_

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/app.h"
#include "cli/descriptor.h"
#include "google/rpc/status.pb.h"
#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include "meshplane/v1/errors.pb.h"

namespace meshplane::cli::test_util {

// A request id as the CLI makes them: a UUID v4.
inline constexpr char kUuidRegex[] =
    "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

// A small valid ODCS v3.1.0 contract at version 1.0.0 (line 4 is its
// `version:`); tests derive other versions from it.
inline constexpr char kOrdersContract[] = R"(apiVersion: v3.1.0
kind: DataContract
id: orders
version: 1.0.0
status: active
schema:
  - name: orders
    properties:
      - name: order_id
        logicalType: string
        required: true
      - name: amount
        logicalType: number
        description: Order total
      - name: note
        logicalType: string
)";

// An ENFORCED policy violation as the server reports one.
inline meshplane::v1::PolicyViolation EnforcedViolation(
    const std::string& policy, const std::string& scope,
    const std::string& effect, int revision, const std::string& message) {
  meshplane::v1::PolicyViolation v;
  v.set_policy(policy);
  v.set_scope(scope);
  v.set_effect(effect);
  v.set_enforcement("ENFORCED");
  v.set_revision(revision);
  v.set_message(message);
  return v;
}

// The status a server sends with `rpc` (code, message and details) as its
// google.rpc.Status.
inline grpc::Status StatusWithDetails(const google::rpc::Status& rpc) {
  return grpc::Status(static_cast<grpc::StatusCode>(rpc.code()), rpc.message(),
                      rpc.SerializeAsString());
}

// What one run of the CLI returned.
struct CliResult {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs the command line `args` against the server at `addr`, with `token`
// (none when empty).
inline CliResult RunCliAt(const std::string& addr, const std::string& token,
                          const std::vector<std::string>& args) {
  Environment env;
  env.addr = addr;
  env.token = token;
  std::ostringstream out, err;
  int code = RunCli(args, env, out, err);
  return {code, out.str(), err.str()};
}

// A fake service's answer to one call: records `request` in `*log`, then
// fails with `status`, or answers a copy of `answer`.
template <typename Request, typename Response>
grpc::Status RecordAndAnswer(const Request& request, std::vector<Request>* log,
                             const grpc::Status& status, const Response& answer,
                             Response* response) {
  log->push_back(request);
  if (!status.ok()) return status;
  *response = answer;
  return grpc::Status::OK;
}

// A gRPC server on a free loopback port, serving fakes the test owns; shut
// down when destroyed (so declare it after the fakes).
class LoopbackServer {
 public:
  ~LoopbackServer() {
    if (server_ != nullptr) server_->Shutdown();
  }

  // Starts serving `services`; false when the server did not start.
  bool Start(std::initializer_list<grpc::Service*> services) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    for (grpc::Service* service : services) builder.RegisterService(service);
    server_ = builder.BuildAndStart();
    return server_ != nullptr;
  }

  std::string addr() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// A fresh directory under /tmp, removed with its files when destroyed.
class ScratchDir {
 public:
  ~ScratchDir() {
    if (!path_.empty()) std::filesystem::remove_all(path_);
  }

  // Makes the directory, named `prefix` and a random suffix; false when it
  // could not.
  bool Create(const std::string& prefix) {
    std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) return false;
    path_ = tmpl;
    return true;
  }

  const std::string& path() const { return path_; }

  // Writes `text` to the file `name` in the directory; returns its path.
  std::string Write(const std::string& name, const std::string& text) const {
    std::string path = path_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

 private:
  std::string path_;
};

// The errors of a parse, as DescriptorError::ToString writes them.
inline std::vector<std::string> ErrorStrings(const ParseResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.ToString());
  return out;
}

}  // namespace meshplane::cli::test_util

#endif  // MESHPLANE_TESTS_UNIT_CLI_CLI_TEST_UTIL_H_
