// The budgets of Meshplane's one YAML reader (libyaml's event parser, in the
// contract library), and a check that lets other YAML loaders refuse what it
// refuses before they read a document.
//
// An alias repeats the node it names, so a document of a few hundred bytes
// can stand for billions of nodes ("billion laughs"): every walk over it
// (JSON, validation, normalisation, yaml-cpp's conversions) would expand them.
// The reader counts what aliases expand to while it reads, and refuses a
// document at the first node or alias that takes it past a budget, before
// anything walks it.
//
//   MP_RETURN_IF_ERROR(contract::CheckYamlBudgets(text));
//   std::vector<YAML::Node> docs = YAML::LoadAll(text);  // now bounded
#ifndef MESHPLANE_CONTRACT_YAML_H_
#define MESHPLANE_CONTRACT_YAML_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

#include "meshplane/common/limits.h"

namespace meshplane::contract {

// Nodes (scalars, nulls, sequences, mappings, mapping keys included) in a
// YAML stream, aliases expanded: an alias counts as every node of the node
// it names. The largest contract of the ODCS examples has about 11,500; a
// 512 KiB contract without aliases cannot hold much more than 250,000.
inline constexpr uint64_t kMaxYamlNodes = 250'000;

// Bytes of scalar text (keys and values) in a YAML stream, aliases expanded.
// The largest ODCS example has about 140 KB.
inline constexpr uint64_t kMaxYamlScalarBytes = uint64_t{4} << 20;

// Levels of nesting, an alias counting as its node nested in its place:
// the one document depth every later layer accepts (common/limits.h), so
// that the reader is the first to refuse. The ODCS examples nest at most 10.
inline constexpr size_t kMaxYamlDepth = kMaxDocumentDepth;

// Bytes of YAML text read at all.
inline constexpr size_t kMaxYamlTextBytes = size_t{256} << 20;

// Reads every document of `text` with the one YAML reader, checking the
// budgets above over the whole stream (anchors are scoped to their
// document, as YAML 1.2 says), and keeps nothing. OK when the text is YAML
// within the budgets, whatever its top level is.
//
// Returns INVALID_ARGUMENT "line:column: reason": the position of the alias
// or node that crossed a budget ("alias *x4 repeats 66430 nodes, past the
// YAML budget of 250000 nodes ..."), or of a syntax error ("invalid YAML:
// ..."). RESOURCE_EXHAUSTED if libyaml cannot allocate. Time and memory are
// linear in the size of `text`. Thread-safe (no shared state).
absl::Status CheckYamlBudgets(absl::string_view text);

}  // namespace meshplane::contract

#endif  // MESHPLANE_CONTRACT_YAML_H_
