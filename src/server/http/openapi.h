// The OpenAPI 3.1 document of the REST API, generated from the same
// descriptors that route it (routes.h) and from the protos' comments: a
// path item per route, its parameters, request bodies and responses, a
// schema per message and enum in the proto3 JSON mapping, the AIP-193 error
// shape, and the bearer security scheme. Nothing in it is written by hand
// per method. docs/api.md ("OpenAPI") says how it reads.
//
//   absl::StatusOr<std::string> doc = MeshplaneOpenApi();
//   // {"openapi": "3.1.0", "info": {...}, "paths": {"/v1/domains": ...}}
//
// Library-independent: OpenApiHandler serves the document over any HTTP
// server through the types of transcoder.h. Thread-safe (no state).
#ifndef MESHPLANE_SERVER_HTTP_OPENAPI_H_
#define MESHPLANE_SERVER_HTTP_OPENAPI_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "server/http/path_template.h"
#include "server/http/routes.h"
#include "server/http/transcoder.h"

namespace meshplane::server::http {

// Where the document is served (without a token: it describes the API and
// holds no data, as server reflection already does).
inline constexpr char kOpenApiPath[] = "/v1/openapi.json";

struct OpenApiOptions {
  std::string title = "Meshplane API";
  // info.version: the release of the server that describes itself.
  std::string version = "0.0.0";
};

// A path template as an OpenAPI path. OpenAPI path parameters cannot hold
// a "/", and generated clients percent-encode one, so each `*` of a
// variable becomes a parameter of its own, named after the collection
// before it in the singular: `/v1/{name=domains/*/dataProducts/*}:publish`
// is `/v1/domains/{domain}/dataProducts/{dataProduct}:publish`. A `*` with
// no collection before it, and a `**`, take the field's JSON name.
struct OpenApiPath {
  struct Param {
    std::string name;            // "dataProduct"
    std::string field_path;      // the request field it helps fill: "name"
    std::string pattern;         // that variable's pattern: "domains/*/..."
    bool multi_segment = false;  // a `**`: may hold "/" (encoded)
  };
  std::string path;
  std::vector<Param> params;
};
OpenApiPath OpenApiPathOf(const PathTemplate& path_template);

// The OpenAPI 3.1 document (JSON, indented, keys in a fixed order: the same
// input gives the same bytes) of `routes`, with the comments of the
// descriptors' source info where they have one (descriptors of the
// generated pool have none; see OpenApiFromDescriptorSet).
// INVALID_ARGUMENT when two routes render to the same path and method, or
// two types to the same schema name.
absl::StatusOr<std::string> GenerateOpenApi(const RouteTable& routes,
                                            const OpenApiOptions& options);

// The document of every service of `package` in `descriptor_set` (a
// serialized FileDescriptorSet with its imports, in dependency order, and
// source info): builds a descriptor pool of its own, the services' routes
// (RouteTable::Build), then GenerateOpenApi. INVALID_ARGUMENT when the set
// does not parse or build, or its routes do not.
absl::StatusOr<std::string> OpenApiFromDescriptorSet(
    absl::string_view descriptor_set, absl::string_view package,
    const OpenApiOptions& options);

// The document of meshplane.v1, from the descriptor set embedded in this
// binary at build time (meshplane::v1::ApiDescriptorSet) and this
// build's version: what meshplaned serves at kOpenApiPath and what the
// build writes to docs/openapi.json.
absl::StatusOr<std::string> MeshplaneOpenApi();

// Serves `document` (200, application/json) to every request.
HttpHandler OpenApiHandler(std::string document);

}  // namespace meshplane::server::http

#endif  // MESHPLANE_SERVER_HTTP_OPENAPI_H_
