// The one file that knows cpp-httplib on the REST path: it mounts a
// Transcoder under /v1/ and converts requests and responses. Replacing the
// HTTP server library means rewriting this file only.
#ifndef MESHPLANE_SERVER_HTTP_HTTPLIB_GLUE_H_
#define MESHPLANE_SERVER_HTTP_HTTPLIB_GLUE_H_

#include <cstddef>
#include <string>

#include "server/http/transcoder.h"
#include <httplib.h>

namespace meshplane::server::http {

// Serves `transcoder` for GET, POST, PATCH, PUT and DELETE under /v1/ on
// `server`, and caps every request body at `max_body_bytes` (413 with an
// AIP-193 body). Also sets TCP_NODELAY and keeps connections alive for up
// to 1000 requests (for every path of `server`). `transcoder` must outlive
// `server`'s listening.
void MountRest(httplib::Server& server, const Transcoder& transcoder,
               size_t max_body_bytes);

// Serves `handler` for `method` ("GET", "POST", ...) on exactly `path`.
void MountHandler(httplib::Server& server, const std::string& method,
                  const std::string& path, HttpHandler handler);

}  // namespace meshplane::server::http

#endif  // MESHPLANE_SERVER_HTTP_HTTPLIB_GLUE_H_
