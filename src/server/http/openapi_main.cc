// meshplane_openapi: writes the OpenAPI document of the REST API (the one
// meshplaned serves at /v1/openapi.json) to the file named, or to stdout.
// The build runs it to write docs/openapi.json.
//
//   meshplane_openapi [OUTPUT]
//
// Exit codes: 0 written, 1 the document could not be generated or written,
// 2 usage.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "absl/status/statusor.h"
#include "server/http/openapi.h"

int main(int argc, char** argv) {
  if (argc > 2) {
    std::cerr << "usage: meshplane_openapi [OUTPUT]\n";
    return 2;
  }
  absl::StatusOr<std::string> doc = meshplane::server::http::MeshplaneOpenApi();
  if (!doc.ok()) {
    std::cerr << "meshplane_openapi: " << doc.status() << "\n";
    return 1;
  }
  if (argc == 1) {
    std::cout << *doc;
    return std::cout.good() ? 0 : 1;
  }
  // Written beside, then renamed: a reader never sees half a document.
  const std::string path = argv[1];
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << *doc;
    if (!out.good()) {
      std::cerr << "meshplane_openapi: cannot write " << tmp << "\n";
      return 1;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::cerr << "meshplane_openapi: cannot rename " << tmp << " to " << path
              << "\n";
    return 1;
  }
  return 0;
}
