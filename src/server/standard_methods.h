// The ceremony the handlers of the AIP standard methods share (AIP-131 Get,
// 132 List, 134 Update, 135 Delete), so that each handler states only what
// is its own: which name it parses, which core call it makes and how the
// result is encoded. Every Run* helper runs its work in CallRunner::Run
// (server/call.h), so a handler that uses one is still one call of the
// runner.
//
// All helpers are thread-safe when their arguments are.
#ifndef MESHPLANE_SERVER_STANDARD_METHODS_H_
#define MESHPLANE_SERVER_STANDARD_METHODS_H_

#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/field_mask.pb.h"
#include "server/call.h"
#include "server/common_codec.h"
#include "server/policy_codec.h"
#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "meshplane/common/status_macros.h"
#include "meshplane/core/context.h"

namespace meshplane::server {
namespace standard_internal {

template <typename Message, typename = void>
struct HasFilter : std::false_type {};
template <typename Message>
struct HasFilter<Message,
                 std::void_t<decltype(std::declval<const Message&>().filter())>>
    : std::true_type {};

template <typename Message, typename = void>
struct HasWarnings : std::false_type {};
template <typename Message>
struct HasWarnings<
    Message, std::void_t<decltype(std::declval<Message&>().mutable_warnings())>>
    : std::true_type {};

}  // namespace standard_internal

// *out = `encoded`, for encoders that return the proto itself and for those
// that return a StatusOr of it (their error is returned).
template <typename Proto>
absl::Status SetEncoded(Proto encoded, Proto* out) {
  *out = std::move(encoded);
  return absl::OkStatus();
}
template <typename Proto>
absl::Status SetEncoded(absl::StatusOr<Proto> encoded, Proto* out) {
  MP_RETURN_IF_ERROR(encoded.status());
  *out = *std::move(encoded);
  return absl::OkStatus();
}

// The result of a governed write in *response, with the policy warnings
// the write left in `ctx` when the resource has a `warnings` field.
template <typename Proto>
void SetWritten(const core::RequestContext& ctx, Proto encoded,
                Proto* response) {
  *response = std::move(encoded);
  if constexpr (standard_internal::HasWarnings<Proto>::value) {
    AddWarnings(ctx, response->mutable_warnings());
  }
}

// The page query of a List request (AIP-132): its page_size, page_token
// and, when the request has one, filter. INVALID_ARGUMENT naming page_size
// when it is negative (MakeListQuery).
template <typename Request>
absl::StatusOr<core::ListQuery> ListQueryOf(const Request& request) {
  if constexpr (standard_internal::HasFilter<Request>::value) {
    return MakeListQuery(request.page_size(), request.page_token(),
                         request.filter());
  } else {
    return MakeListQuery(request.page_size(), request.page_token(), "");
  }
}

// Adds the items of `page` (a core::ListResult) to `items` (the response's
// repeated field), each encoded by `encode`, and sets the response's
// next_page_token.
template <typename Page, typename Items, typename Encode, typename Response>
absl::Status EncodePage(const Page& page, Items* items, Encode encode,
                        Response* response) {
  for (const auto& item : page.items) {
    MP_RETURN_IF_ERROR(SetEncoded(encode(item), items->Add()));
  }
  response->set_next_page_token(page.next_page_token);
  return absl::OkStatus();
}

// A List method (AIP-132): the page query of `request`, the page that
// `list`(ctx, query) reads, its items encoded by `encode` into `items` of
// *response.
template <typename Request, typename List, typename Items, typename Encode,
          typename Response>
grpc::Status RunList(const CallRunner& runner, grpc::ServerContext* context,
                     const Request& request, List list, Items* items,
                     Encode encode, Response* response) {
  return runner.Run(
      context, request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(core::ListQuery query, ListQueryOf(request));
        MP_ASSIGN_OR_RETURN(auto page, list(ctx, query));
        return EncodePage(page, items, encode, response);
      });
}

// A method on the one resource that request.name() names: Get (AIP-131)
// and the custom methods that take a name. `parse`("name", name) gives the
// key (a malformed name is INVALID_ARGUMENT naming `name`), `call`(ctx, key)
// the resource, `encode` its proto in *response.
template <typename Request, typename Parse, typename Call, typename Encode,
          typename Response>
grpc::Status RunNamed(const CallRunner& runner, grpc::ServerContext* context,
                      const Request& request, Parse parse, Call call,
                      Encode encode, Response* response) {
  return runner.Run(
      context, request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(auto key, parse("name", request.name()));
        MP_ASSIGN_OR_RETURN(auto resource, call(ctx, key));
        return SetEncoded(encode(resource), response);
      });
}

// A Delete method (AIP-135): the key that `parse`("name", request.name())
// gives, handed to `remove`(ctx, key).
template <typename Request, typename Parse, typename Remove>
grpc::Status RunDelete(const CallRunner& runner, grpc::ServerContext* context,
                       const Request& request, Parse parse, Remove remove) {
  return runner.Run(
      context, request, [&](const core::RequestContext& ctx) -> absl::Status {
        MP_ASSIGN_OR_RETURN(auto key, parse("name", request.name()));
        return remove(ctx, key);
      });
}

// An Update request (AIP-134), decoded: the patch and the fields to apply.
template <typename Model>
struct DecodedUpdate {
  Model patch;
  core::FieldMask mask;
};

// Decodes an Update request whose resource is the request field `field`
// ("domain"): its name is required (`what` says what it names), `decode`
// (resource, field) gives the patch, and the update mask is resolved
// against `updatable` (ResolveUpdateMask) and must not be empty.
// `check`(mask, violations), when given, adds the resource's own rules.
// INVALID_ARGUMENT listing every violation.
template <typename Proto, typename Decode>
auto DecodeUpdate(
    absl::string_view field, const Proto& resource,
    const google::protobuf::FieldMask& update_mask, absl::string_view what,
    Decode decode, const std::vector<std::string>& updatable,
    const std::function<void(const core::FieldMask&, Violations&)>& check =
        nullptr)
    -> absl::StatusOr<
        DecodedUpdate<typename decltype(decode(resource, field))::value_type>> {
  Violations v;
  if (resource.name().empty()) {
    v.Add(absl::StrCat(field, ".name"), absl::StrCat("is required: ", what));
  }
  auto patch = decode(resource, field);
  v.AddStatus(field, patch.status());
  auto mask = ResolveUpdateMask(update_mask, resource, updatable);
  v.AddStatus("update_mask", mask.status());
  if (mask.ok() && mask->paths.empty()) {
    v.Add("update_mask",
          "nothing to update: update_mask is empty and no updatable field is "
          "set");
  }
  if (mask.ok() && check) {
    check(*mask, v);
  }
  MP_RETURN_IF_ERROR(v.ToStatus());
  return DecodedUpdate<typename decltype(patch)::value_type>{*std::move(patch),
                                                             *std::move(mask)};
}

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_STANDARD_METHODS_H_
