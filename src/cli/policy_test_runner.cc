#include "cli/policy_test_runner.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/descriptor.h"
#include "cli/output.h"
#include "cli/policy_file.h"
#include "cli/util.h"
#include <google/protobuf/util/time_util.h>
#include <nlohmann/json.hpp>

#include "meshplane/contract/yaml.h"

namespace meshplane::cli {

namespace v1 = ::meshplane::v1;
namespace fs = std::filesystem;

policy::Policy EnginePolicy(const v1::Policy& p) {
  policy::Policy out;
  out.name = p.name();
  std::vector<std::string> parts = absl::StrSplit(p.name(), '/');
  if (parts.size() == 4 && parts[0] == "domains") out.domain_id = parts[1];
  out.triggers.assign(p.triggers().begin(), p.triggers().end());
  out.condition = p.condition();
  switch (p.effect()) {
    case v1::POLICY_EFFECT_WARN:
      out.effect = policy::Effect::kWarn;
      break;
    case v1::POLICY_EFFECT_REQUIRE_APPROVAL:
      out.effect = policy::Effect::kRequireApproval;
      break;
    default:
      out.effect = policy::Effect::kDeny;
      break;
  }
  out.enforcement = p.enforcement() == v1::POLICY_ENFORCEMENT_DRY_RUN
                        ? policy::Enforcement::kDryRun
                        : policy::Enforcement::kEnforced;
  out.message = p.message();
  out.message_expression = p.message_expression();
  out.waivable = !p.has_waivable() || p.waivable();
  out.revision = p.revision();
  return out;
}

policy::Waiver EngineWaiver(const v1::Waiver& w,
                            const std::string& policy_name) {
  policy::Waiver out;
  out.name = w.name();
  out.policy = policy_name;
  out.resource = w.resource();
  out.expire_time = absl::FromUnixSeconds(w.expire_time().seconds()) +
                    absl::Nanoseconds(w.expire_time().nanos());
  return out;
}

namespace {

using contract::YamlNode;

// Collects the problems of one test file, each with its place.
class Errors {
 public:
  Errors(const std::string& file, std::vector<std::string>* out)
      : file_(file), out_(out) {}

  std::string Where(const YamlNode& node) const {
    if (!node.IsDefined() || node.position().line == 0) return file_;
    return absl::StrCat(file_, ":", node.position().line, ":",
                        node.position().column);
  }
  void Add(const YamlNode& node, const std::string& path,
           const std::string& message) {
    out_->push_back(absl::StrCat(Where(node), ": ", path, ": ", message));
  }
  // Unknown keys are errors: a misspelt `expect` must not pass silently.
  bool CheckKeys(const YamlNode& node, const std::string& path,
                 const std::vector<std::string>& allowed) {
    if (!node.IsMap()) {
      Add(node, path, "expected a mapping");
      return false;
    }
    for (const contract::YamlEntry& it : node.entries()) {
      std::string key =
          it.first.IsScalar() ? std::string(it.first.Scalar()) : "?";
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        Add(it.first, path.empty() ? key : absl::StrCat(path, ".", key),
            absl::StrCat("unknown key (expected one of: ",
                         absl::StrJoin(allowed, ", "), ")"));
      }
    }
    return true;
  }

