#include "meshplane/core/contracts.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/filter.h"
#include "core/page_token.h"
#include "core/resource_traits.h"
#include "core/rpc_names.h"
#include "core/validation.h"
#include "core/write_helpers.h"
#include "core/write_pipeline.h"
#include <nlohmann/json.hpp>

#include "meshplane/common/crypto.h"
#include "meshplane/common/errors.h"
#include "meshplane/common/limits.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/contract/compatibility.h"
#include "meshplane/contract/odcs.h"
#include "meshplane/contract/semver.h"
#include "meshplane/contract/validate.h"
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::core {
namespace {

namespace mc = ::meshplane::contract;
using internal::CheckEtag;
using internal::ContractTraits;
using internal::DomainChain;
using internal::FilterError;
using internal::Referenced;
using internal::ResourceWrite;
using internal::StoreWrite;
using internal::ToListResult;
using internal::Violations;
using internal::WriteOutcome;
using internal::WritePipeline;
using internal::WriteSpec;
namespace rpc = internal::rpc;
using model::Contract;
using model::ContractVersion;
using model::ProductKey;

constexpr char kTrigger[] = "contract.publish";

std::string UpperBump(mc::Bump bump) {
  return bump == mc::Bump::kNone ? std::string()
                                 : absl::AsciiStrToUpper(mc::BumpName(bump));
}

std::string UpperSeverity(mc::Severity s) {
  return absl::AsciiStrToUpper(mc::SeverityName(s));
}

// A candidate document: parsed, validated, its version parsed, as JSON.
struct Candidate {
  mc::Document document;
  mc::SemVer version;
  std::string json;
};

// Every problem of `yaml` as a field violation at "yaml.<path>", with its
// line and column, all at once.
absl::StatusOr<Candidate> LoadCandidate(const std::string& yaml) {
  if (yaml.empty()) {
    return InvalidArgumentWithFields(
        {{"yaml", "is required: an ODCS v3 data contract (YAML or JSON)"}});
  }
  if (yaml.size() > kMaxContractBytes) {
    return InvalidArgumentWithFields(
        {{"yaml", absl::StrCat("is ", yaml.size(), " bytes; at most ",
                               kMaxContractBytes, " are accepted")}});
  }
  auto validated = mc::ParseAndValidate(yaml);
  if (!validated.ok()) {
    return InvalidArgumentWithFields(
        {{"yaml", std::string(validated.status().message())}});
  }
  std::vector<FieldViolation> fields;
  for (const mc::Issue& issue : validated->issues) {
    std::string where;
    if (issue.position.line > 0) {
      where = absl::StrCat(" (line ", issue.position.line, ", column ",
                           issue.position.column, ")");
    }
    fields.push_back({issue.path.empty() ? std::string("yaml")
                                         : absl::StrCat("yaml.", issue.path),
                      absl::StrCat(issue.message, where)});
  }
  Candidate c;
  c.document = std::move(validated->document);
  if (fields.empty() && !model::IsValidContractId(c.document.id)) {
    fields.push_back(
        {"yaml.id", absl::StrCat("\"", c.document.id,
                                 "\" cannot name a contract (letters, digits, "
                                 "'.', '_' and '-', 1 to 128 characters, "
                                 "starting with a letter or digit)")});
  }
  auto version = mc::SemVer::Parse(c.document.version);
  if (fields.empty() && !version.ok()) {
    fields.push_back(
        {"yaml.version",
         absl::StrCat("\"", c.document.version,
                      "\" is not a semantic version (MAJOR.MINOR.PATCH, "
                      "semver.org): ",
                      version.status().message())});
  }
  if (!fields.empty()) return InvalidArgumentWithFields(fields);
  c.version = *version;
  MP_ASSIGN_OR_RETURN(c.json, mc::ToJson(yaml));
  return c;
}

absl::StatusOr<mc::CompatibilityMode> ParseModeAt(const std::string& field,
                                                  const std::string& mode) {
  auto parsed = mc::ParseMode(mode);
  if (!parsed.ok()) {
    return InvalidArgumentWithFields(
        {{field, std::string(parsed.status().message())}});
  }
  return *parsed;
}

// The stored documents compared against, oldest first (the latest last).
// A stored version that no longer parses is an internal inconsistency.
absl::StatusOr<std::vector<mc::Document>> Documents(
    const std::vector<ContractVersion>& versions) {
  std::vector<mc::Document> out;
  out.reserve(versions.size());
  for (const ContractVersion& v : versions) {
    auto d = mc::Parse(v.original_yaml);
    if (!d.ok()) {
      return absl::InternalError(absl::StrCat(
          model::ContractVersionName(v.contract_id, v.version),
          " is stored but no longer parses: ", d.status().message()));
    }
    out.push_back(*std::move(d));
  }
  return out;
}

std::string Breaks(const mc::Change& c) {
  std::vector<std::string> parts;
  if (c.breaks_backward) parts.push_back("BACKWARD");
  if (c.breaks_forward) parts.push_back("FORWARD");
  return absl::StrJoin(parts, ",");
}

bool PointsIntoPrevious(mc::ChangeKind kind) {
  switch (kind) {
    case mc::ChangeKind::kObjectRemoved:
    case mc::ChangeKind::kPropertyRemoved:
    case mc::ChangeKind::kQualityRuleRemoved:
    case mc::ChangeKind::kSlaRemoved:
    case mc::ChangeKind::kServerRemoved:
    case mc::ChangeKind::kRelationshipRemoved:
      return true;
    default:
      return false;
  }
}

// Who consumes the ports that promise `contract_id`: the products whose
// input ports read them, and the principals holding active grants on them.
absl::StatusOr<std::vector<ImpactedConsumer>> Impact(
    store::Transaction& txn, const std::string& contract_id, absl::Time now) {
  MP_ASSIGN_OR_RETURN(auto readers,
                      txn.contracts().ContractReaders(contract_id));
  std::vector<ImpactedConsumer> out;
  std::vector<model::OutputPortRef> ports;
  for (const auto& r : readers) {
    if (ports.empty() || !(ports.back() == r.port)) ports.push_back(r.port);
    if (!r.reader) continue;
    ImpactedConsumer c;
    c.consumer = model::ProductName(*r.reader);
    c.via = "INPUT_PORT";
    c.output_port = model::OutputPortName(r.port);
    c.owner_team = model::TeamName(r.reader_owner_team_id);
    out.push_back(std::move(c));
  }
  for (const auto& port : ports) {
    store::GrantFilter filter;
    filter.port = port;
    filter.active_only = true;
    filter.now = now;
    store::PageRequest page{"", 1000};
    do {
      MP_ASSIGN_OR_RETURN(auto grants, txn.access().ListGrants(filter, page));
      for (const auto& g : grants.items) {
        ImpactedConsumer c;
        c.consumer = g.consumer;
        c.via = "GRANT";
        c.output_port = model::OutputPortName(port);
        c.grant = model::GrantName(g.id);
        if (absl::StartsWith(g.consumer, "team:")) {
          c.owner_team = model::TeamName(g.consumer.substr(5));
        }
        out.push_back(std::move(c));
      }
      page.after = grants.next;
    } while (!page.after.empty());
  }
  return out;
}

// Compares `candidate` with the stored versions of `contract` (nullopt for
// a new contract) under `mode`, or with `against` alone when given. Fills
// everything but the policies and `accepted`.
absl::StatusOr<CompatibilityReport> Compare(
    store::Transaction& txn, const Candidate& candidate,
    const std::optional<Contract>& contract, mc::CompatibilityMode mode,
    const std::string& against, absl::Time now) {
  CompatibilityReport report;
  report.contract = model::ContractName(candidate.document.id);
  report.candidate_version = candidate.document.version;
  report.mode = std::string(mc::ModeName(mode));
  std::vector<ContractVersion> previous;
  if (!against.empty()) {
    auto v = txn.contracts().GetContractVersion(candidate.document.id, against);
    if (!v.ok()) {
      return Referenced(
          v.status(), "against_version",
          model::ContractVersionName(candidate.document.id, against));
    }
    previous.push_back(*std::move(v));
  } else if (contract) {
    bool transitive = mode == mc::CompatibilityMode::kBackwardTransitive ||
                      mode == mc::CompatibilityMode::kForwardTransitive ||
                      mode == mc::CompatibilityMode::kFullTransitive;
    if (transitive) {
      MP_ASSIGN_OR_RETURN(previous,
                          txn.contracts().AllContractVersions(contract->id));
    } else {
      MP_ASSIGN_OR_RETURN(auto latest, txn.contracts().ListContractVersions(
                                           contract->id, {"", 1}));
      previous = std::move(latest.items);
    }
  }
  MP_ASSIGN_OR_RETURN(std::vector<mc::Document> docs, Documents(previous));
  auto verdict = mc::Check(candidate.document, docs, mode);
  if (!verdict.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot compare with the stored versions: ",
                     verdict.status().message()));
  }
  for (auto it = previous.rbegin(); it != previous.rend(); ++it) {
    report.compared_versions.push_back(it->version);
  }
  report.compatible = verdict->compatible;
  report.required_bump = UpperBump(verdict->required_bump);
  report.version_satisfied = verdict->version_satisfied;
  report.version_message = verdict->version_message;
  report.previous_version = verdict->previous_version;
  report.suggested_version = verdict->suggested_version;
  if (!verdict->previous_version.empty()) {
    auto prev = mc::SemVer::Parse(verdict->previous_version);
    if (prev.ok() && *prev < candidate.version) {
      report.declared_bump =
          UpperBump(mc::BumpBetween(*prev, candidate.version));
    }
  }
  // NONE refuses nothing, but consumers break all the same: impact is
  // judged as under FULL (as the required bump is).
  const mc::CompatibilityMode impact_mode = mode == mc::CompatibilityMode::kNone
                                                ? mc::CompatibilityMode::kFull
                                                : mode;
  bool breaks_consumers = false;
  for (const mc::Change& c : verdict->changes) {
    ContractChangeEntry e;
    e.severity = UpperSeverity(c.SeverityIn(mode));
    e.change = std::string(mc::ChangeKindName(c.kind));
    e.path = c.path;
    e.description = c.Explain(mode);
    e.against_version = c.against_version.empty() ? verdict->previous_version
                                                  : c.against_version;
    e.breaks = Breaks(c);
    if (!PointsIntoPrevious(c.kind)) {
      e.line = c.position.line;
      e.column = c.position.column;
    }
    e.required_bump = UpperBump(c.RequiredBump(mode));
    if (c.SeverityIn(impact_mode) == mc::Severity::kBreaking) {
      breaks_consumers = true;
    }
    report.changes.push_back(std::move(e));
  }
  if (breaks_consumers) {
    MP_ASSIGN_OR_RETURN(report.impacted_consumers,
                        Impact(txn, candidate.document.id, now));
  }
  if (!report.compatible && report.version_satisfied) {
    report.warnings.push_back(absl::StrCat(
        "breaking changes under ", report.mode,
        " are published as a new "
        "major version: ",
        report.impacted_consumers.size(), " known consumer(s) must migrate"));
  }
  return report;
}

