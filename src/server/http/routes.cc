#include "server/http/routes.h"

#include "absl/strings/str_cat.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "server/http/binder.h"

#include "meshplane/common/status_macros.h"

namespace meshplane::server::http {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;

absl::Status AddRule(const MethodDescriptor* m,
                     const google::api::HttpRule& rule,
                     std::vector<Route>* out) {
  Route r;
  r.method = m;
  r.grpc_method = absl::StrCat("/", m->service()->full_name(), "/", m->name());
  std::string path;
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      r.http_method = "GET";
      path = rule.get();
      break;
    case google::api::HttpRule::kPut:
      r.http_method = "PUT";
      path = rule.put();
      break;
    case google::api::HttpRule::kPost:
      r.http_method = "POST";
      path = rule.post();
      break;
    case google::api::HttpRule::kDelete:
      r.http_method = "DELETE";
      path = rule.delete_();
      break;
    case google::api::HttpRule::kPatch:
      r.http_method = "PATCH";
      path = rule.patch();
      break;
    case google::api::HttpRule::kCustom:
      r.http_method = rule.custom().kind();
      path = rule.custom().path();
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(m->full_name(), ": google.api.http has no pattern"));
  }
  absl::StatusOr<PathTemplate> t = PathTemplate::Parse(path);
  if (!t.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(m->full_name(), ": ", t.status().message()));
  }
  r.path = *std::move(t);
  for (const std::string& field : r.path.FieldPaths()) {
    auto fields = ResolveFieldPath(m->input_type(), field);
    if (!fields.ok() || fields->back()->is_repeated() ||
        fields->back()->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
      return absl::InvalidArgumentError(absl::StrCat(
          m->full_name(), ": path variable \"", field,
          "\" names no string field of ", m->input_type()->full_name()));
    }
  }
  r.body = rule.body();
  if (!r.body.empty() && r.body != "*" &&
      m->input_type()->FindFieldByName(r.body) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(m->full_name(), ": body \"", r.body, "\" names no field"));
  }
  r.response_body = rule.response_body();
  if (!r.response_body.empty() &&
      m->output_type()->FindFieldByName(r.response_body) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(m->full_name(), ": response_body \"", r.response_body,
                     "\" names no field"));
  }
  out->push_back(std::move(r));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RouteTable> RouteTable::Build(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services) {
  RouteTable table;
  for (const auto* service : services) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* m = service->method(i);
      if (!m->options().HasExtension(google::api::http)) continue;
      const google::api::HttpRule& rule =
          m->options().GetExtension(google::api::http);
      MP_RETURN_IF_ERROR(AddRule(m, rule, &table.routes_));
      for (const google::api::HttpRule& extra : rule.additional_bindings()) {
        MP_RETURN_IF_ERROR(AddRule(m, extra, &table.routes_));
      }
    }
  }
  return table;
}

std::optional<RouteTable::Match> RouteTable::Find(
    absl::string_view http_method, absl::string_view path) const {
  for (bool verbs : {true, false}) {
    for (const Route& r : routes_) {
      if (r.path.verb().empty() == verbs || r.http_method != http_method) {
        continue;
      }
      if (std::optional<PathBindings> b = r.path.Match(path)) {
        return Match{&r, *std::move(b)};
      }
    }
  }
  return std::nullopt;
}

std::vector<std::string> RouteTable::MethodsFor(absl::string_view path) const {
  std::vector<std::string> out;
  for (const Route& r : routes_) {
    if (r.path.Match(path) &&
        std::find(out.begin(), out.end(), r.http_method) == out.end()) {
      out.push_back(r.http_method);
    }
  }
  return out;
}

std::vector<const google::protobuf::ServiceDescriptor*> ServicesOf(
    const std::vector<std::string>& files) {
  std::vector<const google::protobuf::ServiceDescriptor*> out;
  for (const std::string& name : files) {
    const google::protobuf::FileDescriptor* f =
        google::protobuf::DescriptorPool::generated_pool()->FindFileByName(
            name);
    if (f == nullptr) continue;
    for (int i = 0; i < f->service_count(); ++i) out.push_back(f->service(i));
  }
  return out;
}

}  // namespace meshplane::server::http
