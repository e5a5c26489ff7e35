// What the typed write helper (core/write_pipeline.h) needs to know of each
// resource core writes: its resource name, its JSON both ways, the prefix of
// its event types ("domain" -> domain.created / domain.updated /
// domain.deleted), the domain its events belong to, and the methods of its
// standard writes (core/rpc_names.h).
#ifndef MESHPLANE_CORE_RESOURCE_TRAITS_H_
#define MESHPLANE_CORE_RESOURCE_TRAITS_H_

#include <string>

#include "absl/status/statusor.h"
#include "core/rpc_names.h"

#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::core::internal {

// Shared by every traits struct: the JSON both ways (model/json.h).
template <typename R, absl::StatusOr<R> (*kFromJson)(absl::string_view)>
struct JsonTraits {
  using Resource = R;
  static std::string ToJson(const R& r) { return model::ToJson(r); }
  static absl::StatusOr<R> FromJson(const std::string& json) {
    return kFromJson(json);
  }
};

struct DomainTraits : JsonTraits<model::Domain, model::DomainFromJson> {
  static constexpr char kEvent[] = "domain";
  static constexpr RpcName kCreate = rpc::kCreateDomain;
  static constexpr RpcName kUpdate = rpc::kUpdateDomain;
  static constexpr RpcName kDelete = rpc::kDeleteDomain;
  static std::string Name(const Resource& d) { return model::DomainName(d.id); }
  static std::string DomainOf(const Resource& d) { return d.id; }
};

struct TeamTraits : JsonTraits<model::Team, model::TeamFromJson> {
  static constexpr char kEvent[] = "team";
  static constexpr RpcName kCreate = rpc::kCreateTeam;
  static constexpr RpcName kUpdate = rpc::kUpdateTeam;
  static constexpr RpcName kDelete = rpc::kDeleteTeam;
  static std::string Name(const Resource& t) { return model::TeamName(t.id); }
  static std::string DomainOf(const Resource&) { return ""; }
};

struct DataProductTraits
    : JsonTraits<model::DataProduct, model::DataProductFromJson> {
  static constexpr char kEvent[] = "dataproduct";
  static constexpr RpcName kCreate = rpc::kCreateDataProduct;
  static constexpr RpcName kUpdate = rpc::kUpdateDataProduct;
  static constexpr RpcName kDelete = rpc::kDeleteDataProduct;
  static std::string Name(const Resource& p) {
    return model::ProductName(p.key());
  }
  static std::string DomainOf(const Resource& p) { return p.domain_id; }
};

struct PolicyTraits : JsonTraits<model::Policy, model::PolicyFromJson> {
  static constexpr char kEvent[] = "policy";
  static constexpr RpcName kCreate = rpc::kCreatePolicy;
  static constexpr RpcName kUpdate = rpc::kUpdatePolicy;
  static constexpr RpcName kDelete = rpc::kDeletePolicy;
  static std::string Name(const Resource& p) {
    return model::PolicyName(p.key());
  }
  static std::string DomainOf(const Resource& p) { return p.domain_id; }
};

struct WaiverTraits : JsonTraits<model::Waiver, model::WaiverFromJson> {
  static constexpr char kEvent[] = "waiver";
  static constexpr RpcName kCreate = rpc::kCreateWaiver;
  static constexpr RpcName kDelete = rpc::kDeleteWaiver;
  static std::string Name(const Resource& w) { return model::WaiverName(w); }
  static std::string DomainOf(const Resource& w) { return w.policy.domain_id; }
};

struct ContractTraits : JsonTraits<model::Contract, model::ContractFromJson> {
  static constexpr char kEvent[] = "contract";
  static std::string Name(const Resource& c) {
    return model::ContractName(c.id);
  }
  static std::string DomainOf(const Resource& c) { return c.product.domain_id; }
};

// Access requests and grants share the "access.*" events.
struct AccessRequestTraits
    : JsonTraits<model::AccessRequest, model::AccessRequestFromJson> {
  static constexpr char kEvent[] = "access";
  static std::string Name(const Resource& r) {
    return model::AccessRequestName(r.id);
  }
  static std::string DomainOf(const Resource& r) { return r.port.domain_id; }
};

struct GrantTraits : JsonTraits<model::Grant, model::GrantFromJson> {
  static constexpr char kEvent[] = "access";
  static std::string Name(const Resource& g) { return model::GrantName(g.id); }
  static std::string DomainOf(const Resource& g) { return g.port.domain_id; }
};

struct TokenTraits : JsonTraits<model::ApiToken, model::ApiTokenFromJson> {
  static constexpr char kEvent[] = "token";
  static std::string Name(const Resource& t) { return model::TokenName(t.id); }
  static std::string DomainOf(const Resource&) { return ""; }
};

struct WebhookTraits : JsonTraits<model::Webhook, model::WebhookFromJson> {
  static constexpr char kEvent[] = "webhook";
  static constexpr RpcName kCreate = rpc::kCreateWebhook;
  static constexpr RpcName kDelete = rpc::kDeleteWebhook;
  static std::string Name(const Resource& w) {
    return model::WebhookName(w.id);
  }
  static std::string DomainOf(const Resource&) { return ""; }
};

}  // namespace meshplane::core::internal

#endif  // MESHPLANE_CORE_RESOURCE_TRAITS_H_
