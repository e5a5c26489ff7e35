// AIP-127 path templates, as google.api.http options write them:
//
//   Template  = "/" Segments [ ":" Verb ] ;
//   Segments  = Segment { "/" Segment } ;
//   Segment   = "*" | "**" | LITERAL | Variable ;
//   Variable  = "{" FieldPath [ "=" Segments ] "}" ;
//   FieldPath = IDENT { "." IDENT } ;
//
// `*` matches one path segment, `**` the rest of the path (one segment or
// more; only last), `{name}` is `{name=*}`. A variable's value is the text of
// the segments it covers, each percent-decoded, joined with "/".
//
//   auto t = PathTemplate::Parse(
//       "/v1/{name=domains/*/dataProducts/*}:publish");
//   auto b = t->Match("/v1/domains/sales/dataProducts/orders:publish");
//   // b = {{"name", "domains/sales/dataProducts/orders"}}
//
// Immutable once parsed; thread-safe.
#ifndef MESHPLANE_SERVER_HTTP_PATH_TEMPLATE_H_
#define MESHPLANE_SERVER_HTTP_PATH_TEMPLATE_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshplane::server::http {

// (field path, value) pairs, in the template's order.
using PathBindings = std::vector<std::pair<std::string, std::string>>;

class PathTemplate {
 public:
  // INVALID_ARGUMENT naming the position of the first error.
  static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  // The bindings when `path` (no query string) matches, else nullopt. A
  // segment with a malformed percent escape does not match.
  std::optional<PathBindings> Match(absl::string_view path) const;

  // The dotted field paths of the variables ("data_product.name").
  std::vector<std::string> FieldPaths() const;
  // The pattern of each variable, in order ("domains/*/dataProducts/*";
  // "*" for a bare `{name}`).
  std::vector<std::string> VariablePatterns() const;
  // The custom verb ("publish"), or "".
  const std::string& verb() const { return verb_; }
  const std::string& text() const { return text_; }
  // A path for `values` (one per variable, in order) that Match binds back
  // to them: each `*` of a variable takes one "/"-separated piece of its
  // value. Used by tests and examples; nullopt if a value does not fit.
  std::optional<std::string> Expand(
      const std::vector<std::string>& values) const;

 private:
  enum class Kind { kLiteral, kStar, kDoubleStar };
  struct Segment {
    Kind kind;
    std::string literal;
  };
  struct Variable {
    std::string field_path;
    size_t begin;  // segment indices [begin, end)
    size_t end;
  };

  std::string text_;
  std::vector<Segment> segments_;
  std::vector<Variable> variables_;
  std::string verb_;
};

// Percent-decodes `in`; nullopt on a malformed escape.
std::optional<std::string> PercentDecode(absl::string_view in);

}  // namespace meshplane::server::http

#endif  // MESHPLANE_SERVER_HTTP_PATH_TEMPLATE_H_