// The refusal of a publish: FAILED_PRECONDITION carrying the report. An
// insufficient version is named first (reason CONTRACT_VERSION_BUMP); a
// policy's refusal keeps its reason and violations.
// "; breaking under FULL: schema[orders].properties[note] (property_removed);
// it would break 2 consumer(s): domains/a/dataProducts/b via input port,
// user:ana via grants/g1" or "" when nothing breaks. The producer learns
// from the refusal itself whom the change would hurt; the report (the error
// detail) has the rest.
std::string BreakingSummary(const CompatibilityReport& report) {
  constexpr size_t kMaxNamed = 5;
  std::vector<std::string> paths;
  for (const ContractChangeEntry& c : report.changes) {
    if (c.severity != "BREAKING") continue;
    if (paths.size() == kMaxNamed) {
      paths.push_back("...");
      break;
    }
    paths.push_back(absl::StrCat(c.path, " (", c.change, ")"));
  }
  if (paths.empty()) return "";
  std::string out = absl::StrCat("; breaking under ", report.mode, ": ",
                                 absl::StrJoin(paths, ", "));
  const auto& consumers = report.impacted_consumers;
  if (consumers.empty()) {
    absl::StrAppend(&out, "; no known consumer reads it");
    return out;
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < consumers.size() && i < kMaxNamed; ++i) {
    const ImpactedConsumer& c = consumers[i];
    names.push_back(c.via == "GRANT"
                        ? absl::StrCat(c.consumer, " via ", c.grant)
                        : absl::StrCat(c.consumer, " via input port"));
  }
  if (consumers.size() > kMaxNamed) {
    names.push_back(
        absl::StrCat("and ", consumers.size() - kMaxNamed, " more"));
  }
  absl::StrAppend(&out, "; it would break ", consumers.size(),
                  " consumer(s): ", absl::StrJoin(names, ", "));
  return out;
}

