// meshplane product get|list|delete|lineage|publish|deprecate|retire
// (product apply lives in apply.cc).
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands/commands.h"
#include "cli/descriptor.h"
#include "cli/filter.h"
#include "cli/odps_export.h"
#include "cli/render.h"
#include "cli/util.h"
#include <google/protobuf/empty.pb.h>
#include <google/protobuf/util/time_util.h>

namespace meshplane::cli {

namespace v1 = ::meshplane::v1;

namespace {

FlagSpec DomainFlag() {
  return {"domain", 0,        true,
          false,    "DOMAIN", "the domain, when PRODUCT is given without one"};
}

const char kProductArgs[] = "PRODUCT";
const char kProductHelp[] =
    "PRODUCT is DOMAIN/ID (sales/orders), a full name "
    "(domains/sales/dataProducts/orders), or ID with --domain.";

// `get -o odps`: the stored ODPS document while it still describes the
// product, else one generated from the product (docs/descriptors.md#odps).
int PrintOdps(Env& env, const v1::DataProduct& product) {
  if (OdpsDocumentCurrent(product)) {
    env.out() << product.odps_document();
    return kExitOk;
  }
  // ODPS names the contract an input port reads, not the port: each
  // source product is read once for the contract its port promises.
  std::map<std::string, std::string> contracts;
  std::map<std::string, v1::DataProduct> sources;
  for (const v1::InputPort& in : product.input_ports()) {
    const std::string source_product =
        in.source().substr(0, in.source().find("/outputPorts/"));
    auto it = sources.find(source_product);
    if (it == sources.end()) {
      v1::GetDataProductRequest request;
      request.set_name(source_product);
      v1::DataProduct source;
      grpc::Status status = env.client().Call(
          env.client().products(),
          &v1::DataProductService::Stub::GetDataProduct, request, &source);
      if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND) {
        return env.Fail(status);
      }
      it = sources.emplace(source_product, std::move(source)).first;
    }
    for (const v1::OutputPort& port : it->second.output_ports()) {
      if (absl::StrCat(source_product, "/outputPorts/", port.id()) ==
          in.source()) {
        contracts[in.source()] = port.contract();
      }
    }
  }
  OdpsExport odps = ExportOdps(product, contracts);
  env.out() << odps.text;
  if (!product.odps_document().empty()) {
    env.err() << "note: the product has changed since its ODPS document was "
                 "applied; this one is generated from the product\n";
  }
  if (!odps.dropped.empty()) {
    env.err() << "note: ODPS has no place for: "
              << absl::StrJoin(odps.dropped, ", ") << "\n";
  }
  return kExitOk;
}

int Get(Env& env, const ParsedArgs& args) {
  v1::DataProduct response;
  if (int rc = GetProductArg(env, args, &response); rc != kExitOk) return rc;
  if (args.Has("output") && args.Get("output") == "odps") {
    return PrintOdps(env, response);
  }
  return ShowDescriptors(
      env, {ProductDescriptor(response)}, false, "",
      [&](std::ostream& out) { RenderProduct(response, out); });
}

int List(Env& env, const ParsedArgs& args) {
  auto page_size = PageSize(args);
  if (!page_size.ok()) return env.Usage(page_size.status());
  ProductFilterOptions options;
  options.owner_team = args.Get("owner-team");
  options.lifecycle = args.Get("lifecycle");
  options.tags = args.GetAll("tag");
  options.search = args.Get("search");
  auto filter = BuildProductFilter(options);
  if (!filter.ok()) return env.Usage(filter.status());
  std::string full_filter = *filter;
  if (args.Has("filter")) {
    full_filter = full_filter.empty()
                      ? args.Get("filter")
                      : absl::StrCat(full_filter, " AND ", args.Get("filter"));
  }
  if (args.Has("include-subdomains") && !args.Has("domain")) {
    return env.Usage("--include-subdomains needs --domain");
  }
  v1::ListDataProductsRequest request;
  request.set_parent(args.Has("domain") ? DomainName(args.Get("domain"))
                                        : "domains/-");
  request.set_include_subdomains(args.Has("include-subdomains"));
  request.set_page_size(*page_size);
  request.set_filter(full_filter);
  return ShowDescriptorList(
      env, PagesOf(args), env.client().products(),
      &v1::DataProductService::Stub::ListDataProducts, request,
      &v1::ListDataProductsResponse::mutable_data_products, ProductDescriptor,
      RenderProducts);
}

int Delete(Env& env, const ParsedArgs& args) {
  auto name = ProductName(args.positional()[0], args.Get("domain"));
  if (!name.ok()) return env.Usage(name.status());
  v1::DeleteDataProductRequest request;
  request.set_name(*name);
  request.set_etag(args.Get("etag"));
  return SendWrite(env, env.client().products(),
                   &v1::DataProductService::Stub::DeleteDataProduct, request,
                   absl::StrCat("dataProduct/", ShortProductName(*name)),
                   "deleted");
}

int Lineage(Env& env, const ParsedArgs& args) {
  auto name = ProductName(args.positional()[0], args.Get("domain"));
  if (!name.ok()) return env.Usage(name.status());
  v1::GetLineageRequest request;
  request.set_name(*name);
  std::string direction = absl::AsciiStrToLower(args.Get("direction", "both"));
  if (direction == "upstream" || direction == "up") {
    request.set_direction(v1::LINEAGE_DIRECTION_UPSTREAM);
  } else if (direction == "downstream" || direction == "down") {
    request.set_direction(v1::LINEAGE_DIRECTION_DOWNSTREAM);
  } else if (direction == "both") {
    request.set_direction(v1::LINEAGE_DIRECTION_BOTH);
  } else {
    return env.Usage(absl::StrCat("--direction ", direction,
                                  ": expected upstream, downstream or both"));
  }
  if (args.Has("depth")) {
    int depth = 0;
    if (!absl::SimpleAtoi(args.Get("depth"), &depth) || depth < 1 ||
        depth > 10) {
      return env.Usage(absl::StrCat("--depth ", args.Get("depth"),
                                    ": expected an integer from 1 to 10"));
    }
    request.set_depth(depth);
  }
  v1::GetLineageResponse response;
  grpc::Status status = env.client().Call(
      env.client().products(), &v1::DataProductService::Stub::GetLineage,
      request, &response);
  if (!status.ok()) return env.Fail(status);
  return Show(env, response,
              [&](std::ostream& out) { RenderLineage(response, out); });
}

enum class Transition { kPublish, kDeprecate, kRetire };

int Lifecycle(Env& env, const ParsedArgs& args, Transition transition) {
  auto name = ProductName(args.positional()[0], args.Get("domain"));
  if (!name.ok()) return env.Usage(name.status());
  v1::DataProduct response;
  // Every transition names the product and may guard it with --etag.
  auto send = [&](auto& request, auto rpc) {
    request.set_name(*name);
    request.set_etag(args.Get("etag"));
    env.PrepareWrite(&request);
    return env.client().Call(env.client().products(), rpc, request, &response);
  };
  grpc::Status status;
  std::string done;
  switch (transition) {
    case Transition::kPublish: {
      v1::PublishDataProductRequest request;
      status = send(request, &v1::DataProductService::Stub::PublishDataProduct);
      done = "published";
      break;
    }
    case Transition::kDeprecate: {
      v1::DeprecateDataProductRequest request;
      if (args.Has("sunset") && args.Has("sunset-in")) {
        return env.Usage("--sunset and --sunset-in exclude each other");
      }
      if (args.Has("sunset")) {
        auto t = ParseTime(args.Get("sunset"));
        if (!t.ok()) {
          return env.Usage(absl::StrCat("--sunset: ", t.status().message()));
        }
        *request.mutable_sunset_time() =
            google::protobuf::util::TimeUtil::SecondsToTimestamp(
                absl::ToUnixSeconds(*t));
      } else if (args.Has("sunset-in")) {
        auto d = ParseDuration(args.Get("sunset-in"));
        if (!d.ok()) {
          return env.Usage(absl::StrCat("--sunset-in: ", d.status().message()));
        }
        *request.mutable_sunset_time() =
            google::protobuf::util::TimeUtil::SecondsToTimestamp(
                absl::ToUnixSeconds(absl::Now() + *d));
      }
      status =
          send(request, &v1::DataProductService::Stub::DeprecateDataProduct);
      done = "deprecated";
      break;
    }
    case Transition::kRetire: {
      v1::RetireDataProductRequest request;
      status = send(request, &v1::DataProductService::Stub::RetireDataProduct);
      done = "retired";
      break;
    }
  }
  if (!status.ok()) return env.Fail(status);
  int rc =
      ShowWrite(env, response,
                absl::StrCat("dataProduct/", ShortProductName(*name)), done);
  // On stderr whatever the format: stdout stays a clean JSON/YAML document.
  PrintWarnings(response.warnings(), "", env.err());
  return rc;
}

}  // namespace

