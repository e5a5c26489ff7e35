// meshplane policy apply|get|list|delete|history|waive|waivers|unwaive|eval|
// simulate|test: governance policies (CEL assertions) and their waivers,
// through PolicyService; `policy test` runs offline with the embedded engine.
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands/commands.h"
#include "cli/descriptor.h"
#include "cli/policy_file.h"
#include "cli/policy_test_runner.h"
#include "cli/render.h"
#include "cli/util.h"
#include <google/protobuf/empty.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <nlohmann/json.hpp>

namespace meshplane::cli {

namespace v1 = ::meshplane::v1;

namespace {

constexpr char kPolicyHelp[] =
    "POLICY is an id (owners: the global policy policies/owners), "
    "DOMAIN/ID (sales/tier-one-slo: domains/sales/policies/tier-one-slo), a "
    "full name, or an id with --domain.";

FlagSpec DomainFlag() {
  return {
      "domain", 0,
      true,     false,
      "DOMAIN", "the policy's domain, when POLICY is an id of a domain policy"};
}

absl::StatusOr<std::string> PolicyArg(const ParsedArgs& args,
                                      const std::string& text) {
  return PolicyName(text, args.Get("domain"));
}

int Apply(Env& env, const ParsedArgs& args) {
  return RunApplyFiles(env, args, /*policies_only=*/true);
}

int Get(Env& env, const ParsedArgs& args) {
  auto name = PolicyArg(args, args.positional()[0]);
  if (!name.ok()) return env.Usage(name.status());
  v1::GetPolicyRequest request;
  request.set_name(*name);
  return ShowDescriptorGet(env, env.client().policies(),
                           &v1::PolicyService::Stub::GetPolicy, request,
                           PolicyDescriptor, RenderPolicy);
}

// AIP-160 terms from the convenience flags, ANDed with --filter.
absl::StatusOr<std::string> ListFilter(const ParsedArgs& args) {
  std::vector<std::string> terms;
  if (args.Has("trigger")) {
    terms.push_back(absl::StrCat("trigger = \"", args.Get("trigger"), "\""));
  }
  if (args.Has("effect")) {
    std::string effect = absl::AsciiStrToUpper(args.Get("effect"));
    if (effect != "DENY" && effect != "WARN" && effect != "REQUIRE_APPROVAL") {
      return absl::InvalidArgumentError(
          absl::StrCat("--effect ", args.Get("effect"),
                       ": expected DENY, WARN or REQUIRE_APPROVAL"));
    }
    terms.push_back(absl::StrCat("effect = ", effect));
  }
  if (args.Has("owner")) {
    terms.push_back(
        absl::StrCat("owner = \"", TeamName(args.Get("owner")), "\""));
  }
  if (args.Has("filter")) terms.push_back(args.Get("filter"));
  return absl::StrJoin(terms, " AND ");
}

int List(Env& env, const ParsedArgs& args) {
  auto page_size = PageSize(args);
  if (!page_size.ok()) return env.Usage(page_size.status());
  if (args.Has("domain") && args.Has("all-domains")) {
    return env.Usage("--domain and --all-domains exclude each other");
  }
  if (args.Has("inherited") && !args.Has("domain")) {
    return env.Usage(
        "--inherited needs --domain (the domain whose effective policies to "
        "list)");
  }
  auto filter = ListFilter(args);
  if (!filter.ok()) return env.Usage(filter.status());
  v1::ListPoliciesRequest request;
  if (args.Has("domain")) {
    request.set_parent(DomainName(args.Get("domain")));
  } else if (args.Has("all-domains")) {
    request.set_parent("domains/-");
  }
  request.set_include_inherited(args.Has("inherited"));
  request.set_page_size(*page_size);
  request.set_filter(*filter);
  return ShowDescriptorList(env, PagesOf(args), env.client().policies(),
                            &v1::PolicyService::Stub::ListPolicies, request,
                            &v1::ListPoliciesResponse::mutable_policies,
                            PolicyDescriptor, RenderPolicies);
}

int Delete(Env& env, const ParsedArgs& args) {
  auto name = PolicyArg(args, args.positional()[0]);
  if (!name.ok()) return env.Usage(name.status());
  v1::DeletePolicyRequest request;
  request.set_name(*name);
  request.set_etag(args.Get("etag"));
  return SendWrite(env, env.client().policies(),
                   &v1::PolicyService::Stub::DeletePolicy, request,
                   absl::StrCat("policy/", ShortPolicyName(*name)), "deleted");
}

int History(Env& env, const ParsedArgs& args) {
  auto page_size = PageSize(args);
  if (!page_size.ok()) return env.Usage(page_size.status());
  auto name = PolicyArg(args, args.positional()[0]);
  if (!name.ok()) return env.Usage(name.status());
  v1::ListPolicyRevisionsRequest request;
  request.set_name(*name);
  request.set_page_size(*page_size);
  return ShowList(
      env, PagesOf(args), env.client().policies(),
      &v1::PolicyService::Stub::ListPolicyRevisions, request,
      &v1::ListPolicyRevisionsResponse::mutable_revisions,
      [&](const v1::ListPolicyRevisionsResponse& merged, std::ostream& out) {
        RenderPolicyRevisions(merged.revisions(), out);
      });
}

// A resource a waiver can name: a full name (domains/...) or DOMAIN/PRODUCT.
absl::StatusOr<std::string> ResourceArg(const std::string& text) {
  if (absl::StartsWith(text, "domains/")) return text;
  return ProductName(text, "");
}

// --expires: an RFC 3339 time, a date, or a duration from now (30d).
absl::StatusOr<absl::Time> ExpiryArg(const std::string& text) {
  auto d = ParseDuration(text);
  if (d.ok()) {
    if (*d <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--expires ", text, ": must be in the future"));
    }
    return absl::Now() + *d;
  }
  auto t = ParseTime(text);
  if (!t.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--expires ", text,
        ": expected a time (2027-01-01T00:00:00Z, 2027-01-01) or a duration "
        "from now (30d)"));
  }
  return *t;
}