absl::Status Refusal(const CompatibilityReport& report,
                     absl::Status policy_refusal) {
  absl::Status status;
  if (!report.version_satisfied) {
    std::string message =
        absl::StrCat(report.contract, " ", report.candidate_version, ": ",
                     report.version_message, BreakingSummary(report));
    if (!policy_refusal.ok()) {
      absl::StrAppend(&message, "; and ", policy_refusal.message());
    }
    status = WithReason(absl::FailedPreconditionError(message),
                        "CONTRACT_VERSION_BUMP");
    status = WithPolicyViolations(std::move(status),
                                  GetPolicyViolations(policy_refusal));
  } else {
    status = std::move(policy_refusal);
  }
  status.SetPayload(kCompatibilityReportUrl, absl::Cord(ReportToJson(report)));
  return status;
}

std::string RequestJson(const RequestContext& ctx, const ProductKey& product,
                        const CompatibilityReport& report) {
  nlohmann::json request = {
      {"method", internal::MethodOf(ctx, rpc::kPublishContract)},
      {"validate_only", ctx.validate_only},
      {"data_product", model::ProductName(product)},
      {"compatibility_mode", report.mode},
      {"previous_version", report.previous_version},
      {"compatible", report.compatible},
      {"required_bump", report.required_bump},
      {"breaking", std::any_of(report.changes.begin(), report.changes.end(),
                               [](const ContractChangeEntry& c) {
                                 return c.severity == "BREAKING";
                               })},
  };
  return request.dump();
}

