// PolicyService: decode, call core::Governance, encode.
#include "server/policy_service.h"

#include "google/protobuf/util/json_util.h"
#include "server/common_codec.h"
#include "server/policy_codec.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"

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

}  // namespace

grpc::Status PolicyServiceImpl::CreatePolicy(
    grpc::ServerContext* context, const v1::CreatePolicyRequest* request,
    v1::Policy* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
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
        MP_ASSIGN_OR_RETURN(model::Policy created,
                            governance_.CreatePolicy(ctx, *std::move(policy)));
        *response = EncodePolicy(created);
        return absl::OkStatus();
      });
}

grpc::Status PolicyServiceImpl::GetPolicy(grpc::ServerContext* context,
                                          const v1::GetPolicyRequest* request,
                                          v1::Policy* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(auto key,
                            PolicyKeyFromName("name", request->name()));
        MP_ASSIGN_OR_RETURN(model::Policy p, governance_.GetPolicy(ctx, key));
        *response = EncodePolicy(p);
        return absl::OkStatus();
      });
}

grpc::Status PolicyServiceImpl::ListPolicies(
    grpc::ServerContext* context, const v1::ListPoliciesRequest* request,
    v1::ListPoliciesResponse* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(std::string parent,
                            PolicyParent("parent", request->parent()));
        MP_ASSIGN_OR_RETURN(
            core::ListQuery query,
            MakeListQuery(request->page_size(), request->page_token(),
                          request->filter()));
        MP_ASSIGN_OR_RETURN(
            auto page, governance_.ListPolicies(
                           ctx, parent, request->include_inherited(), query));
        for (const auto& p : page.items)
          *response->add_policies() = EncodePolicy(p);
        response->set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      });
}

grpc::Status PolicyServiceImpl::UpdatePolicy(
    grpc::ServerContext* context, const v1::UpdatePolicyRequest* request,
    v1::Policy* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        Violations v;
        if (request->policy().name().empty()) {
          v.Add("policy.name", "is required: the policy to update");
        }
        // An update may leave the effect as it is: decode with a placeholder
        // and let the mask decide what is applied.
        v1::Policy fields = request->policy();
        bool has_effect = fields.effect() != v1::POLICY_EFFECT_UNSPECIFIED;
        if (!has_effect) fields.set_effect(v1::POLICY_EFFECT_DENY);
        auto patch = DecodePolicy(fields, "policy");
        v.AddStatus("policy", patch.status());
        auto mask = ResolveUpdateMask(request->update_mask(), request->policy(),
                                      PolicyUpdatableFields());
        v.AddStatus("update_mask", mask.status());
        if (mask.ok() && mask->paths.empty()) {
          v.Add(
              "update_mask",
              "nothing to update: update_mask is empty and no updatable field "
              "is set");
        }
        if (mask.ok() && !has_effect) {
          for (const auto& path : mask->paths) {
            if (path == "effect" || path == "*") {
              v.Add("policy.effect",
                    "is in update_mask but not set: POLICY_EFFECT_DENY, "
                    "POLICY_EFFECT_WARN or POLICY_EFFECT_REQUIRE_APPROVAL");
            }
          }
        }
        MP_RETURN_IF_ERROR(v.ToStatus());
        MP_ASSIGN_OR_RETURN(model::Policy updated,
                            governance_.UpdatePolicy(ctx, *patch, *mask,
                                                     request->policy().etag()));
        *response = EncodePolicy(updated);
        return absl::OkStatus();
      });
}

grpc::Status PolicyServiceImpl::DeletePolicy(
    grpc::ServerContext* context, const v1::DeletePolicyRequest* request,
    google::protobuf::Empty* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(auto key,
                            PolicyKeyFromName("name", request->name()));
        return governance_.DeletePolicy(ctx, key, request->etag());
      });
}

grpc::Status PolicyServiceImpl::ListPolicyRevisions(
    grpc::ServerContext* context, const v1::ListPolicyRevisionsRequest* request,
    v1::ListPolicyRevisionsResponse* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(auto key,
                            PolicyKeyFromName("name", request->name()));
        MP_ASSIGN_OR_RETURN(
            core::ListQuery query,
            MakeListQuery(request->page_size(), request->page_token(), ""));
        MP_ASSIGN_OR_RETURN(auto page,
                            governance_.ListPolicyRevisions(ctx, key, query));
        for (const auto& r : page.items) {
          v1::PolicyRevision* out = response->add_revisions();
          *out->mutable_policy() = EncodePolicy(r.policy);
          out->set_author(r.author);
          EncodeTime(r.create_time, out->mutable_create_time());
        }
        response->set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      });
}

grpc::Status PolicyServiceImpl::CreateWaiver(
    grpc::ServerContext* context, const v1::CreateWaiverRequest* request,
    v1::Waiver* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
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

grpc::Status PolicyServiceImpl::ListWaivers(
    grpc::ServerContext* context, const v1::ListWaiversRequest* request,
    v1::ListWaiversResponse* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        bool all =
            request->parent() == "policies/-" || request->parent().empty();
        model::PolicyKey key;
        if (!all) {
          MP_ASSIGN_OR_RETURN(key,
                              PolicyKeyFromName("parent", request->parent()));
        }
        MP_ASSIGN_OR_RETURN(
            core::ListQuery query,
            MakeListQuery(request->page_size(), request->page_token(),
                          request->filter()));
        MP_ASSIGN_OR_RETURN(
            auto page, governance_.ListWaivers(ctx, key, all,
                                               request->show_expired(), query));
        for (const auto& w : page.items)
          *response->add_waivers() = EncodeWaiver(w);
        response->set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      });
}

grpc::Status PolicyServiceImpl::DeleteWaiver(
    grpc::ServerContext* context, const v1::DeleteWaiverRequest* request,
    google::protobuf::Empty* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(auto key,
                            WaiverKeyFromName("name", request->name()));
        return governance_.DeleteWaiver(ctx, key.first, key.second);
      });
}

grpc::Status PolicyServiceImpl::EvaluatePolicies(
    grpc::ServerContext* context, const v1::EvaluatePoliciesRequest* request,
    v1::EvaluatePoliciesResponse* response) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
        core::GovernedSubject subject;
        subject.trigger = request->trigger();
        subject.resource_name = request->resource_name();
        MP_ASSIGN_OR_RETURN(subject.resource_json,
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

grpc::Status PolicyServiceImpl::SimulatePolicy(
    grpc::ServerContext* context, const v1::SimulatePolicyRequest* request,
    grpc::ServerWriter<v1::SimulatePolicyResponse>* writer) {
  return runner_.Run(
      context, *request, [&](const core::RequestContext& ctx) -> absl::Status {
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

}  // namespace meshplane::server