int Waive(Env& env, const ParsedArgs& args) {
  auto policy = PolicyArg(args, args.positional()[0]);
  if (!policy.ok()) return env.Usage(policy.status());
  for (const char* flag : {"resource", "reason", "expires"}) {
    if (!args.Has(flag)) {
      return env.Usage(absl::StrCat("--", flag, " is required"));
    }
  }
  auto resource = ResourceArg(args.Get("resource"));
  if (!resource.ok()) {
    return env.Usage(absl::StrCat("--resource: ", resource.status().message()));
  }
  auto expires = ExpiryArg(args.Get("expires"));
  if (!expires.ok()) return env.Usage(expires.status());
  // The default id names the resource, which is what people look for when
  // listing waivers; --id when one resource needs two waivers of a policy.
  std::string id = args.Get("id", Slugify(LastSegment(*resource)));
  if (!IsValidId(id)) {
    return env.Usage(absl::StrCat(
        "--id ", id,
        ": not a valid id (lowercase letters, digits, hyphens; 1-63 chars)"));
  }
  v1::CreateWaiverRequest request;
  request.set_parent(*policy);
  request.set_waiver_id(id);
  v1::Waiver* waiver = request.mutable_waiver();
  waiver->set_resource(*resource);
  waiver->set_reason(args.Get("reason"));
  *waiver->mutable_expire_time() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(
          absl::ToUnixSeconds(*expires));
  return SendWrite(env, env.client().policies(),
                   &v1::PolicyService::Stub::CreateWaiver, request,
                   absl::StrCat("waiver/", ShortPolicyName(*policy), "/", id),
                   absl::StrCat("created (", *resource, " until ",
                                FormatTimestamp(waiver->expire_time()), ")"));
}

