// Data products, their output ports (what they serve) and input ports (what
// they read: the edges of lineage).
#ifndef MESHPLANE_MODEL_DATA_PRODUCT_H_
#define MESHPLANE_MODEL_DATA_PRODUCT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "meshplane/model/lifecycle.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::model {

enum class Classification {
  kUnspecified,
  kPublic,
  kInternal,
  kConfidential,
  kRestricted
};

// "PUBLIC", "INTERNAL", ... ("UNSPECIFIED" for kUnspecified).
absl::string_view ClassificationName(Classification c);
std::optional<Classification> ParseClassification(absl::string_view s);

// The words of `text` as product search sees them (SearchDataProducts):
// the runs of characters other than ASCII punctuation and whitespace (bytes
// 0x01-0x7f that are not ASCII letters or digits), ASCII letters
// lowercased, in order. Other bytes (UTF-8) are kept as they are.
std::vector<std::string> SearchWords(absl::string_view text);

// Declared service-level objectives of an output port (ODCS SLA properties).
struct ServiceLevelObjectives {
  std::optional<double> availability_percent;   // e.g. 99.9
  std::optional<absl::Duration> max_staleness;  // freshness: maximum data age
  std::optional<double> completeness_percent;
  std::optional<absl::Duration> latency;  // query/serving latency, p99
  bool empty() const {
    return !availability_percent && !max_staleness && !completeness_percent &&
           !latency;
  }
};

struct OutputPort {
  std::string id;  // .../outputPorts/{id}
  std::string display_name;
  std::string type;      // free-form kind: table, topic, files, api, ...
  std::string server;    // where it is served: "postgres://..", "kafka:..", ..
  std::string location;  // schema.table, topic name, bucket path, ...
  std::string description;
  std::string contract_id;  // ODCS contract id, "" if none
  ServiceLevelObjectives objectives;
  bool deprecated = false;  // served, but not for new consumers
};

struct InputPort {
  std::string id;
  OutputPortRef source;  // the output port this product reads
  std::string description;
  bool deprecated = false;
};

struct DataProduct {
  std::string domain_id;  // domains/{domain_id}/dataProducts/{id}
  std::string id;
  std::string uid;
  std::string display_name;
  std::string description;
  std::string owner_team_id;  // required
  Lifecycle lifecycle = Lifecycle::kDraft;
  int tier = 0;  // 0 = unset; 1 (most critical) .. 3
  Classification classification = Classification::kUnspecified;
  std::vector<std::string> tags;  // sorted, unique
  std::map<std::string, std::string> labels;
  std::vector<OutputPort> output_ports;
  std::vector<InputPort> input_ports;
  std::optional<absl::Time> sunset_time;  // when a deprecated product retires
  // source-aligned, aggregate, consumer-aligned or an organisation's own id;
  // "" when not declared.
  std::string archetype;
  // The ODPS document the product was last applied from, as written; stored
  // and returned, never interpreted here.
  std::string odps_document;
  absl::Time create_time = absl::InfinitePast();
  absl::Time update_time = absl::InfinitePast();
  int64_t revision = 0;

  ProductKey key() const { return ProductKey{domain_id, id}; }
};

}  // namespace meshplane::model

#endif  // MESHPLANE_MODEL_DATA_PRODUCT_H_
