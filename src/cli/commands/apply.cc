// meshplane apply -f FILE (also `meshplane product apply -f FILE`, and
// `meshplane policy apply -f FILE` for policies and waivers only):
// declarative create-or-update of the teams, domains, data products,
// policies and waivers of one or more descriptor files.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/commands/commands.h"
#include "cli/descriptor.h"
#include "cli/render.h"
#include "cli/util.h"
#include <google/protobuf/util/field_mask_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <nlohmann/json.hpp>

namespace meshplane::cli {

namespace v1 = ::meshplane::v1;
using google::protobuf::util::FieldMaskUtil;
using google::protobuf::util::MessageDifferencer;

namespace {

struct Outcome {
  std::string kind;
  std::string name;
  std::string action;  // created, configured, unchanged
  std::string lifecycle;
};

// Whether `current` already has the values `desired` sets on `paths`.
bool SameOnMask(google::protobuf::Message* current,
                google::protobuf::Message* desired,
                const std::vector<std::string>& paths) {
  google::protobuf::FieldMask mask;
  for (const std::string& p : paths) mask.add_paths(p);
  FieldMaskUtil::TrimMessage(mask, current);
  FieldMaskUtil::TrimMessage(mask, desired);
  return MessageDifferencer::Equivalent(*current, *desired);
}

class Applier {
 public:
  explicit Applier(Env& env) : env_(env) {}

  // Applies `d`; on failure reports it (naming the document) and returns the
  // exit code.
  int Apply(const Descriptor& d, const std::vector<Descriptor>& all) {
    if (env_.dry_run()) {
      // A dry run writes nothing, so a document that needs a resource an
      // earlier document of this run would create cannot be validated by
      // the server: say so instead of reporting a NOT_FOUND that a real run
      // would not hit.
      std::string missing = PendingDependency(d);
      if (!missing.empty()) {
        pending_.insert(ResourceName(d));
        outcomes_.push_back(
            {KindName(d), ResourceName(d), "not validated", ""});
        if (env_.format() == Format::kTable) {
          env_.out() << d.Ref() << " not validated (dry run: needs " << missing
                     << ", which this run would create)\n";
        }
        return kExitOk;
      }
    }
    switch (d.kind) {
      case DescriptorKind::kTeam:
        return ApplyTeam(d);
      case DescriptorKind::kDomain:
        return ApplyDomain(d);
      case DescriptorKind::kDataProduct:
        return ApplyProduct(d, all);
      case DescriptorKind::kPolicy:
        return ApplyPolicy(d);
      case DescriptorKind::kWaiver:
        return ApplyWaiver(d);
    }
    return kExitUsage;
  }

  const std::vector<Outcome>& outcomes() const { return outcomes_; }

 private:
  static std::string ResourceName(const Descriptor& d) {
    switch (d.kind) {
      case DescriptorKind::kTeam:
        return d.team.name();
      case DescriptorKind::kDomain:
        return d.domain.name();
      case DescriptorKind::kDataProduct:
        return d.data_product.name();
      case DescriptorKind::kPolicy:
        return d.policy.name();
      case DescriptorKind::kWaiver:
        return d.waiver.name();
    }
    return "";
  }

  static std::string KindName(const Descriptor& d) {
    switch (d.kind) {
      case DescriptorKind::kTeam:
        return "Team";
      case DescriptorKind::kDomain:
        return "Domain";
      case DescriptorKind::kDataProduct:
        return "DataProduct";
      case DescriptorKind::kPolicy:
        return "Policy";
      case DescriptorKind::kWaiver:
        return "Waiver";
    }
    return "";
  }