// The product a first version belongs to: the request's, else the one the
// document's `domain` and `dataProduct` name.
absl::StatusOr<ProductKey> OwningProduct(const PublishRequest& request,
                                         const mc::Document& doc) {
  if (request.product) return *request.product;
  if (model::IsValidId(doc.domain) && model::IsValidId(doc.data_product)) {
    return ProductKey{doc.domain, doc.data_product};
  }
  return InvalidArgumentWithFields(
      {{"data_product",
        absl::StrCat("is required for the first version of ",
                     model::ContractName(doc.id),
                     " (domains/{domain}/dataProducts/{data_product}); the "
                     "document's domain and dataProduct do not name one")}});
}

// The refusals of a publish that need no document: a principal in no team
// can write no product, and a named product's owners are known before the
// YAML is read. Refusing them first means a hostile document costs a
// caller without the right nothing (docs/operations.md, "Limits").
// CheckProductWrite in the write itself stays the authority; a missing
// product is left to it, reported as before.
absl::Status AuthorizeBeforeReading(const auth::Authorizer& authz,
                                    store::Store& store,
                                    const RequestContext& ctx,
                                    const PublishRequest& request) {
  const model::Principal& p = ctx.principal;
  if (p.platform_admin) return absl::OkStatus();
  if (p.team_ids.empty()) {
    return absl::PermissionDeniedError(absl::StrCat(
        p.id,
        " may not publish data contracts: it is a member of no team "
        "(publishing needs membership in the owner team of the data "
        "product or of its domains, or the platform-admin role)"));
  }
  if (!request.product) return absl::OkStatus();
  absl::Status verdict;
  MP_RETURN_IF_ERROR(store.RunInTransaction(
      store::TxnMode::kReadOnly, [&](store::Transaction& txn) -> absl::Status {
        auto product = txn.registry().GetDataProduct(*request.product);
        if (product.status().code() == absl::StatusCode::kNotFound) {
          return absl::OkStatus();
        }
        MP_RETURN_IF_ERROR(product.status());
        MP_ASSIGN_OR_RETURN(
            auto domain, txn.registry().GetDomain(request.product->domain_id));
        MP_ASSIGN_OR_RETURN(auto chain, DomainChain(txn, domain));
        verdict = authz.CheckProductWrite(p, *product, chain,
                                          "publish data contracts of");
        return absl::OkStatus();
      }));
  return verdict;
}

// `contract_json` is the contract's model::ToJson, serialised once by the
// caller for the audit record too.
std::string PublishResponseJson(const std::string& contract_json,
                                const ContractVersion& version) {
  return nlohmann::json{{"contract", nlohmann::json::parse(contract_json)},
                        {"version", version.version}}
      .dump();
}

}  // namespace

