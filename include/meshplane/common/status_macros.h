// Status propagation macros, because Debian's Abseil ships none.
//
//   absl::StatusOr<Domain> Registry::GetDomain(...) {
//     MP_ASSIGN_OR_RETURN(auto txn, store_.Begin());
//     MP_RETURN_IF_ERROR(Validate(request));
//   }
#ifndef MESHPLANE_COMMON_STATUS_MACROS_H_
#define MESHPLANE_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MP_STATUS_CONCAT_INNER_(a, b) a##b
#define MP_STATUS_CONCAT_(a, b) MP_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function when it is not OK.
#define MP_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::absl::Status mp_status_ = (expr);      \
    if (!mp_status_.ok()) return mp_status_; \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status,
// otherwise moves the value into `lhs`, which may be a declaration.
#define MP_ASSIGN_OR_RETURN(lhs, rexpr)                                     \
  MP_ASSIGN_OR_RETURN_IMPL_(MP_STATUS_CONCAT_(mp_statusor_, __LINE__), lhs, \
                            rexpr)

#define MP_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr)    \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // MESHPLANE_COMMON_STATUS_MACROS_H_
