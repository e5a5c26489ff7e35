// The YAML front end of the contract library: a small read-only node tree
// built from libyaml's event parser, and the helpers the ODCS loader and
// validator share (positions, the YAML 1.2 core-schema type of a scalar, flow
// and JSON renderings).
//
// Why not yaml-cpp: its loader alone took several times the 5 ms budget of
// parse + validate + diff on a contract of 500 properties
// (docs/contracts.md, "Performance"). libyaml's parser reads the same text in
// about a tenth of the time, and this tree keeps every node of a document in
// one arena, so a node is a pointer and an index rather than a shared_ptr.
//
//   MP_ASSIGN_OR_RETURN(YamlDocument doc, LoadYaml(text));
//   YamlNode id = Get(doc.root(), "id");
//   if (id.IsScalar()) { ... id.Scalar() ... }
#ifndef MESHPLANE_CONTRACT_YAML_UTIL_H_
#define MESHPLANE_CONTRACT_YAML_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "meshplane/contract/odcs.h"
#include "meshplane/contract/yaml.h"

namespace meshplane::contract::internal {

enum class YamlKind : uint8_t {
  kUndefined,  // absent: Get of a missing key, or past the end of a sequence
  kNull,       // ~, null, Null, NULL or nothing, untagged and unquoted
  kScalar,
  kSequence,
  kMapping,
};

// The storage of one document. Nodes refer to their children by index into
// `children`; a mapping's children are its keys and values interleaved.
struct YamlTree {
  struct Node {
    YamlKind kind = YamlKind::kNull;
    bool plain = true;  // an unquoted, non-block scalar
    uint32_t line = 0;  // 1-based; 0 when unknown (an empty document)
    uint32_t column = 0;
    uint32_t begin = 0;      // scalar: text in `text`; collection: `children`
    uint32_t size = 0;       // scalar: bytes; sequence: items; mapping: entries
    uint32_t tag_begin = 0;  // an explicit tag, in `text`; tag_size 0 if none
    uint32_t tag_size = 0;
  };
  std::vector<Node> nodes;
  std::vector<uint32_t> children;
  std::string text;  // scalar values and explicit tags, back to back
};

// A node of a loaded document, or an undefined node (a field that is not
// there). A handle of two words: copy it by value. It stays valid as long as
// the YamlDocument it came from; every accessor is safe on any kind of node
// (a scalar has no items, an undefined node has an empty text, ...), so
// lookups chain without checks: Get(Get(root, "team"), "name").
class YamlNode {
 public:
  class Items;
  class Entries;

  YamlNode() = default;  // undefined

  YamlKind kind() const {
    return tree_ == nullptr ? YamlKind::kUndefined : node().kind;
  }
  bool IsDefined() const { return tree_ != nullptr; }
  bool IsNull() const { return kind() == YamlKind::kNull; }
  bool IsScalar() const { return kind() == YamlKind::kScalar; }
  bool IsSequence() const { return kind() == YamlKind::kSequence; }
  bool IsMap() const { return kind() == YamlKind::kMapping; }

  // A scalar's value (escapes resolved, block scalars folded); empty for
  // every other kind.
  absl::string_view Scalar() const {
    if (!IsScalar()) {
      return {};
    }
    return absl::string_view(tree_->text).substr(node().begin, node().size);
  }

  // The tag as yaml-cpp reports it: the explicit tag in full form
  // ("tag:yaml.org,2002:str" for !!str, "!" for a lone !), else "?" for a
  // plain scalar or a collection and "!" for a quoted or block scalar. Empty
  // for null and undefined nodes.
  absl::string_view Tag() const;

  // 1-based line and column where the node starts (an anchor or tag counts
  // as its start); {0, 0} for an undefined node or an empty document.
  SourcePosition position() const {
    if (tree_ == nullptr) {
      return {};
    }
    return {static_cast<int>(node().line), static_cast<int>(node().column)};
  }

  // The number of items of a sequence or entries of a mapping; 0 otherwise.
  size_t size() const {
    const YamlKind k = kind();
    return k == YamlKind::kSequence || k == YamlKind::kMapping ? node().size
                                                               : 0;
  }

  // The i-th item of a sequence; undefined if there is none.
  YamlNode operator[](size_t i) const {
    if (!IsSequence() || i >= node().size) {
      return {};
    }
    return YamlNode(tree_, tree_->children[node().begin + i]);
  }

  // The value of the first entry whose key is the scalar `key`; undefined
  // when there is none or this is not a mapping. A linear scan: ODCS
  // mappings have a handful of keys.
  YamlNode Find(absl::string_view key) const;

  // The items of a sequence (none for other kinds), and the entries of a
  // mapping in document order, duplicates included (none for other kinds).
  inline Items items() const;
  inline Entries entries() const;

 private:
  friend class YamlDocument;

  YamlNode(const YamlTree* tree, uint32_t index) : tree_(tree), index_(index) {}
  const YamlTree::Node& node() const { return tree_->nodes[index_]; }

  const YamlTree* tree_ = nullptr;
  uint32_t index_ = 0;
};

// A (key, value) entry of a mapping.
struct YamlEntry {
  YamlNode first;   // the key
  YamlNode second;  // the value
};

class YamlNode::Items {
 public:
  class iterator {
   public:
    iterator(const YamlTree* tree, const uint32_t* at) : tree_(tree), at_(at) {}
    YamlNode operator*() const { return YamlNode(tree_, *at_); }
    iterator& operator++() {
      ++at_;
      return *this;
    }
    bool operator!=(const iterator& other) const { return at_ != other.at_; }