Contracts::Contracts(store::Store& store, const auth::Authorizer& authz,
                     const Clock& clock, Governance* governance)
    : store_(store), authz_(authz), clock_(clock), governance_(governance) {}

absl::StatusOr<PublishResult> Contracts::Publish(const RequestContext& ctx,
                                                 PublishRequest request) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_RETURN_IF_ERROR(AuthorizeBeforeReading(authz_, store_, ctx, request));
  Violations v;
  std::optional<mc::CompatibilityMode> requested_mode;
  if (!request.mode.empty()) {
    auto mode = ParseModeAt("compatibility_mode", request.mode);
    v.AddStatus("compatibility_mode", mode.status());
    if (mode.ok()) requested_mode = *mode;
  }
  v.CheckLabels("labels", request.labels);
  auto candidate = LoadCandidate(request.yaml);
  if (!candidate.ok()) {
    for (const auto& f : GetFieldViolations(candidate.status())) {
      v.Add(f.field, f.description);
    }
  }
  MP_RETURN_IF_ERROR(v.ToStatus());
  const std::string& id = candidate->document.id;

  PublishResult result;
  WriteSpec spec{
      rpc::kPublishContract, model::ContractName(id),
      absl::StrCat(request.product ? model::ProductName(*request.product)
                                   : std::string(),
                   "\n", request.mode, "\n", request.yaml)};
  WritePipeline pipeline(store_, clock_);
  MP_ASSIGN_OR_RETURN(
      auto replay,
      pipeline.Run(
          ctx, spec,
          [&](store::Transaction& txn, WriteOutcome& out) -> absl::Status {
            result = PublishResult{};
            const absl::Time now = internal::StoreNow(clock_);
            std::optional<Contract> existing;
            auto got = txn.contracts().GetContract(id);
            if (got.ok()) {
              existing = *std::move(got);
            } else if (got.status().code() != absl::StatusCode::kNotFound) {
              return got.status();
            }
            ProductKey product_key;
            if (existing) {
              product_key = existing->product;
              if (request.product && !(*request.product == product_key)) {
                return InvalidArgumentWithFields(
                    {{"data_product",
                      absl::StrCat(model::ContractName(id), " belongs to ",
                                   model::ProductName(product_key), ", not ",
                                   model::ProductName(*request.product))}});
              }
            } else {
              MP_ASSIGN_OR_RETURN(product_key,
                                  OwningProduct(request, candidate->document));
            }
            auto product = txn.registry().GetDataProduct(product_key);
            if (!product.ok()) {
              return Referenced(product.status(), "data_product",
                                model::ProductName(product_key));
            }
            MP_ASSIGN_OR_RETURN(
                auto domain, txn.registry().GetDomain(product_key.domain_id));
            MP_ASSIGN_OR_RETURN(auto chain, DomainChain(txn, domain));
            MP_RETURN_IF_ERROR(authz_.CheckProductWrite(
                ctx.principal, *product, chain, "publish data contracts of"));

            // A version is immutable: the same content again is a no-op.
            if (existing) {
              auto same = txn.contracts().GetContractVersion(
                  id, candidate->document.version);
              if (same.ok()) {
                if (same->content_hash != Sha256Hex(candidate->json)) {
                  return absl::AlreadyExistsError(absl::StrCat(
                      model::ContractVersionName(id, same->version),
                      " is already published with other content; versions "
                      "are immutable: publish the change as a new version"));
                }
                result.contract = *existing;
                result.version = *std::move(same);
                result.report.contract = model::ContractName(id);
                result.report.candidate_version = result.version.version;
                result.report.mode = existing->compatibility_mode;
                result.report.previous_version = existing->latest_version;
                result.report.suggested_version = result.version.version;
                result.report.warnings.push_back(absl::StrCat(
                    model::ContractVersionName(id, result.version.version),
                    " is already published with this content: nothing "
                    "changed"));
                out.response_json = PublishResponseJson(
                    model::ToJson(result.contract), result.version);
                return absl::OkStatus();
              }
              if (same.status().code() != absl::StatusCode::kNotFound) {
                return same.status();
              }
            }

            mc::CompatibilityMode mode = mc::kDefaultMode;
            if (requested_mode) {
              mode = *requested_mode;
            } else if (existing) {
              MP_ASSIGN_OR_RETURN(mode,
                                  ParseModeAt("compatibility_mode",
                                              existing->compatibility_mode));
            }
            MP_ASSIGN_OR_RETURN(
                result.report,
                Compare(txn, *candidate, existing, mode, "", now));
            CompatibilityReport& report = result.report;

            absl::Status policy_refusal;
            if (governance_ != nullptr) {
              GovernedSubject subject = internal::SubjectInChain(
                  kTrigger, model::ContractName(id), candidate->json, chain);
              subject.request_json = RequestJson(ctx, product_key, report);
              MP_ASSIGN_OR_RETURN(policy::Decision decision,
                                  governance_->Decide(ctx, subject));
              out.decision_json = policy::DecisionToJson(decision);
              report.policy_violations =
                  Governance::Details(decision.violations);
              if (ctx.warnings != nullptr) {
                *ctx.warnings = Governance::Details(decision.Warnings());
              }
              policy_refusal = Governance::Verdict(decision);
            }
            report.accepted = report.version_satisfied && policy_refusal.ok();

            Contract contract;
            if (existing) {
              contract = *existing;
            } else {
              contract.id = id;
              contract.uid = RandomUuid();
              contract.product = product_key;
              contract.create_time = now;
            }
            contract.display_name = candidate->document.name;
            contract.description = candidate->document.description.purpose;
            contract.compatibility_mode = std::string(mc::ModeName(mode));
            contract.latest_version = candidate->document.version;
            contract.version_count += 1;
            if (!request.labels.empty()) contract.labels = request.labels;
            contract.update_time = now;
            contract.revision += 1;

            ContractVersion version;
            version.contract_id = id;
            version.version = candidate->document.version;
            version.major = static_cast<int64_t>(candidate->version.major());
            version.minor = static_cast<int64_t>(candidate->version.minor());
            version.patch = static_cast<int64_t>(candidate->version.patch());
            version.prerelease =
                absl::StrJoin(candidate->version.prerelease(), ".");
            version.status = candidate->document.status;
            version.original_yaml = request.yaml;
            version.normalized_json = candidate->json;
            version.content_hash = Sha256Hex(candidate->json);
            version.published_by = ctx.principal.id;
            version.create_time = now;
            version.report_json = ReportToJson(report);
            result.contract = contract;
            result.version = version;

            if (!report.accepted) {
              // A dry run reports the refusal; a publish is refused with it.
              if (ctx.validate_only) return absl::OkStatus();
              return Refusal(report, policy_refusal);
            }
            if (existing) {
              MP_RETURN_IF_ERROR(StoreWrite(txn.contracts().UpdateContract(
                  contract, existing->revision)));
            } else {
              absl::Status inserted = txn.contracts().InsertContract(contract);
              if (inserted.code() == absl::StatusCode::kNotFound) {
                return Referenced(inserted, "data_product",
                                  model::ProductName(product_key));
              }
              MP_RETURN_IF_ERROR(inserted);
            }
            MP_RETURN_IF_ERROR(txn.contracts().InsertContractVersion(version));
            out.resource = model::ContractVersionName(id, version.version);
            if (existing) out.before_json = model::ToJson(*existing);
            out.after_json = model::ToJson(contract);
            out.event_type = "contract.published";
            out.domain_id = product_key.domain_id;
            out.response_json = PublishResponseJson(out.after_json, version);
            return absl::OkStatus();
          }));
  if (replay) {
    // The first call's contract as it was then; the version is immutable.
    auto json = nlohmann::json::parse(*replay, nullptr, false);
    if (json.is_discarded() || !json.contains("contract")) {
      return absl::InternalError("stored PublishContract response is corrupt");
    }
    MP_ASSIGN_OR_RETURN(result.contract,
                        model::ContractFromJson(json["contract"].dump()));
    MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
    MP_ASSIGN_OR_RETURN(
        result.version,
        txn->contracts().GetContractVersion(
            result.contract.id, json.value("version", std::string())));
    MP_ASSIGN_OR_RETURN(result.report,
                        ReportFromJson(result.version.report_json));
  }
  return result;
}

