// libFuzzer target: the CEL lexer and parser, without and with the syntax
// and macros of the extension libraries, must turn any input into an AST
// or issues, never crash, hang or exhaust memory.
#include <cstddef>
#include <cstdint>
#include <string>

#include "meshplane/policy/cel/parser.h"
#include "meshplane/policy/cel/source.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace cel = ::meshplane::policy::cel;
  cel::Source source(std::string(reinterpret_cast<const char*>(data), size));
  cel::ParserOptions extended;
  extended.enable_optional_syntax = true;
  extended.enable_bind_macro = true;
  extended.enable_math_macros = true;
  extended.enable_lists_macros = true;
  for (const cel::ParserOptions& options : {cel::ParserOptions(), extended}) {
    cel::ParseResult result = cel::Parse(source, options);
    for (const cel::Issue& issue : result.issues) {
      std::string formatted = source.Format(issue);
      (void)formatted;
    }
  }
  return 0;
}