   private:
    const YamlTree* tree_;
    const uint32_t* at_;
  };
  iterator begin() const { return {tree_, begin_}; }
  iterator end() const { return {tree_, end_}; }

 private:
  friend class YamlNode;
  Items(const YamlTree* tree, const uint32_t* begin, const uint32_t* end)
      : tree_(tree), begin_(begin), end_(end) {}
  const YamlTree* tree_;
  const uint32_t* begin_;
  const uint32_t* end_;
};

class YamlNode::Entries {
 public:
  class iterator {
   public:
    iterator(const YamlTree* tree, const uint32_t* at) : tree_(tree), at_(at) {}
    YamlEntry operator*() const {
      return {YamlNode(tree_, at_[0]), YamlNode(tree_, at_[1])};
    }
    iterator& operator++() {
      at_ += 2;
      return *this;
    }
    bool operator!=(const iterator& other) const { return at_ != other.at_; }

   private:
    const YamlTree* tree_;
    const uint32_t* at_;
  };
  iterator begin() const { return {tree_, begin_}; }
  iterator end() const { return {tree_, end_}; }

 private:
  friend class YamlNode;
  Entries(const YamlTree* tree, const uint32_t* begin, const uint32_t* end)
      : tree_(tree), begin_(begin), end_(end) {}
  const YamlTree* tree_;
  const uint32_t* begin_;
  const uint32_t* end_;
};

YamlNode::Items YamlNode::items() const {
  if (!IsSequence()) {
    return Items(nullptr, nullptr, nullptr);
  }
  const uint32_t* first = tree_->children.data() + node().begin;
  return Items(tree_, first, first + node().size);
}

YamlNode::Entries YamlNode::entries() const {
  if (!IsMap()) {
    return Entries(nullptr, nullptr, nullptr);
  }
  const uint32_t* first = tree_->children.data() + node().begin;
  return Entries(tree_, first, first + 2 * size_t{node().size});
}

// One loaded document. Owns its nodes; movable, not copyable. Moving it
// keeps the nodes (and so every YamlNode handed out) where they are.
class YamlDocument {
 public:
  YamlDocument(std::unique_ptr<const YamlTree> tree, uint32_t root)
      : tree_(std::move(tree)), root_(root) {}

  YamlNode root() const { return YamlNode(tree_.get(), root_); }

 private:
  std::unique_ptr<const YamlTree> tree_;
  uint32_t root_;
};

// The budgets a read is held to (yaml.h); tests shrink them.
struct YamlBudget {
  uint64_t nodes = kMaxYamlNodes;
  uint64_t scalar_bytes = kMaxYamlScalarBytes;
  size_t depth = kMaxYamlDepth;
};

// Parses the first document of `text` (later documents are not read).
// Anchors and aliases are resolved: an alias is the anchored node itself.
// Merge keys (<<) are ordinary keys, as in yaml-cpp. The result does not
// refer to `text`. INVALID_ARGUMENT "line:column: invalid YAML: reason" for a
// syntax error or bad encoding (libyaml's reason, at its problem position),
// an alias without an anchor, an alias inside the node it names, or nesting
// 500 deep; INVALID_ARGUMENT "line:column: ..." at the node or alias that
// takes the document past `budget` (nodes, scalar bytes or depth, aliases
// counted as what they expand to: yaml.h); INVALID_ARGUMENT "1:1: a data
// contract must be a YAML mapping ..." when the top level is not a mapping
// (an empty text included), and "1:1: ... too large" beyond 256 MiB.
// RESOURCE_EXHAUSTED if libyaml cannot allocate. Thread-safe (no shared
// state).
absl::StatusOr<YamlDocument> LoadYaml(absl::string_view text,
                                      const YamlBudget& budget = {});

// CheckYamlBudgets (yaml.h) with `budget`: every document of the stream,
// any top level, one budget for the whole stream.
absl::Status CheckYamlStream(absl::string_view text, const YamlBudget& budget);

// map.Find(key): the value, or an undefined node when `map` is not a
// mapping or lacks `key`.
inline YamlNode Get(YamlNode map, absl::string_view key) {
  return map.Find(key);
}

// 1-based position of `node` ({0, 0} if it has none).
inline SourcePosition PositionOf(YamlNode node) { return node.position(); }

enum class JsonType {
  kNull,
  kBoolean,
  kInteger,
  kNumber,
  kString,
  kArray,
  kObject
};

// The JSON type of `node`. Quoted scalars are strings; plain scalars follow
// the YAML 1.2 core schema (null/~, true/false, integers, floats); kNumber
// means a non-integral number.
JsonType TypeOf(YamlNode node);

// "a string", "an integer", ... for messages.
absl::string_view JsonTypeName(JsonType type);

// A short rendering of a value for messages: "\"binary\"", "42", "a list",
// "a mapping".
std::string Describe(YamlNode node);

// Scalars as written; null and undefined as ""; collections as compact flow
// YAML ("[a, b]", "{k: v}") whatever their style in the source, scalars in
// them quoted where a plain scalar would not read back (as yaml-cpp's
// emitter decides), null as "~", explicit tags verbatim ("!<tag:...> x").
std::string ToText(YamlNode node);

// `node` as compact JSON: mappings become objects with sorted keys (later
// duplicates win), sequences arrays, scalars typed as TypeOf says (integers
// in decimal; floats in their shortest round-trip form; .inf and .nan,
// which JSON cannot hold, as strings).
std::string ToJson(YamlNode node);

// Builds the normalised model from a loaded document (odcs.cc); Parse and
// ParseAndValidate share it so that the YAML is read once.
Document Normalise(YamlNode root);

}  // namespace meshplane::contract::internal

#endif  // MESHPLANE_CONTRACT_YAML_UTIL_H_