absl::StatusOr<CompatibilityReport> Contracts::CheckCompatibility(
    const RequestContext& ctx, const std::string& yaml, const std::string& mode,
    const std::string& against_version) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  Violations v;
  std::optional<mc::CompatibilityMode> requested_mode;
  if (!mode.empty()) {
    auto parsed = ParseModeAt("compatibility_mode", mode);
    v.AddStatus("compatibility_mode", parsed.status());
    if (parsed.ok()) requested_mode = *parsed;
  }
  if (!against_version.empty() && !mc::SemVer::Parse(against_version).ok()) {
    v.Add("against_version",
          absl::StrCat("\"", against_version, "\" is not a semantic version"));
  }
  auto candidate = LoadCandidate(yaml);
  if (!candidate.ok()) {
    for (const auto& f : GetFieldViolations(candidate.status())) {
      v.Add(f.field, f.description);
    }
  }
  MP_RETURN_IF_ERROR(v.ToStatus());
  CompatibilityReport report;
  MP_RETURN_IF_ERROR(store_.RunInTransaction(
      store::TxnMode::kReadOnly, [&](store::Transaction& txn) -> absl::Status {
        std::optional<Contract> existing;
        auto got = txn.contracts().GetContract(candidate->document.id);
        if (got.ok()) {
          existing = *std::move(got);
        } else if (got.status().code() != absl::StatusCode::kNotFound) {
          return got.status();
        }
        if (!existing && !against_version.empty()) {
          return internal::NotFoundAt(
              "against_version", model::ContractVersionName(
                                     candidate->document.id, against_version));
        }
        mc::CompatibilityMode m = mc::kDefaultMode;
        if (requested_mode) {
          m = *requested_mode;
        } else if (existing) {
          MP_ASSIGN_OR_RETURN(m, ParseModeAt("compatibility_mode",
                                             existing->compatibility_mode));
        }
        MP_ASSIGN_OR_RETURN(
            report, Compare(txn, *candidate, existing, m, against_version,
                            internal::StoreNow(clock_)));
        return absl::OkStatus();
      }));
  report.accepted = report.version_satisfied;
  return report;
}