  // The first resource `d` refers to that this dry run only pretended to
  // create, or "".
  std::string PendingDependency(const Descriptor& d) const {
    std::vector<std::string> refs;
    if (d.kind == DescriptorKind::kDomain) {
      refs = {d.domain.owner_team(), d.domain.parent()};
    } else if (d.kind == DescriptorKind::kDataProduct) {
      const v1::DataProduct& p = d.data_product;
      refs = {p.owner_team(),
              p.name().substr(0, p.name().find("/dataProducts/"))};
      for (const v1::InputPort& in : p.input_ports()) {
        refs.push_back(
            in.source().substr(0, in.source().find("/outputPorts/")));
      }
    } else if (d.kind == DescriptorKind::kPolicy) {
      refs = {d.parent, d.policy.owner()};
    } else if (d.kind == DescriptorKind::kWaiver) {
      refs = {d.parent, d.waiver.resource()};
    }
    for (const std::string& ref : refs) {
      if (!ref.empty() && pending_.count(ref) > 0) {
        return ref;
      }
    }
    return "";
  }

  int Fail(const Descriptor& d, const grpc::Status& status) {
    env_.err() << d.Ref() << " (" << d.location << "):\n";
    return env_.Fail(status);
  }

  void Report(const Descriptor& d, const std::string& kind,
              const std::string& name, const std::string& action,
              const std::string& lifecycle = "") {
    if (env_.dry_run() && action.rfind("created", 0) == 0) {
      pending_.insert(name);
    }
    outcomes_.push_back({kind, name, action, lifecycle});
    if (env_.format() == Format::kTable) {
      env_.out() << d.Ref() << " " << action
                 << (env_.dry_run() && action != "unchanged"
                         ? " (dry run: nothing was changed)"
                         : "")
                 << "\n";
    }
  }

  // An update of `wanted` on the descriptor's update mask, guarded by `etag`
  // (AIP-154): into `*target` and `*mask` of an Update request.
  template <typename Resource>
  static void SetUpdate(const Descriptor& d, const Resource& wanted,
                        const std::string& etag, Resource* target,
                        google::protobuf::FieldMask* mask) {
    *target = wanted;
    target->set_etag(etag);
    for (const std::string& p : d.update_mask) {
      mask->add_paths(p);
    }
  }

  int ApplyTeam(const Descriptor& d) {
    v1::GetTeamRequest get;
    get.set_name(d.team.name());
    v1::Team current;
    grpc::Status status = env_.client().Call(
        env_.client().teams(), &v1::TeamService::Stub::GetTeam, get, &current);
    v1::Team response;
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      v1::CreateTeamRequest request;
      request.set_team_id(d.id);
      *request.mutable_team() = d.team;
      request.mutable_team()->clear_name();
      env_.PrepareWrite(&request);
      status = env_.client().Call(env_.client().teams(),
                                  &v1::TeamService::Stub::CreateTeam, request,
                                  &response);
      if (!status.ok()) return Fail(d, status);
      Report(d, "Team", d.team.name(), "created");
      return kExitOk;
    }
    if (!status.ok()) return Fail(d, status);
    v1::Team a = current;
    v1::Team b = d.team;
    std::sort(a.mutable_members()->begin(), a.mutable_members()->end());
    std::sort(b.mutable_members()->begin(), b.mutable_members()->end());
    if (SameOnMask(&a, &b, d.update_mask)) {
      Report(d, "Team", d.team.name(), "unchanged");
      return kExitOk;
    }
    v1::UpdateTeamRequest request;
    SetUpdate(d, d.team, current.etag(), request.mutable_team(),
              request.mutable_update_mask());
    env_.PrepareWrite(&request);
    status = env_.client().Call(env_.client().teams(),
                                &v1::TeamService::Stub::UpdateTeam, request,
                                &response);
    if (!status.ok()) return Fail(d, status);
    Report(d, "Team", d.team.name(), "configured");
    return kExitOk;
  }

