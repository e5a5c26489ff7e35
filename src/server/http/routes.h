// The REST routes of the API, read from the `google.api.http` options of
// the services' methods (google/api/http.proto, AIP-127) at start: nothing
// here names a route or a field. Immutable once built; thread-safe.
#ifndef MESHPLANE_SERVER_HTTP_ROUTES_H_
#define MESHPLANE_SERVER_HTTP_ROUTES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "server/http/path_template.h"

namespace meshplane::server::http {

struct Route {
  std::string http_method;  // "GET", "POST", "PATCH", "DELETE", "PUT", ...
  PathTemplate path;
  // "" (no body), "*" (the whole request) or the request field it fills.
  std::string body;
  // "" (the whole response) or the response field that is the body.
  std::string response_body;
  const google::protobuf::MethodDescriptor* method = nullptr;
  // "/meshplane.v1.DomainService/GetDomain".
  std::string grpc_method;
};

class RouteTable {
 public:
  // The routes of every method of `services` that has a google.api.http
  // option (its main binding and its additional_bindings). INVALID_ARGUMENT
  // when a template does not parse, a variable names no string field of the
  // request, or a body names no field: a server must not start half-routed.
  static absl::StatusOr<RouteTable> Build(
      const std::vector<const google::protobuf::ServiceDescriptor*>& services);

  struct Match {
    const Route* route;
    PathBindings bindings;
  };
  // The route for `http_method` and `path`: custom-verb routes first, then
  // the rest in declaration order. nullopt when none matches.
  std::optional<Match> Find(absl::string_view http_method,
                            absl::string_view path) const;
  // The HTTP methods that some route serves on `path` (for 405 answers).
  std::vector<std::string> MethodsFor(absl::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// The services of the API: every service of package meshplane.v1 in the
// generated pool whose file `files` names ("meshplane/v1/domain.proto").
std::vector<const google::protobuf::ServiceDescriptor*> ServicesOf(
    const std::vector<std::string>& files);

}  // namespace meshplane::server::http

#endif  // MESHPLANE_SERVER_HTTP_ROUTES_H_