absl::StatusOr<Contract> Contracts::GetContract(const RequestContext& ctx,
                                                const std::string& id) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  if (!model::IsValidContractId(id)) {
    return InvalidArgumentWithFields(
        {{"name", absl::StrCat("\"", model::ContractName(id),
                               "\" is not a valid contract name")}});
  }
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kSingleRead));
  return txn->contracts().GetContract(id);
}

absl::StatusOr<ListResult<Contract>> Contracts::ListContracts(
    const RequestContext& ctx, const ListQuery& query) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_ASSIGN_OR_RETURN(int limit, internal::EffectivePageSize(query.page_size));
  MP_ASSIGN_OR_RETURN(auto terms, internal::ParseFilter(query.filter));
  store::ContractFilter filter;
  std::set<std::string> seen;
  for (const auto& t : terms) {
    if (t.field.empty()) {
      return internal::FreeTextNotSupported(t.value, "contracts");
    }
    if (!seen.insert(t.field).second) {
      return FilterError(
          absl::StrCat("\"", t.field, "\" may appear only once"));
    }
    if (t.field == "data_product") {
      auto key = model::ParseProductName("filter", t.value);
      if (!key.ok()) {
        return FilterError(absl::StrCat("data_product: ", QuotePrefix(t.value),
                                        " is not a data product name"));
      }
      filter.product = *key;
    } else if (t.field == "domain") {
      std::string domain = t.value;
      if (absl::StartsWith(domain, "domains/")) domain = domain.substr(8);
      if (!model::IsValidId(domain)) {
        return FilterError(absl::StrCat("domain: ", QuotePrefix(t.value),
                                        " is not a valid domain"));
      }
      filter.domain_id = domain;
    } else if (t.field == "state") {
      std::string state = absl::AsciiStrToUpper(t.value);
      if (absl::StartsWith(state, "CONTRACT_STATE_")) state = state.substr(15);
      if (state != "ACTIVE" && state != "DEPRECATED") {
        return FilterError(absl::StrCat("state: ", QuotePrefix(t.value),
                                        " is not one of ACTIVE, DEPRECATED"));
      }
      filter.state = state;
    } else {
      return FilterError(
          absl::StrCat("unknown field \"", t.field,
                       "\" (known: data_product, domain, state)"));
    }
  }
  MP_ASSIGN_OR_RETURN(
      auto read,
      internal::BeginListRead(store_, store::TxnMode::kSingleRead,
                              {"contracts", internal::CanonicalFilter(terms)},
                              query.page_token, limit));
  MP_ASSIGN_OR_RETURN(auto page,
                      read.txn->contracts().ListContracts(filter, read.page));
  return ToListResult(std::move(page), read.fingerprint);
}