  int ApplyDomain(const Descriptor& d) {
    v1::GetDomainRequest get;
    get.set_name(d.domain.name());
    v1::Domain current;
    grpc::Status status =
        env_.client().Call(env_.client().domains(),
                           &v1::DomainService::Stub::GetDomain, get, &current);
    v1::Domain response;
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      v1::CreateDomainRequest request;
      request.set_domain_id(d.id);
      *request.mutable_domain() = d.domain;
      request.mutable_domain()->clear_name();
      env_.PrepareWrite(&request);
      status = env_.client().Call(env_.client().domains(),
                                  &v1::DomainService::Stub::CreateDomain,
                                  request, &response);
      if (!status.ok()) return Fail(d, status);
      PrintWarnings(response.warnings(), d.Ref(), env_.err());
      Report(d, "Domain", d.domain.name(), "created");
      return kExitOk;
    }
    if (!status.ok()) return Fail(d, status);
    v1::Domain a = current;
    v1::Domain b = d.domain;
    if (SameOnMask(&a, &b, d.update_mask)) {
      Report(d, "Domain", d.domain.name(), "unchanged");
      return kExitOk;
    }
    v1::UpdateDomainRequest request;
    SetUpdate(d, d.domain, current.etag(), request.mutable_domain(),
              request.mutable_update_mask());
    env_.PrepareWrite(&request);
    status = env_.client().Call(env_.client().domains(),
                                &v1::DomainService::Stub::UpdateDomain, request,
                                &response);
    if (!status.ok()) return Fail(d, status);
    PrintWarnings(response.warnings(), d.Ref(), env_.err());
    Report(d, "Domain", d.domain.name(), "configured");
    return kExitOk;
  }

  // The output port that promises `contract_id`: first among the documents
  // being applied, then in the registry (read once, all pages).
  grpc::Status FindContract(const std::string& contract_id,
                            const std::vector<Descriptor>& all,
                            std::string* port_name) {
    for (const Descriptor& other : all) {
      for (const v1::OutputPort& port : other.data_product.output_ports()) {
        if (other.kind == DescriptorKind::kDataProduct &&
            port.contract() == contract_id) {
          *port_name = absl::StrCat(other.data_product.name(), "/outputPorts/",
                                    port.id());
          return grpc::Status::OK;
        }
      }
    }
    if (!registry_loaded_) {
      v1::ListDataProductsRequest request;
      request.set_parent("domains/-");
      request.set_page_size(1000);
      v1::ListDataProductsResponse merged;
      grpc::Status status = FetchPages(
          env_.client(), env_.client().products(),
          &v1::DataProductService::Stub::ListDataProducts, request, EveryPage(),
          &v1::ListDataProductsResponse::mutable_data_products, &merged);
      if (!status.ok()) return status;
      for (const v1::DataProduct& p : merged.data_products()) {
        for (const v1::OutputPort& port : p.output_ports()) {
          if (!port.contract().empty()) {
            contracts_.emplace(
                port.contract(),
                absl::StrCat(p.name(), "/outputPorts/", port.id()));
          }
        }
      }
      registry_loaded_ = true;
    }
    auto it = contracts_.find(contract_id);
    if (it != contracts_.end()) *port_name = it->second;
    return grpc::Status::OK;
  }