int Waivers(Env& env, const ParsedArgs& args) {
  auto page_size = PageSize(args);
  if (!page_size.ok()) return env.Usage(page_size.status());
  v1::ListWaiversRequest request;
  request.set_parent("policies/-");
  if (!args.positional().empty()) {
    auto policy = PolicyArg(args, args.positional()[0]);
    if (!policy.ok()) return env.Usage(policy.status());
    request.set_parent(*policy);
  }
  if (args.Has("resource")) {
    auto resource = ResourceArg(args.Get("resource"));
    if (!resource.ok()) {
      return env.Usage(
          absl::StrCat("--resource: ", resource.status().message()));
    }
    request.set_filter(absl::StrCat("resource = \"", *resource, "\""));
  }
  request.set_show_expired(args.Has("show-expired"));
  request.set_page_size(*page_size);
  return ShowList(
      env, PagesOf(args), env.client().policies(),
      &v1::PolicyService::Stub::ListWaivers, request,
      &v1::ListWaiversResponse::mutable_waivers,
      [&](const v1::ListWaiversResponse& merged, std::ostream& out) {
        RenderWaivers(merged.waivers(), out);
      });
}

int Unwaive(Env& env, const ParsedArgs& args) {
  std::string name;
  const std::vector<std::string>& pos = args.positional();
  if (pos.size() == 2) {
    auto policy = PolicyArg(args, pos[0]);
    if (!policy.ok()) return env.Usage(policy.status());
    name = absl::StrCat(*policy, "/waivers/", pos[1]);
  } else {
    size_t at = pos[0].find("/waivers/");
    if (at == std::string::npos) {
      return env.Usage(absl::StrCat(
          "\"", pos[0],
          "\" is not a waiver name (POLICY/waivers/ID, or POLICY ID)"));
    }
    auto policy = PolicyArg(args, pos[0].substr(0, at));
    if (!policy.ok()) return env.Usage(policy.status());
    name = absl::StrCat(*policy, pos[0].substr(at));
  }
  v1::DeleteWaiverRequest request;
  request.set_name(name);
  return SendWrite(env, env.client().policies(),
                   &v1::PolicyService::Stub::DeleteWaiver, request,
                   absl::StrCat("waiver ", name), "withdrawn");
}

// Loads a YAML/JSON mapping from `path` into a Struct. `flag` names it in
// errors.
absl::Status LoadStruct(const std::string& flag, const std::string& path,
                        google::protobuf::Struct* out,
                        nlohmann::json* json = nullptr) {
  auto doc = LoadYamlDocument(path);
  if (!doc.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", doc.status().message()));
  }
  if (!doc->is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " ", path, ": expected a mapping (the document's fields)"));
  }
  auto status = google::protobuf::util::JsonStringToMessage(doc->dump(), out);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", path, ": ", status.ToString()));
  }
  if (json != nullptr) *json = *std::move(doc);
  return absl::OkStatus();
}

int Eval(Env& env, const ParsedArgs& args) {
  if (!args.Has("trigger")) return env.Usage("--trigger is required");
  if (!args.Has("filename")) {
    return env.Usage("-f RESOURCE.yaml is required (the resource document)");
  }
  v1::EvaluatePoliciesRequest request;
  request.set_trigger(args.Get("trigger"));
  nlohmann::json resource;
  absl::Status loaded = LoadStruct("-f", args.Get("filename"),
                                   request.mutable_resource(), &resource);
  if (!loaded.ok()) return env.Usage(loaded);
  if (args.Has("previous")) {
    loaded = LoadStruct("--previous", args.Get("previous"),
                        request.mutable_previous());
    if (!loaded.ok()) return env.Usage(loaded);
  }
  if (args.Has("request")) {
    loaded =
        LoadStruct("--request", args.Get("request"), request.mutable_request());
    if (!loaded.ok()) return env.Usage(loaded);
  }
  std::string name = args.Get("resource-name");
  if (name.empty() && resource.contains("name") &&
      resource["name"].is_string()) {
    name = resource["name"].get<std::string>();
  }
  if (name.empty()) {
    return env.Usage(
        "--resource-name is required when the resource document has no "
        "name");
  }
  request.set_resource_name(name);
  request.set_principal(args.Get("principal"));
  v1::EvaluatePoliciesResponse response;
  grpc::Status status = env.client().Call(
      env.client().policies(), &v1::PolicyService::Stub::EvaluatePolicies,
      request, &response);
  if (!status.ok()) return env.Fail(status);
  Show(env, response,
       [&](std::ostream& out) { RenderDecision(response.decision(), out); });
  // The decision is the answer: a denial is a refusal like a refused write.
  return response.decision().outcome() == v1::DECISION_OUTCOME_DENY
             ? kExitRefused
             : kExitOk;
}