absl::StatusOr<ListResult<ContractVersion>> Contracts::ListVersions(
    const RequestContext& ctx, const std::string& contract_id,
    const ListQuery& query, bool omit_documents) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  if (!model::IsValidContractId(contract_id)) {
    return InvalidArgumentWithFields(
        {{"parent", absl::StrCat("\"", model::ContractName(contract_id),
                                 "\" is not a valid contract name")}});
  }
  MP_ASSIGN_OR_RETURN(int limit, internal::EffectivePageSize(query.page_size));
  if (!query.filter.empty()) {
    return FilterError("contract versions take no filter");
  }
  MP_ASSIGN_OR_RETURN(
      auto read, internal::BeginListRead(store_, store::TxnMode::kReadOnly,
                                         {"contract-versions", contract_id},
                                         query.page_token, limit));
  MP_ASSIGN_OR_RETURN(auto page, read.txn->contracts().ListContractVersions(
                                     contract_id, read.page));
  if (omit_documents) {
    for (auto& v : page.items) {
      v.original_yaml.clear();
      v.normalized_json.clear();
    }
  }
  return ToListResult(std::move(page), read.fingerprint);
}

absl::StatusOr<ContractVersion> Contracts::GetVersion(
    const RequestContext& ctx, const std::string& contract_id,
    const std::string& version) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  if (!model::IsValidContractId(contract_id)) {
    return InvalidArgumentWithFields(
        {{"name", absl::StrCat("\"", model::ContractName(contract_id),
                               "\" is not a valid contract name")}});
  }
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
  if (version == "latest") {
    MP_ASSIGN_OR_RETURN(
        auto page, txn->contracts().ListContractVersions(contract_id, {"", 1}));
    if (page.items.empty()) {
      return absl::NotFoundError(absl::StrCat(model::ContractName(contract_id),
                                              " has no published version"));
    }
    return std::move(page.items.front());
  }
  return txn->contracts().GetContractVersion(contract_id, version);
}

absl::StatusOr<Contract> Contracts::Deprecate(const RequestContext& ctx,
                                              const std::string& id,
                                              const std::string& message,
                                              const std::string& etag) {
  Violations v;
  if (!model::IsValidContractId(id)) {
    v.Add("name", absl::StrCat("\"", model::ContractName(id),
                               "\" is not a valid contract name"));
  }
  if (message.empty()) {
    v.Add("message", "is required: why, and what consumers should use instead");
  }
  v.CheckText("message", message, internal::kMaxDescription);
  MP_RETURN_IF_ERROR(v.ToStatus());
  auto rule =
      [&](store::Transaction& txn,
          ResourceWrite<ContractTraits>& w) -> absl::StatusOr<Contract> {
    MP_ASSIGN_OR_RETURN(Contract contract, txn.contracts().GetContract(id));
    MP_RETURN_IF_ERROR(
        CheckEtag(model::ContractName(id), etag, contract.revision));
    MP_ASSIGN_OR_RETURN(auto product,
                        txn.registry().GetDataProduct(contract.product));
    MP_ASSIGN_OR_RETURN(auto domain,
                        txn.registry().GetDomain(contract.product.domain_id));
    MP_ASSIGN_OR_RETURN(auto chain, DomainChain(txn, domain));
    MP_RETURN_IF_ERROR(authz_.CheckProductWrite(ctx.principal, product, chain,
                                                "deprecate data contracts of"));
    Contract after = contract;
    after.state = "DEPRECATED";
    after.deprecation_message = message;
    after.update_time = internal::StoreNow(clock_);
    after.revision += 1;
    MP_RETURN_IF_ERROR(
        StoreWrite(txn.contracts().UpdateContract(after, contract.revision)));
    w.Before(contract);
    w.SetEvent("deprecated");
    return after;
  };
  return WritePipeline(store_, clock_)
      .Update<ContractTraits>(ctx,
                              {rpc::kDeprecateContract, model::ContractName(id),
                               absl::StrCat(message, "\n", etag)},
                              rule);
}

}  // namespace meshplane::core
