// Output of the meshplane CLI: aligned tables for people, JSON (protobuf's
// canonical mapping with the proto field names) and YAML (the same JSON
// written by the contract library's YAML writer) for scripts.
#ifndef MESHPLANE_CLI_OUTPUT_H_
#define MESHPLANE_CLI_OUTPUT_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include "meshplane/v1/data_product.pb.h"

namespace meshplane::cli {

enum class Format { kTable, kJson, kYaml };

// "table", "json" or "yaml"; INVALID_ARGUMENT otherwise.
absl::StatusOr<Format> ParseFormat(const std::string& text);

// The message as pretty-printed JSON with proto field names (snake_case),
// every scalar, list and map field present (empty ones too), ending in a
// newline.
std::string MessageToJson(const google::protobuf::Message& message);

// Re-emits a JSON document as block-style YAML. Strings that YAML would read
// as another type ("true", "5", "null", "") are quoted, so that loading the
// YAML gives back the JSON's values. Returns INVALID_ARGUMENT if `json` does
// not parse.
absl::StatusOr<std::string> JsonToYaml(const std::string& json);

// Writes `message` as JSON or YAML (`format` must not be kTable).
void PrintMessage(Format format, const google::protobuf::Message& message,
                  std::ostream& out);

// A table with a header row; columns are padded to their widest cell and
// separated by two spaces; empty cells print as "-".
class Table {
 public:
  explicit Table(std::vector<std::string> headers)
      : headers_(std::move(headers)) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  size_t size() const { return rows_.size(); }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "key: value" lines, keys padded to a common width. Empty values print as
// "-".
class Details {
 public:
  void Add(std::string key, std::string value) {
    rows_.emplace_back(std::move(key), std::move(value));
  }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::pair<std::string, std::string>> rows_;
};

// RFC 3339 in UTC, seconds precision; "" for an unset timestamp.
std::string FormatTimestamp(const google::protobuf::Timestamp& ts);

// The fields the server keeps on every stored resource, last in its details:
// UID, Created, Updated, Etag.
template <typename Resource>
void AddServerFields(const Resource& r, Details* details) {
  details->Add("UID", r.uid());
  details->Add("Created", FormatTimestamp(r.create_time()));
  details->Add("Updated", FormatTimestamp(r.update_time()));
  details->Add("Etag", r.etag());
}
// "1h30m"; "" for a zero duration.
std::string FormatProtoDuration(const google::protobuf::Duration& d);
// "draft", "published", ...; "" for UNSPECIFIED.
std::string LifecycleName(meshplane::v1::Lifecycle lifecycle);
// "public", "internal", ...; "" for UNSPECIFIED.
std::string ClassificationName(meshplane::v1::Classification c);

}  // namespace meshplane::cli

#endif  // MESHPLANE_CLI_OUTPUT_H_
