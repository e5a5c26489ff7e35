// meshplane domain create|get|list|update|delete
#include "absl/strings/str_cat.h"
#include "cli/commands/commands.h"
#include "cli/descriptor.h"
#include "cli/filter.h"
#include "cli/render.h"
#include "cli/util.h"
#include <google/protobuf/empty.pb.h>

namespace meshplane::cli {

namespace v1 = ::meshplane::v1;

namespace {

int SetLabels(Env& env, const ParsedArgs& args,
              google::protobuf::Map<std::string, std::string>* labels) {
  for (const std::string& text : args.GetAll("label")) {
    auto label = ParseLabel(text);
    if (!label.ok()) {
      return env.Usage(label.status());
    }
    (*labels)[label->first] = label->second;
  }
  return kExitOk;
}

int Create(Env& env, const ParsedArgs& args) {
  v1::CreateDomainRequest request;
  request.set_domain_id(args.positional()[0]);
  v1::Domain* domain = request.mutable_domain();
  domain->set_owner_team(TeamName(args.Get("owner-team")));
  if (args.Has("parent")) domain->set_parent(DomainName(args.Get("parent")));
  domain->set_display_name(args.Get("display-name"));
  domain->set_description(args.Get("description"));
  if (int rc = SetLabels(env, args, domain->mutable_labels()); rc != 0) {
    return rc;
  }
  env.PrepareWrite(&request);
  v1::Domain response;
  grpc::Status status = env.client().Call(
      env.client().domains(), &v1::DomainService::Stub::CreateDomain, request,
      &response);
  if (!status.ok()) return env.Fail(status);
  PrintWarnings(response.warnings(), "", env.err());
  return ShowWrite(env, response, absl::StrCat("domain/", request.domain_id()),
                   "created");
}

int Get(Env& env, const ParsedArgs& args) {
  v1::GetDomainRequest request;
  request.set_name(DomainName(args.positional()[0]));
  return ShowDescriptorGet(env, env.client().domains(),
                           &v1::DomainService::Stub::GetDomain, request,
                           DomainDescriptor, RenderDomain);
}

int List(Env& env, const ParsedArgs& args) {
  auto page_size = PageSize(args);
  if (!page_size.ok()) return env.Usage(page_size.status());
  if (args.Has("parent") && args.Has("top-level")) {
    return env.Usage("--parent and --top-level exclude each other");
  }
  v1::ListDomainsRequest request;
  request.set_page_size(*page_size);
  request.set_filter(BuildDomainFilter(
      args.Get("parent"), args.Has("top-level"), args.Get("owner-team")));
  return ShowDescriptorList(env, PagesOf(args), env.client().domains(),
                            &v1::DomainService::Stub::ListDomains, request,
                            &v1::ListDomainsResponse::mutable_domains,
                            DomainDescriptor, RenderDomains);
}

int Update(Env& env, const ParsedArgs& args) {
  const std::string name = DomainName(args.positional()[0]);
  if (!args.Has("display-name") && !args.Has("description") &&
      !args.Has("owner-team") && !args.Has("parent") && !args.Has("label") &&
      !args.Has("remove-label")) {
    return env.Usage(
        "nothing to update: give --display-name, --description, "
        "--owner-team, --parent, --label or --remove-label");
  }
  // Labels merge into the current ones, so read the domain first; its etag
  // then guards the update against a concurrent change (AIP-154).
  v1::Domain current;
  v1::GetDomainRequest get;
  get.set_name(name);
  grpc::Status status =
      env.client().Call(env.client().domains(),
                        &v1::DomainService::Stub::GetDomain, get, &current);
  if (!status.ok()) return env.Fail(status);

  v1::UpdateDomainRequest request;
  v1::Domain* domain = request.mutable_domain();
  domain->set_name(name);
  domain->set_etag(args.Get("etag", current.etag()));
  auto* mask = request.mutable_update_mask();
  if (args.Has("display-name")) {
    domain->set_display_name(args.Get("display-name"));
    mask->add_paths("display_name");
  }
  if (args.Has("description")) {
    domain->set_description(args.Get("description"));
    mask->add_paths("description");
  }
  if (args.Has("owner-team")) {
    domain->set_owner_team(TeamName(args.Get("owner-team")));
    mask->add_paths("owner_team");
  }
  if (args.Has("parent")) {
    const std::string parent = args.Get("parent");
    domain->set_parent(parent.empty() ? "" : DomainName(parent));
    mask->add_paths("parent");
  }
  if (args.Has("label") || args.Has("remove-label")) {
    *domain->mutable_labels() = current.labels();
    if (int rc = SetLabels(env, args, domain->mutable_labels()); rc != 0) {
      return rc;
    }
    for (const std::string& key : args.GetAll("remove-label")) {
      domain->mutable_labels()->erase(key);
    }
    mask->add_paths("labels");
  }
  env.PrepareWrite(&request);
  v1::Domain response;
  status = env.client().Call(env.client().domains(),
                             &v1::DomainService::Stub::UpdateDomain, request,
                             &response);
  if (!status.ok()) return env.Fail(status);
  PrintWarnings(response.warnings(), "", env.err());
  return ShowWrite(env, response, absl::StrCat("domain/", LastSegment(name)),
                   "updated");
}

int Delete(Env& env, const ParsedArgs& args) {
  v1::DeleteDomainRequest request;
  request.set_name(DomainName(args.positional()[0]));
  request.set_etag(args.Get("etag"));
  return SendWrite(
      env, env.client().domains(), &v1::DomainService::Stub::DeleteDomain,
      request, absl::StrCat("domain/", LastSegment(request.name())), "deleted");
}

FlagSpec LabelFlag() {
  return {"label", 0, true, true, "KEY=VALUE", "a label"};
}

}  // namespace

void RegisterDomainCommands(std::vector<Command>* commands) {
  commands->push_back(
      {{"domain", "create"},
       "ID --owner-team TEAM",
       "create a domain (top-level: platform admins; subdomain: owners of "
       "the parent chain)",
       "",
       {{"owner-team", 0, true, false, "TEAM", "the owning team (required)"},
        {"parent", 0, true, false, "DOMAIN", "the parent domain"},
        {"display-name", 0, true, false, "TEXT", "human-readable name"},
        {"description", 0, true, false, "TEXT", "what the domain covers"},
        LabelFlag()},
       1,
       1,
       {"meshplane domain create sales --owner-team sales-eng "
        "--display-name Sales --label cost-center=cc-42",
        "meshplane domain create sales-emea --parent sales --owner-team "
        "sales-eng"},
       [](Env& env, const ParsedArgs& args) {
         if (!args.Has("owner-team")) {
           return env.Usage(
               "--owner-team is required (see 'meshplane domain create "
               "--help')");
         }
         return Create(env, args);
       }});
  commands->push_back(
      {{"domain", "get"},
       "ID",
       "show a domain",
       "",
       {},
       1,
       1,
       {"meshplane domain get sales", "meshplane domain get sales -o yaml"},
       Get});
  commands->push_back(
      {{"domain", "list"},
       "",
       "list domains, ordered by id",
       "",
       {{"parent", 0, true, false, "DOMAIN", "only subdomains of DOMAIN"},
        {"top-level", 0, false, false, "", "only top-level domains"},
        {"owner-team", 0, true, false, "TEAM", "only domains TEAM owns"},
        PageSizeFlag(),
        PageTokenFlag(),
        AllPagesFlag()},
       0,
       0,
       {"meshplane domain list --all", "meshplane domain list --parent sales"},
       List});
  commands->push_back(
      {{"domain", "update"},
       "ID",
       "change a domain's fields (only those given)",
       "Labels given with --label are merged into the current ones.",
       {{"display-name", 0, true, false, "TEXT", "human-readable name"},
        {"description", 0, true, false, "TEXT", "what the domain covers"},
        {"owner-team", 0, true, false, "TEAM", "the new owning team"},
        {"parent", 0, true, false, "DOMAIN",
         "move under DOMAIN (\"\" for top level)"},
        LabelFlag(),
        {"remove-label", 0, true, true, "KEY", "remove a label"},
        EtagFlag()},
       1,
       1,
       {"meshplane domain update sales --description \"Orders, invoices\" "
        "--label tier=gold"},
       Update});
  commands->push_back({{"domain", "delete"},
                       "ID",
                       "delete a domain without subdomains or products",
                       "",
                       {EtagFlag()},
                       1,
                       1,
                       {"meshplane domain delete sales-emea"},
                       Delete});
}

}  // namespace meshplane::cli
