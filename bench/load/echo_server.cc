// echo_server: a synchronous gRPC server that answers EchoService/Echo with
// the request's payload. It uses the same threading as meshplaned (the
// synchronous API, a thread pool bounded by a grpc::ResourceQuota), so that
// `mp_load --method echo` against it measures what gRPC alone costs on this
// machine: the ceiling for a read RPC of the registry.
//
//   echo_server --listen 127.0.0.1:0 --port-file /tmp/p --max-threads 64
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "bench/load/echo.grpc.pb.h"
#include "bench/load/load_stats.h"
#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>

ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "Address to listen on; port 0 picks a free port.");
ABSL_FLAG(std::string, port_file, "",
          "If set, the bound port is written to this file once serving.");
ABSL_FLAG(int, is_cancelled_checks, 0,
          "Analysis: call ServerContext::IsCancelled() this many times per "
          "call (meshplaned's CallRunner::Prepare makes 2), to measure what "
          "that check costs on the synchronous API.");
ABSL_FLAG(int, max_pollers, 0,
          "Analysis: if > 0, SyncServerOption::MAX_POLLERS (gRPC's default "
          "is 2 per completion queue; threads above it exit when idle).");
ABSL_FLAG(int, max_threads, 256,
          "ResourceQuota::SetMaxThreads: the bound on the sync server's "
          "handler threads (as meshplaned's --max-threads).");

namespace {

class EchoServiceImpl final : public meshplane::bench::EchoService::Service {
 public:
  explicit EchoServiceImpl(int is_cancelled_checks)
      : is_cancelled_checks_(is_cancelled_checks) {}

  grpc::Status Echo(grpc::ServerContext* context,
                    const meshplane::bench::EchoRequest* request,
                    meshplane::bench::EchoResponse* response) override {
    for (int i = 0; i < is_cancelled_checks_; ++i) {
      if (context->IsCancelled()) {
        return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
      }
    }
    response->set_payload(request->payload());
    return grpc::Status::OK;
  }

 private:
  const int is_cancelled_checks_;
};

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("A bare gRPC echo server for mp_load.");
  meshplane::bench::HyphenFlagsToUnderscores(argc, argv);
  absl::ParseCommandLine(argc, argv);

  EchoServiceImpl service(absl::GetFlag(FLAGS_is_cancelled_checks));
  grpc::ResourceQuota quota("echo_server");
  quota.SetMaxThreads(absl::GetFlag(FLAGS_max_threads));

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen),
                           grpc::InsecureServerCredentials(), &port);
  builder.SetResourceQuota(quota);
  if (absl::GetFlag(FLAGS_max_pollers) > 0) {
    builder.SetSyncServerOption(
        grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
        absl::GetFlag(FLAGS_max_pollers));
  }
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "echo_server: cannot listen on " << absl::GetFlag(FLAGS_listen)
              << "\n";
    return 1;
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty()) {
    // Write then rename, so a reader never sees a half-written file.
    const std::string tmp = port_file + ".tmp";
    {
      std::ofstream out(tmp);
      out << port << "\n";
    }
    if (std::rename(tmp.c_str(), port_file.c_str()) != 0) {
      std::cerr << "echo_server: cannot write " << port_file << "\n";
      return 1;
    }
  }
  std::cerr << "echo_server: listening on port " << port << "\n";
  server->Wait();
  return 0;
}