 private:
  const std::string& file_;
  std::vector<std::string>* out_;
};

bool Present(const YamlNode& node) {
  return node.IsDefined() && !node.IsNull();
}

std::string Scalar(const YamlNode& node) {
  return Present(node) && node.IsScalar() ? std::string(node.Scalar()) : "";
}

std::optional<std::vector<std::string>> StringList(Errors& e,
                                                   const YamlNode& node,
                                                   const std::string& path) {
  if (!Present(node)) return std::nullopt;
  if (!node.IsSequence()) {
    e.Add(node, path, "expected a list of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < node.size(); ++i) {
    if (!node[i].IsScalar()) {
      e.Add(node[i], absl::StrCat(path, "[", i, "]"), "expected a string");
      continue;
    }
    out.push_back(std::string(node[i].Scalar()));
  }
  return out;
}

// A document (mapping) as the engine sees it: YAML -> JSON ->
// DocumentFromJson, so `*_time` keys become timestamps as on the server.
std::optional<policy::cel::Value> Document(Errors& e, const YamlNode& node,
                                           const std::string& path,
                                           const std::string& file) {
  if (!node.IsMap()) {
    e.Add(node, path, "expected a mapping (the document's fields)");
    return std::nullopt;
  }
  auto json = YamlToJson(node, file);
  if (!json.ok()) {
    e.Add(node, path, std::string(json.status().message()));
    return std::nullopt;
  }
  auto value = policy::DocumentFromJson(json->dump());
  if (!value.ok()) {
    e.Add(node, path, std::string(value.status().message()));
    return std::nullopt;
  }
  return *std::move(value);
}

std::optional<absl::Time> Time(Errors& e, const YamlNode& node,
                               const std::string& path) {
  auto t = ParseTime(Scalar(node));
  if (!t.ok()) {
    e.Add(node, path, std::string(t.status().message()));
    return std::nullopt;
  }
  return *t;
}

struct PrincipalSpec {
  std::string name = "user:test@example.com";
  std::vector<std::string> teams;
  bool admin = false;
};

std::optional<PrincipalSpec> Principal(Errors& e, const YamlNode& node,
                                       const std::string& path,
                                       PrincipalSpec base) {
  if (!Present(node)) return base;
  if (!e.CheckKeys(node, path, {"name", "teams", "admin"})) {
    return std::nullopt;
  }
  if (Present(node["name"])) base.name = Scalar(node["name"]);
  if (auto teams = StringList(e, node["teams"], path + ".teams")) {
    base.teams.clear();
    // principal.teams holds team names (teams/{id}), as the server binds
    // them; ids are accepted for brevity.
    for (const std::string& t : *teams) {
      base.teams.push_back(TeamName(t));
    }
  }
  if (Present(node["admin"])) {
    std::string admin = Scalar(node["admin"]);
    if (admin != "true" && admin != "false") {
      e.Add(node["admin"], path + ".admin", "expected true or false");
    }
    base.admin = admin == "true";
  }
  return base;
}

std::optional<policy::Outcome> ParseOutcome(const std::string& text) {
  if (text == "ALLOW") return policy::Outcome::kAllow;
  if (text == "DENY") return policy::Outcome::kDeny;
  if (text == "REQUIRE_APPROVAL") return policy::Outcome::kRequireApproval;
  return std::nullopt;
}

// Policy names in expectations may be short: "owners", "sales/slo".
std::vector<std::string> PolicyNames(Errors& e, const YamlNode& node,
                                     const std::vector<std::string>& texts,
                                     const std::string& path) {
  std::vector<std::string> names;
  for (const std::string& t : texts) {
    auto name = PolicyName(t, "");
    if (!name.ok()) {
      e.Add(node, path, std::string(name.status().message()));
      continue;
    }
    names.push_back(*name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

void ParseExpect(Errors& e, const YamlNode& node, const std::string& path,
                 PolicyTestCase* c) {
  if (!Present(node)) {
    e.Add(node, path, "required key is missing");
    return;
  }
  if (!e.CheckKeys(node, path,
                   {"outcome", "violations", "warnings", "messages"})) {
    return;
  }
  std::string outcome = Scalar(node["outcome"]);
  if (outcome.empty()) {
    e.Add(node, path + ".outcome",
          "required key is missing (ALLOW, DENY or REQUIRE_APPROVAL)");
  } else if (auto o = ParseOutcome(outcome)) {
    c->expect_outcome = *o;
  } else {
    e.Add(node["outcome"], path + ".outcome",
          absl::StrCat("\"", outcome,
                       "\" is not an outcome (ALLOW, DENY or "
                       "REQUIRE_APPROVAL)"));
  }
  if (auto v = StringList(e, node["violations"], path + ".violations")) {
    c->expect_violations =
        PolicyNames(e, node["violations"], *v, path + ".violations");
  }
  if (auto w = StringList(e, node["warnings"], path + ".warnings")) {
    c->expect_warnings =
        PolicyNames(e, node["warnings"], *w, path + ".warnings");
  }
  if (auto m = StringList(e, node["messages"], path + ".messages")) {
    c->expect_messages = *m;
  }
}

struct Defaults {
  absl::Time now;
  PrincipalSpec principal;
};

void ParseCase(Errors& e, const YamlNode& node, const std::string& path,
               const std::string& file, const Defaults& defaults,
               PolicyTestCase* c) {
  c->location = absl::StrCat(file, ":", node.position().line);
  if (!e.CheckKeys(
          node, path,
          {"name", "trigger", "resourceName", "domainChain", "resource",
           "previous", "principal", "request", "domain", "now", "expect"})) {
    return;
  }
  c->name = Scalar(node["name"]);
  if (c->name.empty()) e.Add(node, path + ".name", "required key is missing");
  policy::EvalInput& in = c->input;
  in.trigger = Scalar(node["trigger"]);
  if (in.trigger.empty()) {
    e.Add(node, path + ".trigger", "required key is missing");
  } else if (!policy::IsKnownTrigger(in.trigger)) {
    e.Add(node["trigger"], path + ".trigger",
          absl::StrCat("unknown trigger \"", in.trigger, "\" (",
                       absl::StrJoin(policy::KnownTriggers(), ", "), ")"));
  }
  if (!Present(node["resource"])) {
    e.Add(node, path + ".resource", "required key is missing");
  } else if (auto doc =
                 Document(e, node["resource"], path + ".resource", file)) {
    in.resource = *std::move(doc);
  }
  in.resource_name = Scalar(node["resourceName"]);
  if (in.resource_name.empty() && Present(node["resource"]) &&
      node["resource"].IsMap()) {
    in.resource_name = Scalar(node["resource"]["name"]);
  }
  if (in.resource_name.empty()) {
    e.Add(node, path + ".resourceName",
          "required key is missing (and the resource has no name)");
  }
  if (auto chain = StringList(e, node["domainChain"], path + ".domainChain")) {
    for (const std::string& d : *chain)
      in.domain_chain.push_back(LastSegment(d));
  } else if (absl::StartsWith(in.resource_name, "domains/")) {
    // The resource's own domain; ancestors only when the case lists them.
    std::vector<std::string> parts = absl::StrSplit(in.resource_name, '/');
    if (parts.size() >= 2) in.domain_chain.push_back(parts[1]);
  }
  if (Present(node["previous"])) {
    if (auto doc = Document(e, node["previous"], path + ".previous", file)) {
      in.previous = *std::move(doc);
    }
  }
  in.request = *policy::DocumentFromJson("{}");
  if (Present(node["request"])) {
    if (auto doc = Document(e, node["request"], path + ".request", file)) {
      in.request = *std::move(doc);
    }
  }
  if (Present(node["domain"])) {
    if (auto doc = Document(e, node["domain"], path + ".domain", file)) {
      in.domain = *std::move(doc);
    }
  }
  in.now = defaults.now;
  if (Present(node["now"])) {
    if (auto t = Time(e, node["now"], path + ".now")) in.now = *t;
  }
  if (auto p = Principal(e, node["principal"], path + ".principal",
                         defaults.principal)) {
    in.principal = policy::PrincipalValue(p->name, p->teams, p->admin);
  }
  ParseExpect(e, node["expect"], path + ".expect", c);
}

// The YAML files a `policies` entry names: the file itself, or a
// directory's *.yaml / *.yml files (not its subdirectories), sorted.
std::vector<std::string> PolicyFiles(const fs::path& entry,
                                     std::string* error) {
  std::error_code ec;
  if (!fs::is_directory(entry, ec)) return {entry.string()};
  std::vector<std::string> files;
  for (const auto& f : fs::directory_iterator(entry, ec)) {
    std::string ext = f.path().extension().string();
    if (f.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
      files.push_back(f.path().string());
    }
  }
  if (ec) *error = ec.message();
  std::sort(files.begin(), files.end());
  return files;
}

void LoadPolicies(Errors& e, const YamlNode& node, const fs::path& base,
                  const std::string& test_file, PolicyTestLoad* load) {
  auto entries = StringList(e, node, "policies");
  if (!entries.has_value()) {
    if (!Present(node)) e.Add(node, "policies", "required key is missing");
    return;
  }
  std::set<std::string> seen;
  for (const std::string& entry : *entries) {
    fs::path p = fs::path(entry).is_absolute() ? fs::path(entry) : base / entry;
    std::string dir_error;
    std::vector<std::string> files =
        PolicyFiles(p.lexically_normal(), &dir_error);
    if (!dir_error.empty()) {
      e.Add(node, "policies", absl::StrCat(p.string(), ": ", dir_error));
    }
    for (const std::string& file : files) {
      std::error_code ec;
      // A directory named by the test file may hold the test file itself.
      if (fs::equivalent(file, test_file, ec)) continue;
      auto text = ReadFileText(file);
      if (!text.ok()) {
        e.Add(node, "policies", std::string(text.status().message()));
        continue;
      }
      ParseResult parsed = ParseDescriptors(*text, file, {});
      for (const DescriptorError& de : parsed.errors) {
        load->errors.push_back(de.ToString());
      }
      for (const Descriptor& d : parsed.descriptors) {
        if (d.kind == DescriptorKind::kPolicy) {
          if (!seen.insert(d.policy.name()).second) {
            load->errors.push_back(
                absl::StrCat(d.location, ": policy ", d.policy.name(),
                             " is defined twice among the policy files"));
            continue;
          }
          load->suite.policies.push_back(EnginePolicy(d.policy));
          load->suite.policy_files.push_back(d.location);
        } else if (d.kind == DescriptorKind::kWaiver) {
          load->suite.waivers.push_back(EngineWaiver(d.waiver, d.parent));
        } else {
          load->errors.push_back(absl::StrCat(
              d.location, ": ", d.Ref(),
              ": policy files hold only Policy and Waiver documents"));
        }
      }
    }
  }
}

// Every policy must compile, as the server would require on apply: the
// issues name the file, the policy and the field, with CEL's carets.
void CheckPolicies(PolicyTestLoad* load) {
  const PolicyTestSuite& suite = load->suite;
  for (size_t i = 0; i < suite.policies.size(); ++i) {
    for (const policy::PolicyIssue& issue :
         policy::CheckPolicy(suite.policies[i])) {
      load->errors.push_back(absl::StrCat(suite.policy_files[i], ": policy ",
                                          suite.policies[i].name, ": ",
                                          issue.field, ": ", issue.message));
    }
  }
}

std::vector<std::string> Names(const std::vector<policy::Violation>& vs) {
  std::vector<std::string> names;
  for (const policy::Violation& v : vs) names.push_back(v.policy);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string List(const std::vector<std::string>& names) {
  return absl::StrCat("[", absl::StrJoin(names, ", "), "]");
}

}  // namespace

PolicyTestLoad ParsePolicyTestFile(const std::string& text,
                                   const std::string& path) {
  PolicyTestLoad load;
  load.suite.file = path;
  Errors e(path, &load.errors);
  // The one YAML reader, with its budgets: the cases are walked once per
  // alias (docs/architecture.md, "YAML"). As before, the first document is
  // the test file.
  absl::StatusOr<contract::YamlStream> docs = contract::ReadYaml(text);
  if (!docs.ok()) {
    load.errors.push_back(absl::StrCat(path, ":", docs.status().message()));
    return load;
  }
  const YamlNode root = (*docs)[0];
  if (!e.CheckKeys(root, "", {"policies", "now", "principal", "cases"})) {
    return load;
  }
  LoadPolicies(e, root["policies"],
               fs::path(path).parent_path().empty()
                   ? fs::path(".")
                   : fs::path(path).parent_path(),
               path, &load);
  Defaults defaults;
  // Without `now`, cases run at the current time; set it for tests that
  // compare times, so that they do not start failing one day.
  defaults.now = absl::Now();
  if (Present(root["now"])) {
    if (auto t = Time(e, root["now"], "now")) defaults.now = *t;
  }
  if (auto p = Principal(e, root["principal"], "principal", {})) {
    defaults.principal = *p;
  }
  YamlNode cases = root["cases"];
  if (!Present(cases) || !cases.IsSequence() || cases.size() == 0) {
    e.Add(cases, "cases", "expected a non-empty list of cases");
  } else {
    for (size_t i = 0; i < cases.size(); ++i) {
      PolicyTestCase c;
      ParseCase(e, cases[i], absl::StrCat("cases[", i, "]"), path, defaults,
                &c);
      load.suite.cases.push_back(std::move(c));
    }
  }
  if (load.errors.empty()) CheckPolicies(&load);
  return load;
}

PolicyTestLoad LoadPolicyTestFile(const std::string& path) {
  auto text = ReadFileText(path);
  if (!text.ok()) {
    PolicyTestLoad load;
    load.suite.file = path;
    load.errors.push_back(std::string(text.status().message()));
    return load;
  }
  return ParsePolicyTestFile(*text, path);
}

PolicyCaseResult RunPolicyTestCase(const policy::PolicySet& set,
                                   const PolicyTestCase& c) {
  PolicyCaseResult result;
  result.name = c.name;
  result.location = c.location;
  policy::Decision d = policy::Evaluate(set, c.input);
  if (d.outcome != c.expect_outcome) {
    result.failures.push_back(
        absl::StrCat("expected outcome ", policy::OutcomeName(c.expect_outcome),
                     ", got ", policy::OutcomeName(d.outcome)));
  }
  std::vector<std::string> blocking = Names(d.Blocking());
  if (c.expect_violations && *c.expect_violations != blocking) {
    result.failures.push_back(absl::StrCat("expected violations ",
                                           List(*c.expect_violations), ", got ",
                                           List(blocking)));
  }
  std::vector<std::string> warnings = Names(d.Warnings());
  if (c.expect_warnings && *c.expect_warnings != warnings) {
    result.failures.push_back(absl::StrCat("expected warnings ",
                                           List(*c.expect_warnings), ", got ",
                                           List(warnings)));
  }
  for (const std::string& m : c.expect_messages) {
    bool found = false;
    for (const policy::Violation& v : d.violations) {
      if (absl::StrContains(v.message, m)) found = true;
    }
    if (!found) {
      result.failures.push_back(
          absl::StrCat("expected a violation message containing \"", m, "\""));
    }
  }
  result.passed = result.failures.empty();
  for (const policy::Violation& v : d.violations) {
    result.details.push_back(absl::StrCat(
        "violated: ", v.policy, " (", policy::EffectName(v.effect), ", ",
        policy::EnforcementName(v.enforcement),
        v.evaluation_error ? ", evaluation error" : "", "): ", v.message));
  }
  for (const policy::Evaluated& e : d.evaluated) {
    if (!e.error.empty()) {
      result.details.push_back(
          absl::StrCat("error in ", e.policy, ": ", e.error));
    }
  }
  return result;
}

int RunPolicyTestCommand(Env& env, const ParsedArgs& args) {
  std::vector<std::string> files = args.GetAll("filename");
  if (files.empty()) {
    return env.Usage(
        "-f TESTS.yaml is required (see 'meshplane policy test "
        "--help')");
  }
  std::vector<PolicyTestLoad> loads;
  bool bad_input = false;
  for (const std::string& file : files) {
    loads.push_back(LoadPolicyTestFile(file));
    for (const std::string& error : loads.back().errors) {
      env.err() << "error: " << error << "\n";
      bad_input = true;
    }
  }
  if (bad_input) {
    env.err() << "no test was run\n";
    return kExitUsage;
  }
  std::string run = args.Get("run");
  int passed = 0;
  int failed = 0;
  nlohmann::json cases = nlohmann::json::array();
  for (const PolicyTestLoad& load : loads) {
    auto set =
        policy::PolicySet::Build(load.suite.policies, load.suite.waivers);
    for (const PolicyTestCase& c : load.suite.cases) {
      if (!run.empty() && !absl::StrContains(c.name, run)) continue;
      PolicyCaseResult r = RunPolicyTestCase(*set, c);
      r.passed ? ++passed : ++failed;
      cases.push_back({{"file", load.suite.file},
                       {"name", r.name},
                       {"location", r.location},
                       {"passed", r.passed},
                       {"failures", r.failures},
                       {"decision", r.details}});
      if (env.format() != Format::kTable) continue;
      if (r.passed) {
        env.out() << "PASS  " << r.name << "\n";
        continue;
      }
      env.out() << "FAIL  " << r.name << " (" << r.location << ")\n";
      for (const std::string& f : r.failures) {
        env.out() << "      " << f << "\n";
      }
      for (const std::string& detail : r.details) {
        env.out() << "      " << detail << "\n";
      }
    }
  }
  if (!run.empty() && passed + failed == 0) {
    return env.Usage(absl::StrCat("--run ", run, ": no case name contains it"));
  }
  if (env.format() == Format::kTable) {
    env.out() << passed << " passed, " << failed << " failed\n";
  } else {
    nlohmann::json doc = {
        {"cases", cases}, {"passed", passed}, {"failed", failed}};
    if (env.format() == Format::kJson) {
      env.out() << doc.dump(2) << "\n";
    } else {
      auto yaml = JsonToYaml(doc.dump());
      env.out() << (yaml.ok() ? *yaml : doc.dump(2) + "\n");
    }
  }
  return failed > 0 ? kExitRefused : kExitOk;
}

}  // namespace meshplane::cli
