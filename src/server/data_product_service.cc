// DataProductService: decode, call core::Registry, encode.
#include "server/data_product_service.h"

#include <functional>
#include <memory>
#include <optional>

#include "absl/strings/strip.h"
#include "server/common_codec.h"
#include "server/data_product_codec.h"
#include "server/domain_codec.h"
#include "server/policy_codec.h"
#include "server/slo_codec.h"
#include "server/standard_methods.h"
#include "server/team_codec.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"
#include "meshplane/v1/data_product.grpc.pb.h"

namespace meshplane::server {
namespace {

// The lifecycle custom methods share one shape: name, etag, and for
// Deprecate a sunset time.
template <typename Request>
grpc::Status Transition(const CallRunner& runner, core::Registry& registry,
                        grpc::ServerContext* context, const Request& request,
                        model::Lifecycle target,
                        std::optional<absl::Time> sunset,
                        v1::DataProduct* response) {
  return runner.Run(
      context, request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(model::ProductKey key,
                            ProductKeyFromName("name", request.name()));
        MP_ASSIGN_OR_RETURN(model::DataProduct p,
                            registry.TransitionDataProduct(
                                ctx, key, target, request.etag(), sunset));
        SetWritten(ctx, EncodeDataProduct(p), response);
        return absl::OkStatus();
      });
}

class DataProductServiceImpl final : public v1::DataProductService::Service {
 public:
  DataProductServiceImpl(const CallRunner& runner, core::Registry& registry,
                         core::ServiceLevels* slo = nullptr)
      : runner_(runner), registry_(registry), slo_(slo) {}

