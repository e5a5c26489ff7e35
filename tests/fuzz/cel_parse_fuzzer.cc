// libFuzzer target: the CEL lexer and parser must turn any input into an
// AST or issues, never crash, hang or exhaust memory.
#include <cstddef>
#include <cstdint>
#include <string>

#include "meshplane/policy/cel/parser.h"
#include "meshplane/policy/cel/source.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace cel = ::meshplane::policy::cel;
  cel::Source source(std::string(reinterpret_cast<const char*>(data), size));
  cel::ParseResult result = cel::Parse(source);
  for (const cel::Issue& issue : result.issues) {
    std::string formatted = source.Format(issue);
    (void)formatted;
  }
  return 0;
}