int GetProductArg(Env& env, const ParsedArgs& args, v1::DataProduct* product) {
  auto name = ProductName(args.positional()[0], args.Get("domain"));
  if (!name.ok()) return env.Usage(name.status());
  v1::GetDataProductRequest request;
  request.set_name(*name);
  grpc::Status status = env.client().Call(
      env.client().products(), &v1::DataProductService::Stub::GetDataProduct,
      request, product);
  if (!status.ok()) return env.Fail(status);
  return kExitOk;
}

void RegisterProductCommands(std::vector<Command>* commands) {
  commands->push_back({{"product", "get"},
                       kProductArgs,
                       "show a data product with its ports",
                       kProductHelp,
                       {DomainFlag()},
                       1,
                       1,
                       {"meshplane product get sales/orders",
                        "meshplane product get orders --domain sales -o json",
                        "meshplane product get sales/customer -o odps"},
                       Get,
                       {"odps"}});
  commands->push_back(
      {{"product", "list"},
       "",
       "list and search data products",
       "The flags become an AIP-160 filter, joined with AND.",
       {{"domain", 0, true, false, "DOMAIN", "only products of DOMAIN"},
        {"include-subdomains", 0, false, false, "",
         "with --domain: also the products of its subdomains"},
        {"owner-team", 0, true, false, "TEAM", "only products TEAM owns"},
        {"lifecycle", 0, true, false, "STATE",
         "draft, published, deprecated or retired"},
        {"tag", 0, true, false, "TAG", "only products with this tag"},
        {"search", 0, true, false, "TEXT",
         "full-text search in names, descriptions and tags"},
        {"filter", 0, true, false, "AIP160",
         "a raw filter, ANDed with the others"},
        PageSizeFlag(),
        PageTokenFlag(),
        AllPagesFlag()},
       0,
       0,
       {"meshplane product list --domain sales --include-subdomains",
        "meshplane product list --lifecycle published --tag pii --all",
        "meshplane product list --search \"customer orders\" -o json"},
       List});
  commands->push_back({{"product", "delete"},
                       kProductArgs,
                       "delete a data product that no other product reads",
                       kProductHelp,
                       {DomainFlag(), EtagFlag()},
                       1,
                       1,
                       {"meshplane product delete sales/orders"},
                       Delete});
  commands->push_back(
      {{"product", "lineage"},
       kProductArgs,
       "show the products upstream and downstream of one",
       kProductHelp,
       {DomainFlag(),
        {"direction", 0, true, false, "DIR",
         "upstream, downstream or both (default both)"},
        {"depth", 0, true, false, "N", "hops to follow, 1-10 (default 1)"}},
       1,
       1,
       {"meshplane product lineage sales/orders --direction downstream "
        "--depth 3"},
       Lineage});
  commands->push_back({{"product", "publish"},
                       kProductArgs,
                       "move a product from draft (or deprecated) to published",
                       kProductHelp,
                       {DomainFlag(), EtagFlag()},
                       1,
                       1,
                       {"meshplane product publish sales/orders"},
                       [](Env& env, const ParsedArgs& args) {
                         return Lifecycle(env, args, Transition::kPublish);
                       }});
  commands->push_back(
      {{"product", "deprecate"},
       kProductArgs,
       "move a published product to deprecated",
       kProductHelp,
       {DomainFlag(),
        EtagFlag(),
        {"sunset", 0, true, false, "TIME",
         "when it will be retired (2026-12-31 or RFC 3339)"},
        {"sunset-in", 0, true, false, "DURATION",
         "when it will be retired, from now (e.g. 90d)"}},
       1,
       1,
       {"meshplane product deprecate sales/orders --sunset-in 90d"},
       [](Env& env, const ParsedArgs& args) {
         return Lifecycle(env, args, Transition::kDeprecate);
       }});
  commands->push_back({{"product", "retire"},
                       kProductArgs,
                       "move a draft or deprecated product to retired",
                       kProductHelp,
                       {DomainFlag(), EtagFlag()},
                       1,
                       1,
                       {"meshplane product retire sales/orders"},
                       [](Env& env, const ParsedArgs& args) {
                         return Lifecycle(env, args, Transition::kRetire);
                       }});
}

}  // namespace meshplane::cli
