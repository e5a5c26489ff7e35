// meshplane product status | slo report | slo breaches: service levels of
// output ports (ServiceLevelService, and GetDataProduct's
// service_level_status).
#include <algorithm>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/commands/commands.h"
#include "cli/policy_file.h"
#include "cli/render.h"
#include "cli/util.h"
#include <google/protobuf/util/time_util.h>
#include <nlohmann/json.hpp>

namespace meshplane::cli {

namespace v1 = ::meshplane::v1;

namespace {

using ::google::protobuf::util::TimeUtil;

const char kPortHelp[] =
    "PORT is DOMAIN/PRODUCT/PORT (sales/orders/v1), DOMAIN/PRODUCT:PORT, or "
    "the full name domains/sales/dataProducts/orders/outputPorts/v1.";

std::string ObjectiveWord(v1::Objective o) {
  std::string name = v1::Objective_Name(o);
  if (absl::StartsWith(name, "OBJECTIVE_")) name = name.substr(10);
  return name;
}

std::string WindowCell(const v1::WindowCompliance& w) {
  if (w.observations() == 0) return "no data";
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << w.compliance_percent() << "% "
      << w.good() << "/" << w.observations() << (w.met() ? " met" : " MISSED");
  return out.str();
}

void RenderStatuses(const v1::DataProduct& product, std::ostream& out) {
  std::vector<std::vector<std::string>> rows = {{"PORT", "OBJECTIVE", "TARGET",
                                                 "1H", "24H", "30D", "BREACHED",
                                                 "LAST OBSERVED"}};
  for (const auto& port : product.output_ports()) {
    for (const auto& o : port.service_level_status().objectives()) {
      std::vector<std::string> row = {port.id(), ObjectiveWord(o.objective()),
                                      o.target()};
      for (int i = 0; i < 3; ++i) {
        row.push_back(i < o.windows_size() ? WindowCell(o.windows(i)) : "-");
      }
      row.push_back(o.breached() ? "yes" : "no");
      row.push_back(o.has_last_observe_time()
                        ? TimeUtil::ToString(o.last_observe_time())
                        : "-");
      rows.push_back(std::move(row));
    }
  }
  if (rows.size() == 1) {
    out << "no output port of " << ShortProductName(product.name())
        << " declares objectives\n";
    return;
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) {
      widths[i] = std::max(widths[i], r[i].size());
    }
  }
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size())
        line += std::string(widths[i] - r[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

int Status(Env& env, const ParsedArgs& args) {
  v1::DataProduct product;
  if (int rc = GetProductArg(env, args, &product); rc != kExitOk) return rc;
  // Only what status is about: each port that declares objectives, with
  // its objectives and their compliance.
  v1::DataProduct shown;
  shown.set_name(product.name());
  for (const auto& port : product.output_ports()) {
    if (!port.has_service_level_status()) continue;
    if (args.Has("port") && port.id() != args.Get("port")) continue;
    v1::OutputPort* p = shown.add_output_ports();
    p->set_id(port.id());
    p->set_name(port.name());
    *p->mutable_objectives() = port.objectives();
    *p->mutable_service_level_status() = port.service_level_status();
  }
  return Show(env, shown,
              [&](std::ostream& out) { RenderStatuses(shown, out); });
}

// One entry of a report file: a mapping with the port (unless --port gives
// it), an optional observe_time, and one or more measurements.
absl::Status AddEntry(const nlohmann::json& e, const std::string& where,
                      const std::string& default_port,
                      v1::ReportObservationsRequest* request) {
  if (!e.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": expected a mapping"));
  }
  auto text = [&](const char* key) -> std::string {
    if (!e.contains(key)) return "";
    return e[key].is_string() ? e[key].get<std::string>() : e[key].dump();
  };
  std::string port = default_port;
  if (e.contains("output_port")) {
    auto name = PortName(text("output_port"));
    if (!name.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".output_port: ", name.status().message()));
    }
    port = *name;
  }
  if (port.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": no output_port (and no --port)"));
  }
  v1::Observation base;
  base.set_output_port(port);
  if (e.contains("observe_time")) {
    auto t = ParseTime(text("observe_time"));
    if (!t.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".observe_time: ", t.status().message()));
    }
    *base.mutable_observe_time() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(*t));
  }
  int measured = 0;
  auto duration = [&](const char* key,
                      google::protobuf::Duration* out) -> absl::Status {
    auto d = ParseDuration(text(key));
    if (!d.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".", key, ": ", d.status().message()));
    }
    *out = TimeUtil::MicrosecondsToDuration(absl::ToInt64Microseconds(*d));
    return absl::OkStatus();
  };
  if (e.contains("staleness")) {
    v1::Observation o = base;
    o.set_objective(v1::OBJECTIVE_FRESHNESS);
    absl::Status s = duration("staleness", o.mutable_staleness());
    if (!s.ok()) return s;
    *request->add_observations() = o;
    ++measured;
  }
  if (e.contains("available")) {
    if (!e["available"].is_boolean()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".available: expected true or false"));
    }
    v1::Observation o = base;
    o.set_objective(v1::OBJECTIVE_AVAILABILITY);
    o.set_available(e["available"].get<bool>());
    *request->add_observations() = o;
    ++measured;
  }
  if (e.contains("completeness_percent")) {
    if (!e["completeness_percent"].is_number()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".completeness_percent: expected a number"));
    }
    v1::Observation o = base;
    o.set_objective(v1::OBJECTIVE_COMPLETENESS);
    o.set_completeness_percent(e["completeness_percent"].get<double>());
    *request->add_observations() = o;
    ++measured;
  }
  if (e.contains("latency")) {
    v1::Observation o = base;
    o.set_objective(v1::OBJECTIVE_LATENCY);
    absl::Status s = duration("latency", o.mutable_latency());
    if (!s.ok()) return s;
    *request->add_observations() = o;
    ++measured;
  }
  if (measured == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        where,
        ": nothing measured (staleness, available, completeness_percent or "
        "latency)"));
  }
  return absl::OkStatus();
}