  int ApplyProduct(const Descriptor& d, const std::vector<Descriptor>& all) {
    v1::DataProduct desired = d.data_product;
    for (const ContractInput& in : d.contract_inputs) {
      if (in.contract_id.empty()) {
        // ODPS 1.1 makes contractId optional; without it nothing says which
        // output port the product reads.
        env_.err() << "warning: " << d.Ref() << ": input port " << in.port_id
                   << " (" << in.location
                   << ") names no contractId; left out of the lineage\n";
        continue;
      }
      std::string source;
      grpc::Status status = FindContract(in.contract_id, all, &source);
      if (!status.ok()) return Fail(d, status);
      if (source.empty() ||
          absl::StartsWith(source, desired.name() + "/outputPorts/")) {
        env_.err() << "warning: " << d.Ref() << ": input port " << in.port_id
                   << " (" << in.location
                   << "): no output port in the registry promises contract "
                   << in.contract_id << "; left out of the lineage\n";
        continue;
      }
      v1::InputPort* port = desired.add_input_ports();
      port->set_id(in.port_id);
      port->set_source(source);
      port->set_description(absl::StrCat("contract ", in.contract_id));
      port->set_deprecated(in.deprecated);
    }

    v1::GetDataProductRequest get;
    get.set_name(desired.name());
    v1::DataProduct current;
    grpc::Status status = env_.client().Call(
        env_.client().products(), &v1::DataProductService::Stub::GetDataProduct,
        get, &current);
    bool exists = status.ok();
    if (!exists && status.error_code() != grpc::StatusCode::NOT_FOUND) {
      return Fail(d, status);
    }
    std::string action = exists ? "configured" : "created";
    v1::DataProduct result = current;
    bool changed = true;
    if (exists) {
      v1::DataProduct a = current;
      v1::DataProduct b = desired;
      // Output-only fields are not part of the desired state.
      for (auto& port : *a.mutable_output_ports()) {
        port.clear_name();
        port.clear_service_level_status();
      }
      std::sort(a.mutable_tags()->begin(), a.mutable_tags()->end());
      std::sort(b.mutable_tags()->begin(), b.mutable_tags()->end());
      changed = !SameOnMask(&a, &b, d.update_mask);
      if (!changed) action = "unchanged";
    }
    if (changed) {
      // AIP-134: UpdateDataProduct with allow_missing creates the product
      // when it is absent, so one call serves both paths.
      v1::UpdateDataProductRequest request;
      *request.mutable_data_product() = desired;
      if (exists) request.mutable_data_product()->set_etag(current.etag());
      for (const std::string& p : d.update_mask) {
        request.mutable_update_mask()->add_paths(p);
      }
      request.set_allow_missing(true);
      env_.PrepareWrite(&request);
      status = env_.client().Call(
          env_.client().products(),
          &v1::DataProductService::Stub::UpdateDataProduct, request, &result);
      if (!status.ok()) return Fail(d, status);
      PrintWarnings(result.warnings(), d.Ref(), env_.err());
    }
    std::string lifecycle;
    if (d.lifecycle != v1::LIFECYCLE_UNSPECIFIED) {
      v1::Lifecycle now =
          exists || !env_.dry_run() ? result.lifecycle() : v1::LIFECYCLE_DRAFT;
      if (now == v1::LIFECYCLE_UNSPECIFIED) now = v1::LIFECYCLE_DRAFT;
      int rc = MoveLifecycle(d, desired.name(), now, d.lifecycle, &lifecycle);
      if (rc != kExitOk) return rc;
      if (!lifecycle.empty() && action == "unchanged") action = "configured";
    }
    Report(d, "DataProduct", desired.name(),
           lifecycle.empty() ? action : absl::StrCat(action, ", ", lifecycle),
           lifecycle);
    return kExitOk;
  }

