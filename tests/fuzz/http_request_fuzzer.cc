// The REST request decoding on any input (ASan, UBSan): an AIP-127 path
// template is parsed and matched against a path, and the path variables,
// query parameters and JSON body are bound to one of the API's request
// messages, as the transcoder does for every call. The input is
//
//   byte 0          which request message (index into meshplane.v1's
//                   *Request messages, modulo their count)
//   line 1          the path template ("/v1/{name=domains/*}")
//   line 2          the request path
//   line 3          the query string ("pageSize=3&filter=x")
//   the rest        the body, proto3 JSON of the whole request
//
// The messages are dynamic, from the API's embedded descriptor set, so that
// the fuzzer needs no generated code. INVALID_ARGUMENT is the expected
// answer to bad input; a crash, a leak or a timeout is a finding.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "server/http/binder.h"
#include "server/http/path_template.h"

#include "meshplane/v1/api_descriptor_set.h"

namespace {

namespace pb = ::google::protobuf;
namespace http = ::meshplane::server::http;

struct Api {
  pb::DescriptorPool pool;
  // GetPrototype is not const; libFuzzer calls from one thread.
  mutable pb::DynamicMessageFactory factory{&pool};
  std::vector<const pb::Descriptor*> requests;
};

const Api& TheApi() {
  static const Api* api = [] {
    auto* a = new Api;
    pb::FileDescriptorSet set;
    const std::string_view bytes = meshplane::v1::ApiDescriptorSet();  // NOLINT
    if (!set.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      __builtin_trap();
    }
    // Imports come before their importers in protoc's output.
    for (const pb::FileDescriptorProto& file : set.file()) {
      if (a->pool.BuildFile(file) == nullptr) __builtin_trap();
    }
    for (const pb::FileDescriptorProto& file : set.file()) {
      if (file.package() != "meshplane.v1") continue;
      for (const pb::DescriptorProto& m : file.message_type()) {
        if (absl::EndsWith(m.name(), "Request")) {
          a->requests.push_back(
              a->pool.FindMessageTypeByName("meshplane.v1." + m.name()));
        }
      }
    }
    if (a->requests.empty()) __builtin_trap();
    return a;
  }();
  return *api;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const Api& api = TheApi();
  const pb::Descriptor* type = api.requests[data[0] % api.requests.size()];
  const absl::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<absl::string_view> parts =
      absl::StrSplit(in, absl::MaxSplits('\n', 3));
  parts.resize(4);

  std::unique_ptr<pb::Message> message(api.factory.GetPrototype(type)->New());
  std::vector<std::string> path_fields;
  auto tmpl = http::PathTemplate::Parse(parts[0]);
  if (tmpl.ok()) {
    (void)tmpl->FieldPaths();
    (void)tmpl->VariablePatterns();
    if (auto bound = tmpl->Match(parts[1])) {
      for (const auto& [field, value] : *bound) {
        path_fields.push_back(field);
        (void)http::SetFieldFromText(message.get(), field, value, field);
      }
      std::vector<std::string> values;
      for (const auto& binding : *bound) values.push_back(binding.second);
      (void)tmpl->Expand(values);
    }
  }
  http::QueryParams query;
  for (absl::string_view pair :
       absl::StrSplit(parts[2], '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(pair, absl::MaxSplits('=', 1));
    auto key = http::PercentDecode(kv.first);
    auto value = http::PercentDecode(kv.second);
    if (key && value) query.emplace_back(*key, *value);
  }
  (void)http::BindQuery(query, path_fields, "", message.get());
  (void)http::BindBody(parts[3], "*", message.get());
  (void)http::ToJson(*message);
  return 0;
}