// The candidate of `simulate -f`: the one Policy document of the file.
absl::Status LoadCandidate(const std::string& path,
                           v1::SimulatePolicyRequest* request,
                           std::ostream& err) {
  auto text = ReadFileText(path);
  if (!text.ok()) return text.status();
  ParseResult parsed = ParseDescriptors(*text, path, {});
  for (const DescriptorError& e : parsed.errors) {
    err << "error: " << e.ToString() << "\n";
  }
  if (!parsed.errors.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": invalid policy file"));
  }
  const Descriptor* policy = nullptr;
  for (const Descriptor& d : parsed.descriptors) {
    if (d.kind != DescriptorKind::kPolicy) continue;
    if (policy != nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": holds several policies; simulate one at a time"));
    }
    policy = &d;
  }
  if (policy == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": holds no document of kind Policy"));
  }
  request->set_parent(policy->parent);
  *request->mutable_policy() = policy->policy;
  request->mutable_policy()->clear_name();
  return absl::OkStatus();
}

std::string ResultWord(const v1::SimulationResult& r) {
  if (!r.error().empty()) return "error";
  if (!r.waiver().empty()) return "waived";
  if (!r.violated()) return "held";
  return absl::AsciiStrToLower(r.violation().effect()) == "warn" ? "warned"
                                                                 : "refused";
}

int Simulate(Env& env, const ParsedArgs& args) {
  bool has_file = args.Has("filename");
  bool has_name = !args.positional().empty();
  if (has_file == has_name) {
    return env.Usage(
        "give either -f DRAFT.yaml (a candidate policy) or the NAME of a "
        "stored policy");
  }
  v1::SimulatePolicyRequest request;
  if (has_file) {
    absl::Status loaded =
        LoadCandidate(args.Get("filename"), &request, env.err());
    if (!loaded.ok()) return env.Usage(loaded);
  } else {
    auto name = PolicyArg(args, args.positional()[0]);
    if (!name.ok()) return env.Usage(name.status());
    request.set_name(*name);
  }
  if (args.Has("max")) {
    int max = 0;
    if (!absl::SimpleAtoi(args.Get("max"), &max) || max <= 0) {
      return env.Usage(absl::StrCat("--max ", args.Get("max"),
                                    ": expected a positive integer"));
    }
    request.set_max_resources(max);
  }
  for (const std::string& t : args.GetAll("trigger")) request.add_triggers(t);
  request.set_include_satisfied(args.Has("include-satisfied"));

  std::vector<v1::SimulationResult> results;
  v1::SimulationSummary summary;
  grpc::Status status = env.client().Call([&](grpc::ClientContext* ctx) {
    // A retry starts the stream over: keep only the last attempt's items.
    results.clear();
    summary.Clear();
    auto reader = env.client().policies().SimulatePolicy(ctx, request);
    v1::SimulatePolicyResponse item;
    while (reader->Read(&item)) {
      if (item.has_result()) {
        results.push_back(item.result());
      } else if (item.has_summary()) {
        summary = item.summary();
      }
    }
    return reader->Finish();
  });
  if (!status.ok()) return env.Fail(status);

  if (env.format() != Format::kTable) {
    nlohmann::json doc = {{"results", nlohmann::json::array()}};
    for (const v1::SimulationResult& r : results) {
      doc["results"].push_back(nlohmann::json::parse(MessageToJson(r)));
    }
    doc["summary"] = nlohmann::json::parse(MessageToJson(summary));
    if (env.format() == Format::kJson) {
      env.out() << doc.dump(2) << "\n";
    } else {
      auto yaml = JsonToYaml(doc.dump());
      env.out() << (yaml.ok() ? *yaml : doc.dump(2) + "\n");
    }
    return kExitOk;
  }
  if (!results.empty()) {
    Table table({"RESOURCE", "TRIGGER", "RESULT", "MESSAGE"});
    for (const v1::SimulationResult& r : results) {
      std::string message =
          !r.error().empty()
              ? r.error()
              : (!r.waiver().empty() ? absl::StrCat("waiver ", r.waiver())
                                     : r.violation().message());
      table.AddRow({r.resource(), r.trigger(), ResultWord(r), message});
    }
    table.Print(env.out());
    env.out() << "\n";
  }
  env.out() << summary.evaluated() << " evaluated, " << summary.violated()
            << " violated (" << summary.waived() << " waived), "
            << summary.errors() << " errors"
            << (summary.truncated() ? " (stopped at --max: more remain)" : "")
            << "\n";
  for (const v1::Warning& w : summary.warnings()) {
    env.err() << "warning: " << (w.source().empty() ? "" : w.source() + ": ")
              << w.message() << "\n";
  }
  return kExitOk;
}