  // Walks the lifecycle from `now` to `target` through Publish, Deprecate and
  // Retire. A target behind `now` (e.g. draft for a published product) is
  // only warned about: lifecycles do not go back.
  int MoveLifecycle(const Descriptor& d, const std::string& name,
                    v1::Lifecycle now, v1::Lifecycle target,
                    std::string* done) {
    auto rank = [](v1::Lifecycle l) {
      switch (l) {
        case v1::LIFECYCLE_PUBLISHED:
          return 1;
        case v1::LIFECYCLE_DEPRECATED:
          return 2;
        case v1::LIFECYCLE_RETIRED:
          return 3;
        default:
          return 0;
      }
    };
    if (now == target) return kExitOk;
    if (rank(target) < rank(now)) {
      env_.err() << "warning: " << d.Ref() << " is " << LifecycleName(now)
                 << "; the descriptor asks for " << LifecycleName(target)
                 << ", which is behind it: lifecycles only move forward\n";
      return kExitOk;
    }
    std::vector<v1::Lifecycle> steps;
    if (target == v1::LIFECYCLE_RETIRED) {
      if (now == v1::LIFECYCLE_PUBLISHED)
        steps.push_back(v1::LIFECYCLE_DEPRECATED);
      steps.push_back(v1::LIFECYCLE_RETIRED);
    } else {
      if (now == v1::LIFECYCLE_DRAFT) steps.push_back(v1::LIFECYCLE_PUBLISHED);
      if (target == v1::LIFECYCLE_DEPRECATED) {
        steps.push_back(v1::LIFECYCLE_DEPRECATED);
      }
    }
    if (env_.dry_run()) {
      // The product may not exist yet; the transitions cannot be checked
      // without writing it, so say what would happen.
      *done = absl::StrCat("would be ", LifecycleName(target));
      return kExitOk;
    }
    for (v1::Lifecycle step : steps) {
      v1::DataProduct response;
      grpc::Status status;
      if (step == v1::LIFECYCLE_PUBLISHED) {
        v1::PublishDataProductRequest request;
        request.set_name(name);
        request.set_request_id(env_.NextRequestId());
        status = env_.client().Call(
            env_.client().products(),
            &v1::DataProductService::Stub::PublishDataProduct, request,
            &response);
      } else if (step == v1::LIFECYCLE_DEPRECATED) {
        v1::DeprecateDataProductRequest request;
        request.set_name(name);
        request.set_request_id(env_.NextRequestId());
        status = env_.client().Call(
            env_.client().products(),
            &v1::DataProductService::Stub::DeprecateDataProduct, request,
            &response);
      } else {
        v1::RetireDataProductRequest request;
        request.set_name(name);
        request.set_request_id(env_.NextRequestId());
        status =
            env_.client().Call(env_.client().products(),
                               &v1::DataProductService::Stub::RetireDataProduct,
                               request, &response);
      }
      if (!status.ok()) return Fail(d, status);
      PrintWarnings(response.warnings(), d.Ref(), env_.err());
    }
    *done = LifecycleName(target);
    return kExitOk;
  }