int Report(Env& env, const ParsedArgs& args) {
  std::string port;
  if (args.Has("port")) {
    auto name = PortName(args.Get("port"));
    if (!name.ok()) return env.Usage(name.status());
    port = *name;
  }
  v1::ReportObservationsRequest request;
  // The flags are one entry; a file adds its entries.
  nlohmann::json flags = nlohmann::json::object();
  if (args.Has("staleness")) flags["staleness"] = args.Get("staleness");
  if (args.Has("up") && args.Has("down")) {
    return env.Usage("--up and --down exclude each other");
  }
  if (args.Has("up")) flags["available"] = true;
  if (args.Has("down")) flags["available"] = false;
  if (args.Has("completeness")) {
    double pct = 0;
    if (!absl::SimpleAtod(args.Get("completeness"), &pct)) {
      return env.Usage("--completeness: expected a percentage, e.g. 99.5");
    }
    flags["completeness_percent"] = pct;
  }
  if (args.Has("latency")) flags["latency"] = args.Get("latency");
  if (args.Has("at")) flags["observe_time"] = args.Get("at");
  const bool measured_by_flags = flags.size() > (args.Has("at") ? 1u : 0u);
  if (measured_by_flags) {
    absl::Status s = AddEntry(flags, "flags", port, &request);
    if (!s.ok()) return env.Usage(s);
  }
  for (const std::string& file : args.GetAll("filename")) {
    auto doc = LoadYamlDocument(file);
    if (!doc.ok()) return env.Usage(doc.status());
    nlohmann::json entries = *doc;
    if (entries.is_object() && entries.contains("observations")) {
      entries = entries["observations"];
    }
    if (!entries.is_array()) {
      return env.Usage(absl::StrCat(
          file, ": expected a list of observations (or observations: [...])"));
    }
    for (size_t i = 0; i < entries.size(); ++i) {
      absl::Status s =
          AddEntry(entries[i], absl::StrCat(file, "[", i, "]"), port, &request);
      if (!s.ok()) return env.Usage(s);
    }
  }
  if (request.observations_size() == 0) {
    return env.Usage(
        "nothing to report: give --staleness, --up/--down, --completeness "
        "or --latency with --port, or -f FILE");
  }
  request.set_request_id(env.NextRequestId());
  v1::ReportObservationsResponse response;
  grpc::Status status = env.client().Call(
      env.client().slo(), &v1::ServiceLevelService::Stub::ReportObservations,
      request, &response);
  if (!status.ok()) return env.Fail(status);
  return Show(env, response, [&](std::ostream& out) {
    out << "recorded " << response.recorded() << " observation"
        << (response.recorded() == 1 ? "" : "s") << "\n";
    for (const auto& b : response.opened()) {
      out << "breach opened: " << b.output_port() << " "
          << ObjectiveWord(b.objective()) << ": " << b.detail() << "\n";
    }
    for (const auto& b : response.closed()) {
      out << "breach closed: " << b.output_port() << " "
          << ObjectiveWord(b.objective()) << "\n";
    }
  });
}

