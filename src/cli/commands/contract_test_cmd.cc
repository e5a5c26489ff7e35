// `meshplane contract test -f FILE [--server NAME] [--report --port PORT]`:
// checks a contract against the data on a PostgreSQL server it declares
// (meshplane_datacheck) and optionally reports the outcome to Meshplane as a
// service-level observation of the port that promises the contract.
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands/commands.h"
#include "cli/errors.h"
#include "cli/output.h"
#include "cli/policy_file.h"
#include "cli/util.h"
#include <nlohmann/json.hpp>

#include "meshplane/contract/validate.h"
#include "meshplane/datacheck/datacheck.h"
#include "meshplane/v1/contract.pb.h"
#include "meshplane/v1/data_product.pb.h"
#include "meshplane/v1/slo.pb.h"

namespace meshplane::cli {
namespace {

namespace dc = ::meshplane::datacheck;

// The connection-string override. An environment variable, not a flag: a
// DSN may carry a password, and argv is visible to every user of the host.
constexpr char kDsnEnv[] = "MESHPLANE_CONTRACT_TEST_DSN";

nlohmann::json ResultJson(const dc::CheckResult& r) {
  nlohmann::json j = {
      {"check", r.check},       {"object", r.object},
      {"path", r.path},         {"outcome", dc::OutcomeName(r.outcome)},
      {"expected", r.expected}, {"detail", r.detail}};
  if (!r.property.empty()) j["property"] = r.property;
  if (r.measured) j["measured"] = *r.measured;
  return j;
}

// The share of checks that passed, over those that decided something
// (skipped checks say nothing about the data).
double CompliancePercent(const dc::Report& r) {
  const int decided = r.passed + r.failed + r.errors;
  return decided == 0 ? 0 : 100.0 * r.passed / decided;
}

// The output port that promises contract `id`: the one port of the
// contract's data product whose `contract` is `id`. Prints the error and
// sets `*rc` when there is none or more than one.
bool PromisingPort(Env& env, const std::string& id, std::string* port,
                   int* rc) {
  if (id.empty()) {
    *rc = env.Usage("--report: the contract has no id; give --port");
    return false;
  }
  v1::GetContractRequest get_contract;
  get_contract.set_name(absl::StrCat("contracts/", id));
  v1::Contract contract;
  grpc::Status status = env.client().Call(
      env.client().contracts(), &v1::ContractService::Stub::GetContract,
      get_contract, &contract);
  if (!status.ok()) {
    *rc = env.Fail(status);
    return false;
  }
  v1::GetDataProductRequest get_product;
  get_product.set_name(contract.data_product());
  v1::DataProduct product;
  status = env.client().Call(env.client().products(),
                             &v1::DataProductService::Stub::GetDataProduct,
                             get_product, &product);
  if (!status.ok()) {
    *rc = env.Fail(status);
    return false;
  }
  std::vector<std::string> ports;
  for (const v1::OutputPort& p : product.output_ports()) {
    if (p.contract() == id) ports.push_back(p.name());
  }
  if (ports.size() != 1) {
    *rc = env.Usage(absl::StrCat(
        "--report: ",
        ports.empty() ? "no output port of " + contract.data_product() +
                            " promises contract " + id
                      : "several output ports promise contract " + id + " (" +
                            absl::StrJoin(ports, ", ") + ")",
        "; give --port"));
    return false;
  }
  *port = ports[0];
  return true;
}

int Test(Env& env, const ParsedArgs& args) {
  if (!args.Has("filename")) {
    return env.Usage(
        "-f FILE is required (see 'meshplane contract test --help')");
  }
  std::string port;
  if (args.Has("port")) {
    if (!args.Has("report")) {
      return env.Usage("--port is only used with --report");
    }
    auto name = PortName(args.Get("port"));
    if (!name.ok()) return env.Usage(name.status());
    port = *name;
  }
  const std::string file = args.Get("filename");
  auto text = ReadFileText(file);
  if (!text.ok()) return env.Usage(text.status());
  auto validated = contract::ParseAndValidate(*text);
  if (!validated.ok()) {
    return env.Usage(absl::StrCat(file, ": ", validated.status().message()));
  }
  if (!validated->issues.empty()) {
    env.err() << "error: " << file
              << ": not a valid ODCS contract: nothing was tested\n";
    for (const contract::Issue& i : validated->issues) {
      env.err() << "  " << file << ":" << i.position.line << ":"
                << i.position.column << ": " << i.path << ": " << i.message
                << "\n";
    }
    return kExitUsage;
  }
  const contract::Document& doc = validated->document;
  auto server = dc::FindServer(doc, args.Get("server"));
  if (!server.ok()) {
    return env.Usage(absl::StrCat(file, ": ", server.status().message()));
  }
  if (args.Has("report") && port.empty()) {
    int rc = kExitOk;
    if (!PromisingPort(env, doc.id, &port, &rc)) return rc;
  }
  const char* dsn = std::getenv(kDsnEnv);
  const std::string conninfo =
      dsn != nullptr && *dsn != '\0' ? std::string(dsn) : dc::ConnInfo(*server);
  auto report = dc::TestContract(doc, *server, conninfo);
  if (!report.ok()) {
    env.err() << "error: " << report.status().message() << "\n";
    return report.status().code() == absl::StatusCode::kInvalidArgument
               ? kExitUsage
               : kExitUnavailable;
  }
  const bool ok = report->failed == 0 && report->errors == 0;

  // --report: one COMPLETENESS observation of the port, the percent of
  // checks that passed (docs/contracts.md says why that objective).
  v1::ReportObservationsResponse reported;
  if (!port.empty()) {
    v1::ReportObservationsRequest request;
    v1::Observation* o = request.add_observations();
    o->set_output_port(port);
    o->set_objective(v1::OBJECTIVE_COMPLETENESS);
    o->set_completeness_percent(CompliancePercent(*report));
    request.set_request_id(env.NextRequestId());
    grpc::Status status = env.client().Call(
        env.client().slo(), &v1::ServiceLevelService::Stub::ReportObservations,
        request, &reported);
    if (!status.ok()) {
      env.err() << "the data was tested (" << report->passed << " passed, "
                << report->failed << " failed, " << report->errors
                << " errors) but the report was not recorded\n";
      return env.Fail(status);
    }
  }

  if (env.format() != Format::kTable) {
    nlohmann::json results = nlohmann::json::array();
    for (const dc::CheckResult& r : report->results) {
      results.push_back(ResultJson(r));
    }
    nlohmann::json doc_json = {{"file", file},
                               {"server", report->server},
                               {"database", report->database},
                               {"schema", report->schema},
                               {"results", results},
                               {"summary",
                                {{"passed", report->passed},
                                 {"failed", report->failed},
                                 {"errors", report->errors},
                                 {"skipped", report->skipped}}},
                               {"ok", ok}};
    if (!port.empty()) {
      doc_json["report"] = {
          {"output_port", port},
          {"objective", "COMPLETENESS"},
          {"completeness_percent", CompliancePercent(*report)},
          {"recorded", reported.recorded()}};
    }
    if (env.format() == Format::kYaml) {
      auto yaml = JsonToYaml(doc_json.dump());
      env.out() << (yaml.ok() ? *yaml : doc_json.dump(2) + "\n");
    } else {
      env.out() << doc_json.dump(2) << "\n";
    }
  } else {
    std::ostream& out = env.out();
    out << "testing " << file << " against server " << report->server
        << " (database " << report->database << ", schema " << report->schema
        << ")\n";
    for (const dc::CheckResult& r : report->results) {
      std::string what = r.object;
      if (!r.property.empty()) absl::StrAppend(&what, ".", r.property);
      std::string outcome = dc::OutcomeName(r.outcome);
      if (r.outcome == dc::Outcome::kFail) outcome = "FAIL";
      if (r.outcome == dc::Outcome::kError) outcome = "ERROR";
      out << outcome << std::string(8 - outcome.size(), ' ') << what << " "
          << r.check << ": " << r.detail;
      if (!r.expected.empty() && r.outcome != dc::Outcome::kPass) {
        out << " (expected " << r.expected << ")";
      }
      out << "  [" << r.path << "]\n";
    }
    out << report->results.size() << " checks: " << report->passed
        << " passed, " << report->failed << " failed, " << report->errors
        << " errors, " << report->skipped << " skipped\n";
    if (!port.empty()) {
      out << "reported completeness " << CompliancePercent(*report) << "% of "
          << port << " (" << reported.recorded() << " observation recorded)\n";
      for (const auto& b : reported.opened()) {
        out << "breach opened: " << b.detail() << "\n";
      }
      for (const auto& b : reported.closed()) {
        out << "breach closed: " << b.output_port() << "\n";
      }
    }
  }
  return ok ? kExitOk : kExitRefused;
}

}  // namespace

void RegisterContractTestCommand(std::vector<Command>* commands) {
  commands->push_back(
      {{"contract", "test"},
       "-f FILE [--server NAME]",
       "test a contract against the data on its PostgreSQL server",
       "Connects to the PostgreSQL server the contract declares "
       "(servers[] with type postgres: host, port, database, schema; the "
       "user and password come from libpq's environment, PGUSER and "
       "PGPASSWORD or ~/.pgpass, and MESHPLANE_CONTRACT_TEST_DSN replaces the "
       "whole connection string) and checks, in one read-only transaction: "
       "each table and declared column exists with a compatible type, "
       "required columns hold no NULL, unique ones no duplicate, and the "
       "quality metrics rowCount, nullValues, duplicateValues and "
       "invalidValues hold. One line per check and a summary. With --report "
       "the share of passed checks is sent as a COMPLETENESS observation of "
       "the output port that promises the contract (or --port). Exit 0 when "
       "every check passes, 1 when one fails or cannot "
       "run (or the server refuses the report), 2 for an invalid file or bad "
       "flags, 3 when a server cannot be reached.",
       {{"filename", 'f', true, false, "FILE", "the contract"},
        {"server", 0, true, false, "NAME",
         "the contract's server to test (servers[].server); optional when "
         "it declares one"},
        {"report", 0, false, false, "",
         "report the outcome to Meshplane as an observation of --port"},
        {"port", 0, true, false, "PORT",
         "the output port to report on (default: the one port of the "
         "contract's data product that promises it)"}},
       0,
       0,
       {"meshplane contract test -f orders.odcs.yaml --server production",
        "PGUSER=reader meshplane contract test -f orders.odcs.yaml -o json",
        "meshplane contract test -f orders.odcs.yaml --report --port "
        "sales/orders/v1"},
       Test});
}

}  // namespace meshplane::cli
