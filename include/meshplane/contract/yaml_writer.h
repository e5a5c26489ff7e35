// The YAML that Meshplane writes (`meshplane ... -o yaml`, descriptors,
// `product get -o odps`): a small value tree and one writer for it, in the
// block layout and with the quoting of yaml-cpp 0.7's emitter, which wrote
// this YAML before, so that every file written before reads and diffs the
// same (docs/architecture.md, "YAML").
//
//   contract::YamlValue doc = contract::YamlValue::Mapping();
//   doc.Set("kind", contract::YamlValue::String("DataProduct"));
//   std::string text = contract::WriteYaml(doc) + "\n";
#ifndef MESHPLANE_CONTRACT_YAML_WRITER_H_
#define MESHPLANE_CONTRACT_YAML_WRITER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

#include "meshplane/contract/yaml.h"

namespace meshplane::contract {

// A YAML value to write: null, a string, or a sequence or mapping (in
// insertion order) of values. A plain copyable value; not thread-safe to
// mutate while another thread reads it.
class YamlValue {
 public:
  enum class Kind { kNull, kScalar, kSequence, kMapping };

  YamlValue() = default;  // null, written "~"

  // A string, written plain when it reads back as the same text and
  // double-quoted otherwise (yaml-cpp's Auto format: "true" or "1.0" are
  // written plain, so callers that must keep them strings use Quoted).
  static YamlValue String(std::string text);
  // A string that is always double-quoted.
  static YamlValue Quoted(std::string text);
  // An empty sequence or mapping, written in block style ("[]" and "{}"
  // while empty); `flow` writes it in flow style ("[a, b]").
  static YamlValue Sequence(bool flow = false);
  static YamlValue Mapping(bool flow = false);
  // A copy of a node that was read: its flow style and explicit tags are
  // kept, aliases are expanded (the copy is as deep as ReadYaml's budgets
  // let the node be), a quoted scalar becomes a String, as yaml-cpp's
  // Clone and emitter made it. An undefined node becomes null.
  static YamlValue Of(YamlNode node);

  Kind kind() const { return kind_; }
  bool IsNull() const { return kind_ == Kind::kNull; }
  bool IsMap() const { return kind_ == Kind::kMapping; }
  bool IsSequence() const { return kind_ == Kind::kSequence; }
  // The items of a sequence or entries of a mapping; 0 otherwise.
  size_t size() const;

  // Mapping only (a no-op on other kinds): sets the value of the first
  // entry whose key is the string `key` in place, or appends the entry.
  void Set(absl::string_view key, YamlValue value);
  // Mapping only (a no-op on other kinds): appends the entry, without
  // looking for `key` (a key of another kind, or one written Quoted).
  void Add(YamlValue key, YamlValue value);
  // Mapping only: the value of the first entry whose key is the string
  // `key`, or nullptr. Valid until the mapping changes.
  YamlValue* Find(absl::string_view key);
  const YamlValue* Find(absl::string_view key) const;
  // Sequence only (a no-op on other kinds): appends an item.
  void Append(YamlValue value);

 private:
  friend class YamlWriterImpl;

  Kind kind_ = Kind::kNull;
  bool quoted_ = false;  // a scalar always double-quoted
  bool flow_ = false;    // a collection in flow style
  std::string text_;     // a scalar's text
  std::string tag_;      // an explicit tag, written verbatim ("!<tag> ")
  // Sequence: the items. Mapping: keys and values interleaved.
  std::vector<YamlValue> children_;
};

// `value` as YAML text, without a final newline, byte for byte as yaml-cpp
// 0.7's YAML::Emitter wrote the same tree: block collections indented by
// two ("key:\n  - item", "- key: v\n  other: w", a sequence in a sequence
// on the next line), empty collections as "[]" and "{}", null as "~",
// flow collections as "[a, b]" / "{k: v}", explicit tags verbatim
// ("!<tag:yaml.org,2002:str> 1"), keys other than scalars in flow style.
// Strings are plain where yaml-cpp writes them plain, else double-quoted
// with its escapes. Not reproduced: anchors (aliases are written expanded)
// and yaml-cpp's "? " form for keys longer than 1024 bytes. Thread-safe.
std::string WriteYaml(const YamlValue& value);

}  // namespace meshplane::contract

#endif  // MESHPLANE_CONTRACT_YAML_WRITER_H_