  grpc::Status CreateDataProduct(grpc::ServerContext* context,
                                 const v1::CreateDataProductRequest* request,
                                 v1::DataProduct* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          Violations v;
          auto domain_id = DomainIdFromName("parent", request->parent());
          v.AddStatus("parent", domain_id.status());
          v.AddStatus(
              "data_product_id",
              model::ValidateId("data_product_id", request->data_product_id()));
          v1::DataProduct body = request->data_product();
          body.clear_name();  // AIP-133: the name is ignored
          auto product = DecodeDataProduct(body, "data_product");
          v.AddStatus("data_product", product.status());
          MP_RETURN_IF_ERROR(v.ToStatus());
          product->domain_id = *domain_id;
          product->id = request->data_product_id();
          MP_ASSIGN_OR_RETURN(
              model::DataProduct created,
              registry_.CreateDataProduct(ctx, *std::move(product)));
          SetWritten(ctx, EncodeDataProduct(created), response);
          return absl::OkStatus();
        });
  }

  grpc::Status GetDataProduct(grpc::ServerContext* context,
                              const v1::GetDataProductRequest* request,
                              v1::DataProduct* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          MP_ASSIGN_OR_RETURN(model::ProductKey key,
                              ProductKeyFromName("name", request->name()));
          MP_ASSIGN_OR_RETURN(model::DataProduct p,
                              registry_.GetDataProduct(ctx, key));
          *response = EncodeDataProduct(p);
          if (slo_ == nullptr) return absl::OkStatus();
          // Ports are encoded in the product's port order.
          MP_ASSIGN_OR_RETURN(auto statuses, slo_->ProductStatus(ctx, p));
          for (const auto& s : statuses) {
            for (auto& port : *response->mutable_output_ports()) {
              if (port.id() != s.port.port_id) continue;
              *port.mutable_service_level_status() =
                  EncodeServiceLevelStatus(s);
            }
          }
          return absl::OkStatus();
        });
  }

  grpc::Status ListDataProducts(
      grpc::ServerContext* context, const v1::ListDataProductsRequest* request,
      v1::ListDataProductsResponse* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          Violations v;
          core::ProductScope scope;
          scope.include_subdomains = request->include_subdomains();
          // AIP-159: "-" reads across every domain; an empty parent means the
          // same, for convenience.
          if (!request->parent().empty() && request->parent() != "domains/-") {
            auto id = DomainIdFromName("parent", request->parent());
            v.AddStatus("parent", id.status());
            if (id.ok()) {
              scope.domain_id = *id;
            }
          }
          auto query = ListQueryOf(*request);
          v.AddStatus("page_size", query.status());
          MP_RETURN_IF_ERROR(v.ToStatus());
          MP_ASSIGN_OR_RETURN(auto page,
                              registry_.ListDataProducts(ctx, scope, *query));
          return EncodePage(page, response->mutable_data_products(),
                            EncodeDataProduct, response);
        });
  }

  grpc::Status SearchDataProducts(
      grpc::ServerContext* context,
      const v1::SearchDataProductsRequest* request,
      v1::SearchDataProductsResponse* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          Violations v;
          core::ProductSearchQuery q;
          q.text = request->query();
          if (!request->domain().empty()) {
            auto id = DomainIdFromName("domain", request->domain());
            v.AddStatus("domain", id.status());
            if (id.ok()) q.domain_id = *id;
          }
          if (!request->owner_team().empty()) {
            auto id = TeamIdFromName("owner_team", request->owner_team());
            v.AddStatus("owner_team", id.status());
            if (id.ok()) q.owner_team_id = *id;
          }
          if (request->lifecycle() != v1::LIFECYCLE_UNSPECIFIED) {
            q.lifecycle = model::ParseLifecycle(absl::StripPrefix(
                v1::Lifecycle_Name(request->lifecycle()), "LIFECYCLE_"));
            if (!q.lifecycle) {
              v.Add("lifecycle",
                    absl::StrCat(static_cast<int>(request->lifecycle()),
                                 " is not a Lifecycle value"));
            }
          }
          if (request->classification() != v1::CLASSIFICATION_UNSPECIFIED) {
            q.classification = model::ParseClassification(absl::StripPrefix(
                v1::Classification_Name(request->classification()),
                "CLASSIFICATION_"));
            if (!q.classification) {
              v.Add("classification",
                    absl::StrCat(static_cast<int>(request->classification()),
                                 " is not a Classification value"));
            }
          }
          MP_RETURN_IF_ERROR(v.ToStatus());
          q.tier = request->tier();
          q.tag = request->tag();
          q.page_size = request->page_size();
          q.page_token = request->page_token();
          q.skip = request->skip();
          q.facet_size = request->facet_size();
          MP_ASSIGN_OR_RETURN(core::ProductSearchResult found,
                              registry_.SearchDataProducts(ctx, q));
          for (const auto& p : found.items) {
            *response->add_data_products() = EncodeDataProduct(p);
          }
          response->set_next_page_token(found.next_page_token);
          response->set_total_size(found.total_size);
          // Values in the form each filter takes (SearchFacetValue).
          auto add = [&](const char* field,
                         const std::vector<store::FacetCount>& values,
                         const std::function<std::string(const std::string&)>&
                             encode) {
            v1::SearchFacet* f = response->add_facets();
            f->set_field(field);
            for (const auto& c : values) {
              v1::SearchFacetValue* out = f->add_values();
              out->set_value(encode(c.value));
              out->set_count(c.count);
            }
          };
          add("domain", found.facets.domain,
              [](const std::string& id) { return model::DomainName(id); });
          add("owner_team", found.facets.owner_team,
              [](const std::string& id) { return model::TeamName(id); });
          add("lifecycle", found.facets.lifecycle, [](const std::string& l) {
            return absl::StrCat("LIFECYCLE_", l);
          });
          add("tier", found.facets.tier,
              [](const std::string& t) { return t; });
          add("classification", found.facets.classification,
              [](const std::string& c) {
                return absl::StrCat("CLASSIFICATION_", c);
              });
          add("tag", found.facets.tag, [](const std::string& t) { return t; });
          return absl::OkStatus();
        });
  }

  grpc::Status UpdateDataProduct(grpc::ServerContext* context,
                                 const v1::UpdateDataProductRequest* request,
                                 v1::DataProduct* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          MP_ASSIGN_OR_RETURN(
              auto update,
              DecodeUpdate("data_product", request->data_product(),
                           request->update_mask(),
                           "the product to update, "
                           "domains/{domain}/dataProducts/{data_product}",
                           DecodeDataProduct, DataProductUpdatableFields()));
          MP_ASSIGN_OR_RETURN(
              model::DataProduct updated,
              registry_.UpdateDataProduct(ctx, update.patch, update.mask,
                                          request->data_product().etag(),
                                          request->allow_missing()));
          SetWritten(ctx, EncodeDataProduct(updated), response);
          return absl::OkStatus();
        });
  }

  grpc::Status DeleteDataProduct(
      grpc::ServerContext* context, const v1::DeleteDataProductRequest* request,
      google::protobuf::Empty* /*response*/) override {
    return RunDelete(
        runner_, context, *request, ProductKeyFromName,
        [&](const core::RequestContext& ctx, const model::ProductKey& key) {
          return registry_.DeleteDataProduct(ctx, key, request->etag());
        });
  }

  grpc::Status PublishDataProduct(grpc::ServerContext* context,
                                  const v1::PublishDataProductRequest* request,
                                  v1::DataProduct* response) override {
    return Transition(runner_, registry_, context, *request,
                      model::Lifecycle::kPublished, std::nullopt, response);
  }

  grpc::Status DeprecateDataProduct(
      grpc::ServerContext* context,
      const v1::DeprecateDataProductRequest* request,
      v1::DataProduct* response) override {
    std::optional<absl::Time> sunset;
    if (request->has_sunset_time()) {
      Violations v;
      sunset = DecodeTime(request->sunset_time(), "sunset_time", v);
      if (!v.empty()) {
        return runner_.Run(context, *request, [&](const core::RequestContext&) {
          return v.ToStatus();
        });
      }
    }
    return Transition(runner_, registry_, context, *request,
                      model::Lifecycle::kDeprecated, sunset, response);
  }

  grpc::Status RetireDataProduct(grpc::ServerContext* context,
                                 const v1::RetireDataProductRequest* request,
                                 v1::DataProduct* response) override {
    return Transition(runner_, registry_, context, *request,
                      model::Lifecycle::kRetired, std::nullopt, response);
  }

  grpc::Status GetLineage(grpc::ServerContext* context,
                          const v1::GetLineageRequest* request,
                          v1::GetLineageResponse* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          Violations v;
          auto key = ProductKeyFromName("name", request->name());
          v.AddStatus("name", key.status());
          core::LineageScope scope = core::LineageScope::kBoth;
          switch (request->direction()) {
            case v1::LINEAGE_DIRECTION_UNSPECIFIED:
            case v1::LINEAGE_DIRECTION_BOTH:
              break;
            case v1::LINEAGE_DIRECTION_UPSTREAM:
              scope = core::LineageScope::kUpstream;
              break;
            case v1::LINEAGE_DIRECTION_DOWNSTREAM:
              scope = core::LineageScope::kDownstream;
              break;
            default:
              v.Add("direction",
                    absl::StrCat(static_cast<int>(request->direction()),
                                 " is not a LineageDirection value"));
          }
          MP_RETURN_IF_ERROR(v.ToStatus());
          MP_ASSIGN_OR_RETURN(
              core::Lineage lineage,
              registry_.GetLineage(ctx, *key, scope, request->depth()));
          EncodeLineage(lineage, response);
          return absl::OkStatus();
        });
  }

 private:
  const CallRunner& runner_;
  core::Registry& registry_;
  core::ServiceLevels* slo_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewDataProductService(const CallRunner& runner,
                                                     core::Registry& registry,
                                                     core::ServiceLevels* slo) {
  return std::make_unique<DataProductServiceImpl>(runner, registry, slo);
}

}  // namespace meshplane::server
