#include "cli/client.h"

#include "absl/strings/str_cat.h"

#include "meshplane/common/crypto.h"

namespace meshplane::cli {

Client::Client(const GlobalOptions& options) : options_(options) {
  grpc::ChannelArguments args;
  // Our own retry loop (Call) is the one that matters; gRPC's transparent
  // retries would hide attempts from it.
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  args.SetInt(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, 64 << 20);
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.ca_pem;
    ssl.pem_cert_chain = options.cert_pem;
    ssl.pem_private_key = options.key_pem;
    credentials = grpc::SslCredentials(ssl);
    if (!options.tls_server_name.empty()) {
      args.SetSslTargetNameOverride(options.tls_server_name);
    }
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  channel_ = grpc::CreateCustomChannel(options.addr, credentials, args);
  domains_ = meshplane::v1::DomainService::NewStub(channel_);
  teams_ = meshplane::v1::TeamService::NewStub(channel_);
  products_ = meshplane::v1::DataProductService::NewStub(channel_);
  identity_ = meshplane::v1::IdentityService::NewStub(channel_);
  policies_ = meshplane::v1::PolicyService::NewStub(channel_);
  events_ = meshplane::v1::EventService::NewStub(channel_);
  contracts_ = meshplane::v1::ContractService::NewStub(channel_);
  access_ = meshplane::v1::AccessService::NewStub(channel_);
  slo_ = meshplane::v1::ServiceLevelService::NewStub(channel_);
}

void Client::Prepare(grpc::ClientContext* context) const {
  if (!options_.token.empty()) {
    context->AddMetadata("authorization", "Bearer " + options_.token);
  }
  context->set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
}

void Client::PrepareStream(grpc::ClientContext* context) const {
  if (!options_.token.empty()) {
    context->AddMetadata("authorization", "Bearer " + options_.token);
  }
}

Env::Env(GlobalOptions options, std::ostream& out, std::ostream& err)
    : options_(std::move(options)), out_(out), err_(err) {}

Client& Env::client() {
  if (client_ == nullptr) {
    client_ = std::make_unique<Client>(options_);
  }
  return *client_;
}

std::string Env::NextRequestId() {
  ++writes_;
  if (writes_ == 1 && !options_.request_id.empty()) {
    return options_.request_id;
  }
  return RandomUuid();
}

int Env::Fail(const grpc::Status& status) {
  return ReportError(status, options_.addr, err_);
}

int Env::Usage(const std::string& message) {
  err_ << "error: " << message << "\n";
  return kExitUsage;
}

int Env::Usage(const absl::Status& status) {
  return Usage(std::string(status.message()));
}

}  // namespace meshplane::cli
