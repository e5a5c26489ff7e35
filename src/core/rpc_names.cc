#include "core/rpc_names.h"

#include "absl/strings/str_cat.h"

namespace meshplane::core::internal {

std::string RpcName::Full() const {
  return absl::StrCat("meshplane.v1.", service, "/", method);
}

std::string MethodOf(const RequestContext& ctx, const RpcName& rpc) {
  return ctx.method.empty() ? rpc.Full() : ctx.method;
}

}  // namespace meshplane::core::internal
