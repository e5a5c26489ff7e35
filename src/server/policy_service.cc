// PolicyService: decode, call core::Governance, encode.
#include "server/policy_service.h"

#include <memory>

#include "google/protobuf/util/json_util.h"
#include "server/common_codec.h"
#include "server/policy_codec.h"
#include "server/standard_methods.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"
#include "meshplane/v1/policy.grpc.pb.h"

namespace meshplane::server {
namespace {

// A Struct as a JSON object ("" when empty and `empty_as_blank`).
absl::StatusOr<std::string> StructJson(const google::protobuf::Struct& s,
                                       absl::string_view field,
                                       bool empty_as_blank) {
  if (s.fields().empty() && empty_as_blank) return std::string();
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(s, &json);
  if (!status.ok()) {
    return InvalidArgumentWithFields(
        {{std::string(field),
          absl::StrCat("is not a JSON object: ", status.ToString())}});
  }
  return json;
}

v1::PolicyRevision EncodeRevision(const model::PolicyRevision& r) {
  v1::PolicyRevision out;
  *out.mutable_policy() = EncodePolicy(r.policy);
  out.set_author(r.author);
  EncodeTime(r.create_time, out.mutable_create_time());
  return out;
}

class PolicyServiceImpl final : public v1::PolicyService::Service {
 public:
  PolicyServiceImpl(const CallRunner& runner, core::Governance& governance)
      : runner_(runner), governance_(governance) {}

  grpc::Status CreatePolicy(grpc::ServerContext* context,
                            const v1::CreatePolicyRequest* request,
                            v1::Policy* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          Violations v;
          auto parent = PolicyParent("parent", request->parent());
          v.AddStatus("parent", parent.status());
          if (parent.ok() && *parent == "-") {
            v.Add("parent", "\"domains/-\" names no single scope");
          }
          v.AddStatus("policy_id",
                      model::ValidateId("policy_id", request->policy_id()));
          v1::Policy fields = request->policy();
          fields.clear_name();  // AIP-133: the name is ignored
          auto policy = DecodePolicy(fields, "policy");
          v.AddStatus("policy", policy.status());
          MP_RETURN_IF_ERROR(v.ToStatus());
          policy->domain_id = *parent;
          policy->id = request->policy_id();
          MP_ASSIGN_OR_RETURN(
              model::Policy created,
              governance_.CreatePolicy(ctx, *std::move(policy)));
          SetWritten(ctx, EncodePolicy(created), response);
          return absl::OkStatus();
        });
  }

  grpc::Status GetPolicy(grpc::ServerContext* context,
                         const v1::GetPolicyRequest* request,
                         v1::Policy* response) override {
    return RunNamed(
        runner_, context, *request, PolicyKeyFromName,
        [&](const core::RequestContext& ctx, const model::PolicyKey& key) {
          return governance_.GetPolicy(ctx, key);
        },
        EncodePolicy, response);
  }