FlagSpec FileFlag(const std::string& help) {
  return {"filename", 'f', true, false, "FILE", help};
}

}  // namespace

void RegisterPolicyCommands(std::vector<Command>* commands) {
  commands->push_back(
      {{"policy", "apply"},
       "-f FILE",
       "create or update the policies and waivers of policy files",
       "Each Policy document is created when absent, else updated with every "
       "field of the file (a new revision); unchanged ones are left alone. "
       "Waiver documents are created when absent. One line per document: "
       "created, updated or unchanged. See docs/governance.md.",
       {{"filename", 'f', true, true, "FILE", "policy file, or - for stdin"}},
       0,
       0,
       {"meshplane policy apply -f deploy/policies/",
        "meshplane policy apply -f products.yaml --dry-run"},
       Apply});
  commands->push_back({{"policy", "get"},
                       "POLICY",
                       "show a policy with its condition",
                       kPolicyHelp,
                       {DomainFlag()},
                       1,
                       1,
                       {"meshplane policy get products-have-owner",
                        "meshplane policy get sales/tier-one-slo -o yaml"},
                       Get});
  commands->push_back(
      {{"policy", "list"},
       "",
       "list the policies of a scope (default: global)",
       "Without flags, the global policies. --domain D lists D's own "
       "policies; with --inherited also those that apply to D from above "
       "(global ones and its ancestors'): its effective set.",
       {{"domain", 0, true, false, "DOMAIN", "the policies of DOMAIN"},
        {"all-domains", 0, false, false, "", "the policies of every domain"},
        {"inherited", 0, false, false, "",
         "with --domain: also the policies inherited from above"},
        {"trigger", 0, true, false, "TRIGGER",
         "only policies with this trigger"},
        {"effect", 0, true, false, "EFFECT",
         "only DENY, WARN or REQUIRE_APPROVAL policies"},
        {"owner", 0, true, false, "TEAM", "only policies TEAM owns"},
        {"filter", 0, true, false, "AIP160",
         "a raw filter, ANDed with the others"},
        PageSizeFlag(),
        PageTokenFlag(),
        AllPagesFlag()},
       0,
       0,
       {"meshplane policy list",
        "meshplane policy list --domain sales --inherited",
        "meshplane policy list --all-domains --trigger dataproduct.create"},
       List});
  commands->push_back({{"policy", "delete"},
                       "POLICY",
                       "delete a policy and its waivers",
                       kPolicyHelp,
                       {DomainFlag(), EtagFlag()},
                       1,
                       1,
                       {"meshplane policy delete products-have-owner"},
                       Delete});
  commands->push_back(
      {{"policy", "history"},
       "POLICY",
       "list the revisions of a policy, newest first",
       kPolicyHelp,
       {DomainFlag(), PageSizeFlag(), PageTokenFlag(), AllPagesFlag()},
       1,
       1,
       {"meshplane policy history products-have-owner -o yaml"},
       History});
  commands->push_back(
      {{"policy", "waive"},
       "POLICY --resource R --reason TEXT --expires WHEN",
       "exempt one resource from one policy until an expiry",
       absl::StrCat(kPolicyHelp,
                    " R is DOMAIN/PRODUCT or a full resource name. WHEN is "
                    "a time (2027-01-01T00:00:00Z, 2027-01-01) or a duration "
                    "from now (30d). The waiver id defaults to the "
                    "resource's id."),
       {DomainFlag(),
        {"resource", 0, true, false, "R", "the resource to exempt"},
        {"reason", 0, true, false, "TEXT", "why the exemption is acceptable"},
        {"expires", 0, true, false, "WHEN", "when the waiver stops applying"},
        {"id", 0, true, false, "ID", "the waiver id"}},
       1,
       1,
       {"meshplane policy waive tier-one-availability --resource "
        "sales/orders --reason \"SLO agreed in INC-42\" --expires 30d"},
       Waive});
  commands->push_back(
      {{"policy", "waivers"},
       "[POLICY]",
       "list the waivers of a policy, or of every policy",
       kPolicyHelp,
       {DomainFlag(),
        {"resource", 0, true, false, "R", "only waivers of this resource"},
        {"show-expired", 0, false, false, "", "also expired waivers"},
        PageSizeFlag(),
        PageTokenFlag(),
        AllPagesFlag()},
       0,
       1,
       {"meshplane policy waivers",
        "meshplane policy waivers --resource "
        "sales/orders"},
       Waivers});
  commands->push_back(
      {{"policy", "unwaive"},
       "WAIVER | POLICY ID",
       "withdraw a waiver at once",
       "WAIVER is POLICY/waivers/ID (policies/owners/waivers/orders).",
       {DomainFlag()},
       1,
       2,
       {"meshplane policy unwaive policies/owners/waivers/orders",
        "meshplane policy unwaive owners orders"},
       Unwaive});
  commands->push_back(
      {{"policy", "eval"},
       "--trigger T -f RESOURCE.yaml",
       "evaluate the policies that apply to a resource, as a write would",
       "Sends the resource document (the model's JSON: snake_case keys, see "
       "docs/governance.md) to EvaluatePolicies and prints the decision. "
       "Exit 1 when the outcome is DENY; 0 for ALLOW (warnings included) "
       "and REQUIRE_APPROVAL.",
       {{"trigger", 0, true, false, "T",
         "dataproduct.create, dataproduct.update, dataproduct.lifecycle, "
         "domain.create, domain.update, contract.publish, access.request, "
         "access.check, agent.call"},
        FileFlag("the resource document (YAML or JSON), or - for stdin"),
        {"resource-name", 0, true, false, "NAME",
         "the resource's name (default: the document's `name`)"},
        {"previous", 0, true, false, "FILE",
         "the resource before the change (update triggers)"},
        {"request", 0, true, false, "FILE", "the request attributes"},
        {"principal", 0, true, false, "P",
         "evaluate as this principal (admins only)"}},
       0,
       0,
       {"meshplane policy eval --trigger dataproduct.create -f orders.json",
        "meshplane policy eval --trigger access.request -f product.yaml "
        "--request request.yaml"},
       Eval});
  commands->push_back(
      {{"policy", "simulate"},
       "-f DRAFT.yaml | POLICY",
       "run a draft (or stored) policy over the existing resources",
       "Prints the resources the policy would refuse or warn about, then a "
       "summary. Nothing is stored or enforced.",
       {FileFlag("a policy file with one Policy document"),
        DomainFlag(),
        {"max", 0, true, false, "N", "stop after N resources (default 1000)"},
        {"trigger", 0, true, true, "T", "only this trigger of the policy"},
        {"include-satisfied", 0, false, false, "",
         "also list the resources that satisfy the policy"}},
       0,
       1,
       {"meshplane policy simulate -f tier-one.yaml",
        "meshplane policy simulate products-have-owner --max 100"},
       Simulate});
  commands->push_back(
      {{"policy", "test"},
       "-f TESTS.yaml",
       "run policy test cases offline, with the embedded engine",
       "Loads the policy files a test file names, checks that every policy "
       "compiles, runs each case and prints PASS or FAIL with the reason. "
       "Needs no server. Exit 0 when every case passes, 1 when one fails, 2 "
       "for bad input (a test file that does not parse, a policy that does "
       "not compile). See docs/governance.md for the format.",
       {{"filename", 'f', true, true, "FILE", "test file (repeatable)"},
        {"run", 0, true, false, "TEXT",
         "only the cases whose name contains TEXT"}},
       0,
       0,
       {"meshplane policy test -f deploy/policies/tests/products.yaml"},
       RunPolicyTestCommand});
}

}  // namespace meshplane::cli