  // Declarative: create when absent, else update every field of the file
  // (update_mask = Descriptor::update_mask) guarded by the etag just read.
  int ApplyPolicy(const Descriptor& d) {
    v1::GetPolicyRequest get;
    get.set_name(d.policy.name());
    v1::Policy current;
    grpc::Status status =
        env_.client().Call(env_.client().policies(),
                           &v1::PolicyService::Stub::GetPolicy, get, &current);
    v1::Policy response;
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      v1::CreatePolicyRequest request;
      request.set_parent(d.parent);
      request.set_policy_id(d.id);
      *request.mutable_policy() = d.policy;
      request.mutable_policy()->clear_name();
      env_.PrepareWrite(&request);
      status = env_.client().Call(env_.client().policies(),
                                  &v1::PolicyService::Stub::CreatePolicy,
                                  request, &response);
      if (!status.ok()) return Fail(d, status);
      Report(d, "Policy", d.policy.name(), "created");
      return kExitOk;
    }
    if (!status.ok()) return Fail(d, status);
    v1::Policy a = current;
    v1::Policy b = d.policy;
    // The server's defaults, so that a file that leaves them out matches.
    if (!a.has_waivable()) a.set_waivable(true);
    if (a.enforcement() == v1::POLICY_ENFORCEMENT_UNSPECIFIED) {
      a.set_enforcement(v1::POLICY_ENFORCEMENT_ENFORCED);
    }
    if (SameOnMask(&a, &b, d.update_mask)) {
      Report(d, "Policy", d.policy.name(), "unchanged");
      return kExitOk;
    }
    v1::UpdatePolicyRequest request;
    SetUpdate(d, d.policy, current.etag(), request.mutable_policy(),
              request.mutable_update_mask());
    env_.PrepareWrite(&request);
    status = env_.client().Call(env_.client().policies(),
                                &v1::PolicyService::Stub::UpdatePolicy, request,
                                &response);
    if (!status.ok()) return Fail(d, status);
    Report(d, "Policy", d.policy.name(), "updated");
    return kExitOk;
  }

  // Waivers cannot be updated (an exemption is granted as a whole): an
  // existing one with the same values is unchanged, one with other values
  // is refused rather than silently withdrawn and granted again.
  int ApplyWaiver(const Descriptor& d) {
    v1::ListWaiversRequest list;
    list.set_parent(d.parent);
    list.set_page_size(1000);
    list.set_show_expired(true);
    v1::ListWaiversResponse all;
    grpc::Status status =
        FetchPages(env_.client(), env_.client().policies(),
                   &v1::PolicyService::Stub::ListWaivers, list, EveryPage(),
                   &v1::ListWaiversResponse::mutable_waivers, &all);
    if (!status.ok()) return Fail(d, status);
    for (const v1::Waiver& current : all.waivers()) {
      if (current.name() != d.waiver.name()) continue;
      if (current.resource() == d.waiver.resource() &&
          current.reason() == d.waiver.reason() &&
          MessageDifferencer::Equals(current.expire_time(),
                                     d.waiver.expire_time())) {
        Report(d, "Waiver", d.waiver.name(), "unchanged");
        return kExitOk;
      }
      env_.err() << "error: " << d.Ref() << " (" << d.location << "): waiver "
                 << d.waiver.name()
                 << " exists with another resource, reason or expiry, and "
                    "waivers cannot be changed: withdraw it with 'meshplane "
                    "policy unwaive "
                 << d.waiver.name() << "' and apply again\n";
      return kExitRefused;
    }
    v1::CreateWaiverRequest request;
    request.set_parent(d.parent);
    request.set_waiver_id(d.id);
    *request.mutable_waiver() = d.waiver;
    request.mutable_waiver()->clear_name();
    env_.PrepareWrite(&request);
    v1::Waiver response;
    status = env_.client().Call(env_.client().policies(),
                                &v1::PolicyService::Stub::CreateWaiver, request,
                                &response);
    if (!status.ok()) return Fail(d, status);
    Report(d, "Waiver", d.waiver.name(), "created");
    return kExitOk;
  }

  Env& env_;
  std::vector<Outcome> outcomes_;
  bool registry_loaded_ = false;
  std::set<std::string> pending_;  // created only in a dry run
  std::map<std::string, std::string> contracts_;
};

// A directory stands for its *.yaml and *.yml files (not its
// subdirectories: a policy library keeps its tests in one), sorted.
std::vector<std::string> ExpandDirectories(
    const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (path == "-" || !std::filesystem::is_directory(path, ec)) {
      out.push_back(path);
      continue;
    }
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
      std::string ext = entry.path().extension().string();
      if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
        files.push_back(entry.path().string());
      }
    }
    std::sort(files.begin(), files.end());
    out.insert(out.end(), files.begin(), files.end());
  }
  return out;
}

}  // namespace