int Breaches(Env& env, const ParsedArgs& args) {
  const std::string& target = args.positional()[0];
  std::string parent;
  if (absl::StrContains(target, "/outputPorts/") ||
      absl::StrContains(target, ':') ||
      std::count(target.begin(), target.end(), '/') == 2) {
    auto name = PortName(target);
    if (!name.ok()) return env.Usage(name.status());
    parent = *name;
  } else {
    auto name = ProductName(target, args.Get("domain"));
    if (!name.ok()) return env.Usage(name.status());
    parent = *name;
  }
  auto page_size = PageSize(args);
  if (!page_size.ok()) return env.Usage(page_size.status());
  v1::ListBreachesRequest request;
  request.set_parent(parent);
  request.set_open_only(args.Has("open"));
  request.set_page_size(*page_size);
  return ShowList(
      env, PagesOf(args), env.client().slo(),
      &v1::ServiceLevelService::Stub::ListBreaches, request,
      &v1::ListBreachesResponse::mutable_breaches,
      [&](const v1::ListBreachesResponse& merged, std::ostream& out) {
        if (merged.breaches().empty()) {
          out << "no breaches\n";
          return;
        }
        for (const auto& b : merged.breaches()) {
          out << LastSegment(b.output_port()) << "  "
              << ObjectiveWord(b.objective()) << "  "
              << TimeUtil::ToString(b.start_time()) << " - "
              << (b.has_end_time() ? TimeUtil::ToString(b.end_time()) : "open")
              << "  " << b.detail() << "\n";
        }
      });
}

}  // namespace

void RegisterSloCommands(std::vector<Command>* commands) {
  commands->push_back(
      {{"product", "status"},
       "PRODUCT",
       "show each port's service-level objectives and their compliance",
       "Compliance over the rolling 1 h, 24 h and 30 d windows, as "
       "\"percent good/observations met|MISSED\" (\"no data\" with no "
       "observations), and whether a breach is open. PRODUCT is "
       "DOMAIN/ID, a full name, or ID with --domain.",
       {{"domain", 0, true, false, "DOMAIN",
         "the domain, when PRODUCT is given without one"},
        {"port", 0, true, false, "PORT", "only this output port (its id)"}},
       1,
       1,
       {"meshplane product status sales/orders",
        "meshplane product status sales/orders --port v1 -o json"},
       Status});
  commands->push_back(
      {{"slo", "report"},
       "",
       "report observations of an output port's objectives",
       absl::StrCat(
           "Measurements given by flags make one observation each, of "
           "--port, at --at (default: the server's clock). -f reads a YAML "
           "or JSON list (or `observations: [...]`) of mappings with "
           "output_port (default --port), observe_time, and any of "
           "staleness, available, completeness_percent, latency. Everything "
           "is sent as one batch (at most 1000), with one request id, so a "
           "retry records it once. ",
           kPortHelp),
       {{"port", 0, true, false, "PORT", "the output port observed"},
        {"staleness", 0, true, false, "DURATION",
         "FRESHNESS: the age of the newest data, e.g. 4m"},
        {"up", 0, false, false, "", "AVAILABILITY: the probe found it up"},
        {"down", 0, false, false, "", "AVAILABILITY: the probe found it down"},
        {"completeness", 0, true, false, "PERCENT",
         "COMPLETENESS: percent of the expected records present"},
        {"latency", 0, true, false, "DURATION", "LATENCY: the measured p99"},
        {"at", 0, true, false, "TIME",
         "when it was measured (RFC 3339; at most 5m ahead, 30d back)"},
        {"filename", 'f', true, true, "FILE",
         "observations from a YAML/JSON file (- for stdin); repeatable"}},
       0,
       0,
       {"meshplane slo report --port sales/orders/v1 --staleness 4m --up",
        "meshplane slo report -f observations.yaml -o json"},
       Report});
  commands->push_back(
      {{"slo", "breaches"},
       "PRODUCT|PORT",
       "list the breaches of a product's or a port's objectives",
       absl::StrCat("Newest first. PRODUCT is DOMAIN/ID or a full name; ",
                    kPortHelp),
       {{"domain", 0, true, false, "DOMAIN",
         "the domain, when PRODUCT is given without one"},
        {"open", 0, false, false, "", "only breaches still open"},
        PageSizeFlag(),
        PageTokenFlag(),
        AllPagesFlag()},
       1,
       1,
       {"meshplane slo breaches sales/orders --open",
        "meshplane slo breaches sales/orders/v1 -o json"},
       Breaches});
}

}  // namespace meshplane::cli