  grpc::Status ListPolicies(grpc::ServerContext* context,
                            const v1::ListPoliciesRequest* request,
                            v1::ListPoliciesResponse* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          MP_ASSIGN_OR_RETURN(std::string parent,
                              PolicyParent("parent", request->parent()));
          MP_ASSIGN_OR_RETURN(core::ListQuery query, ListQueryOf(*request));
          MP_ASSIGN_OR_RETURN(
              auto page, governance_.ListPolicies(
                             ctx, parent, request->include_inherited(), query));
          return EncodePage(page, response->mutable_policies(), EncodePolicy,
                            response);
        });
  }

  grpc::Status UpdatePolicy(grpc::ServerContext* context,
                            const v1::UpdatePolicyRequest* request,
                            v1::Policy* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          // An update may leave the effect as it is: decode with a placeholder
          // and let the mask decide what is applied.
          const bool has_effect =
              request->policy().effect() != v1::POLICY_EFFECT_UNSPECIFIED;
          auto decode = [&](const v1::Policy& policy, absl::string_view field) {
            v1::Policy fields = policy;
            if (!has_effect) fields.set_effect(v1::POLICY_EFFECT_DENY);
            return DecodePolicy(fields, field);
          };
          auto effect_required = [&](const core::FieldMask& mask,
                                     Violations& v) {
            if (has_effect) return;
            for (const auto& path : mask.paths) {
              if (path == "effect" || path == "*") {
                v.Add("policy.effect",
                      "is in update_mask but not set: POLICY_EFFECT_DENY, "
                      "POLICY_EFFECT_WARN or POLICY_EFFECT_REQUIRE_APPROVAL");
              }
            }
          };
          MP_ASSIGN_OR_RETURN(
              auto update,
              DecodeUpdate("policy", request->policy(), request->update_mask(),
                           "the policy to update", decode,
                           PolicyUpdatableFields(), effect_required));
          MP_ASSIGN_OR_RETURN(
              model::Policy updated,
              governance_.UpdatePolicy(ctx, update.patch, update.mask,
                                       request->policy().etag()));
          SetWritten(ctx, EncodePolicy(updated), response);
          return absl::OkStatus();
        });
  }

  grpc::Status DeletePolicy(grpc::ServerContext* context,
                            const v1::DeletePolicyRequest* request,
                            google::protobuf::Empty* /*response*/) override {
    return RunDelete(
        runner_, context, *request, PolicyKeyFromName,
        [&](const core::RequestContext& ctx, const model::PolicyKey& key) {
          return governance_.DeletePolicy(ctx, key, request->etag());
        });
  }

  grpc::Status ListPolicyRevisions(
      grpc::ServerContext* context,
      const v1::ListPolicyRevisionsRequest* request,
      v1::ListPolicyRevisionsResponse* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          MP_ASSIGN_OR_RETURN(auto key,
                              PolicyKeyFromName("name", request->name()));
          MP_ASSIGN_OR_RETURN(core::ListQuery query, ListQueryOf(*request));
          MP_ASSIGN_OR_RETURN(auto page,
                              governance_.ListPolicyRevisions(ctx, key, query));
          return EncodePage(page, response->mutable_revisions(), EncodeRevision,
                            response);
        });
  }

  grpc::Status CreateWaiver(grpc::ServerContext* context,
                            const v1::CreateWaiverRequest* request,
                            v1::Waiver* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          Violations v;
          auto key = PolicyKeyFromName("parent", request->parent());
          v.AddStatus("parent", key.status());
          v.AddStatus("waiver_id",
                      model::ValidateId("waiver_id", request->waiver_id()));
          model::Waiver w;
          w.resource = request->waiver().resource();
          w.reason = request->waiver().reason();
          if (!request->waiver().has_expire_time()) {
            v.Add("waiver.expire_time",
                  "is required: when the waiver stops applying");
          } else {
            w.expire_time = DecodeTime(request->waiver().expire_time(),
                                       "waiver.expire_time", v);
          }
          MP_RETURN_IF_ERROR(v.ToStatus());
          w.policy = *key;
          w.id = request->waiver_id();
          MP_ASSIGN_OR_RETURN(model::Waiver created,
                              governance_.CreateWaiver(ctx, w));
          *response = EncodeWaiver(created);
          return absl::OkStatus();
        });
  }

  grpc::Status ListWaivers(grpc::ServerContext* context,
                           const v1::ListWaiversRequest* request,
                           v1::ListWaiversResponse* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          bool all =
              request->parent() == "policies/-" || request->parent().empty();
          model::PolicyKey key;
          if (!all) {
            MP_ASSIGN_OR_RETURN(key,
                                PolicyKeyFromName("parent", request->parent()));
          }
          MP_ASSIGN_OR_RETURN(core::ListQuery query, ListQueryOf(*request));
          MP_ASSIGN_OR_RETURN(
              auto page, governance_.ListWaivers(
                             ctx, key, all, request->show_expired(), query));
          return EncodePage(page, response->mutable_waivers(), EncodeWaiver,
                            response);
        });
  }

  grpc::Status DeleteWaiver(grpc::ServerContext* context,
                            const v1::DeleteWaiverRequest* request,
                            google::protobuf::Empty* /*response*/) override {
    return RunDelete(runner_, context, *request, WaiverKeyFromName,
                     [&](const core::RequestContext& ctx,
                         const std::pair<model::PolicyKey, std::string>& key) {
                       return governance_.DeleteWaiver(ctx, key.first,
                                                       key.second);
                     });
  }

  grpc::Status EvaluatePolicies(
      grpc::ServerContext* context, const v1::EvaluatePoliciesRequest* request,
      v1::EvaluatePoliciesResponse* response) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          core::GovernedSubject subject;
          subject.trigger = request->trigger();
          subject.resource_name = request->resource_name();
          MP_ASSIGN_OR_RETURN(
              subject.resource_json,
              StructJson(request->resource(), "resource", true));
          if (request->has_previous()) {
            MP_ASSIGN_OR_RETURN(
                std::string previous,
                StructJson(request->previous(), "previous", false));
            subject.previous_json = previous;
          }
          MP_ASSIGN_OR_RETURN(subject.request_json,
                              StructJson(request->request(), "request", true));
          MP_ASSIGN_OR_RETURN(
              policy::Decision d,
              governance_.Evaluate(ctx, subject, request->principal()));
          *response->mutable_decision() = EncodeDecision(d);
          return absl::OkStatus();
        });
  }

  grpc::Status SimulatePolicy(
      grpc::ServerContext* context, const v1::SimulatePolicyRequest* request,
      grpc::ServerWriter<v1::SimulatePolicyResponse>* writer) override {
    return runner_.Run(
        context, *request,
        [&](const core::RequestContext& ctx) -> absl::Status {
          core::SimulationSpec spec;
          Violations v;
          if (!request->name().empty()) {
            auto key = PolicyKeyFromName("name", request->name());
            v.AddStatus("name", key.status());
            if (key.ok()) spec.stored = *key;
          }
          if (request->has_policy()) {
            auto parent = PolicyParent("parent", request->parent());
            v.AddStatus("parent", parent.status());
            v1::Policy fields = request->policy();
            fields.clear_name();
            auto candidate = DecodePolicy(fields, "policy");
            v.AddStatus("policy", candidate.status());
            if (parent.ok() && candidate.ok()) {
              candidate->domain_id = *parent == "-" ? "" : *parent;
              candidate->id = "candidate";
              spec.candidate = *std::move(candidate);
            }
          }
          MP_RETURN_IF_ERROR(v.ToStatus());
          spec.triggers.assign(request->triggers().begin(),
                               request->triggers().end());
          spec.max_resources = request->max_resources();
          spec.include_satisfied = request->include_satisfied();
          MP_ASSIGN_OR_RETURN(
              core::SimulationSummary summary,
              governance_.Simulate(
                  ctx, spec, [&](const core::SimulationResult& r) {
                    if (context->IsCancelled()) return false;
                    v1::SimulatePolicyResponse item;
                    *item.mutable_result() = EncodeSimulationResult(r);
                    return writer->Write(item);
                  }));
          v1::SimulatePolicyResponse last;
          *last.mutable_summary() = EncodeSimulationSummary(summary);
          writer->Write(last);
          return absl::OkStatus();
        });
  }

 private:
  const CallRunner& runner_;
  core::Governance& governance_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewPolicyService(const CallRunner& runner,
                                                core::Governance& governance) {
  return std::make_unique<PolicyServiceImpl>(runner, governance);
}

}  // namespace meshplane::server