int RunApplyFiles(Env& env, const ParsedArgs& args, bool policies_only) {
  std::vector<std::string> files = args.GetAll("filename");
  if (files.empty()) {
    return env.Usage(absl::StrCat("-f FILE is required (see 'meshplane ",
                                  policies_only ? "policy apply" : "apply",
                                  " --help')"));
  }
  DescriptorDefaults defaults;
  defaults.domain = args.Get("domain");
  defaults.owner_team = args.Get("owner-team");
  if (!defaults.domain.empty() && !IsValidId(defaults.domain)) {
    return env.Usage(
        absl::StrCat("--domain ", defaults.domain, ": not a valid domain id"));
  }
  std::vector<Descriptor> descriptors;
  std::vector<DescriptorError> errors;
  files = ExpandDirectories(files);
  for (const std::string& file : files) {
    std::stringstream text;
    if (file == "-") {
      text << std::cin.rdbuf();
    } else {
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        return env.Usage(
            absl::StrCat("cannot read ", file, ": ", std::strerror(errno)));
      }
      text << in.rdbuf();
    }
    ParseResult parsed =
        ParseDescriptors(text.str(), file == "-" ? "<stdin>" : file, defaults);
    for (Descriptor& d : parsed.descriptors) {
      if (policies_only && d.kind != DescriptorKind::kPolicy &&
          d.kind != DescriptorKind::kWaiver) {
        errors.push_back({d.location, "kind",
                          absl::StrCat(d.Ref(),
                                       ": policy apply takes only Policy and "
                                       "Waiver documents (use 'meshplane "
                                       "apply' for the others)")});
        continue;
      }
      descriptors.push_back(std::move(d));
    }
    for (DescriptorError& e : parsed.errors) {
      errors.push_back(std::move(e));
    }
  }
  if (!errors.empty()) {
    for (const DescriptorError& e : errors) {
      env.err() << "error: " << e.ToString() << "\n";
    }
    env.err() << "nothing was applied\n";
    return kExitUsage;
  }
  if (descriptors.empty()) {
    return env.Usage("no documents to apply");
  }
  std::vector<Descriptor> ordered = OrderForApply(std::move(descriptors));
  Applier applier(env);
  int rc = kExitOk;
  for (const Descriptor& d : ordered) {
    rc = applier.Apply(d, ordered);
    if (rc != kExitOk) {
      break;
    }
  }
  if (env.format() != Format::kTable) {
    nlohmann::json results = nlohmann::json::array();
    for (const Outcome& o : applier.outcomes()) {
      nlohmann::json item = {
          {"kind", o.kind}, {"name", o.name}, {"action", o.action}};
      if (!o.lifecycle.empty()) item["lifecycle"] = o.lifecycle;
      results.push_back(item);
    }
    nlohmann::json doc = {{"results", results}, {"dry_run", env.dry_run()}};
    if (env.format() == Format::kJson) {
      env.out() << doc.dump(2) << "\n";
    } else {
      auto yaml = JsonToYaml(doc.dump());
      env.out() << (yaml.ok() ? *yaml : doc.dump(2) + "\n");
    }
  }
  return rc;
}

namespace {

int RunApply(Env& env, const ParsedArgs& args) {
  return RunApplyFiles(env, args, /*policies_only=*/false);
}

Command ApplyCommand(std::vector<std::string> path) {
  return {std::move(path),
          "-f FILE",
          "create or update the teams, domains, data products, policies and "
          "waivers of descriptor files",
          "Reads Meshplane descriptors (apiVersion meshplane.dev/v1; kinds "
          "Team, Domain, DataProduct, Policy, Waiver) and ODPS data products "
          "(apiVersion v0.9.0/v1.0.0), several per file separated by ---. "
          "Applies teams, then domains (parents first), then policies and "
          "waivers, then data products (sources before their consumers). "
          "Unchanged resources are left alone. Stops at the first refused "
          "document. See docs/descriptors.md and docs/governance.md.",
          {{"filename", 'f', true, true, "FILE",
            "descriptor file or directory (its *.yaml), or - for stdin"},
           {"domain", 0, true, false, "DOMAIN",
            "domain of ODPS products that name none"},
           {"owner-team", 0, true, false, "TEAM",
            "owner of ODPS products that name no team"}},
          0,
          0,
          {"meshplane apply -f examples/demo/mesh.yaml",
           "meshplane product apply -f orders.yaml --dry-run",
           "meshplane apply -f product.odps.yaml --domain sales --owner-team "
           "sales-eng"},
          RunApply};
}

}  // namespace

void RegisterApplyCommands(std::vector<Command>* commands) {
  commands->push_back(ApplyCommand({"apply"}));
  commands->push_back(ApplyCommand({"product", "apply"}));
}

}  // namespace meshplane::cli
