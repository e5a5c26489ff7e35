// Meshplane's one YAML reader: libyaml's event parser into a small
// read-only node tree, held to budgets for untrusted input. The contract
// library reads ODCS documents with it; the CLI reads descriptors, ODPS
// documents, policy files and policy tests with it too
// (docs/architecture.md, "YAML").
//
// An alias repeats the node it names, so a document of a few hundred bytes
// can stand for billions of nodes ("billion laughs"): every walk over it
// (JSON, validation, normalisation, descriptors) would expand them. The
// reader counts what aliases expand to while it reads, and refuses a
// document at the first node or alias that takes it past a budget, before
// anything walks it. Depth and the size of the text have budgets too.
//
//   MP_ASSIGN_OR_RETURN(contract::YamlStream docs, contract::ReadYaml(text));
//   for (size_t i = 0; i < docs.size(); ++i) {
//     contract::YamlNode kind = docs[i].Find("kind");  // undefined if absent
//   }
#ifndef MESHPLANE_CONTRACT_YAML_H_
#define MESHPLANE_CONTRACT_YAML_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "meshplane/common/limits.h"
#include "meshplane/contract/odcs.h"

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

// Bytes of YAML text read at all: a longer text is refused before it is
// parsed.
inline constexpr size_t kMaxYamlTextBytes = size_t{256} << 20;

// The budgets a read is held to; the defaults are the constants above, and
// tests shrink them.
struct YamlBudget {
  uint64_t nodes = kMaxYamlNodes;
  uint64_t scalar_bytes = kMaxYamlScalarBytes;
  size_t depth = kMaxYamlDepth;
  size_t text_bytes = kMaxYamlTextBytes;
};

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
    bool flow = false;  // a collection in flow style ([a, b], {k: v})
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

  // A sequence or mapping written in flow style ("[a, b]", "{k: v}").
  bool IsFlow() const {
    const YamlKind k = kind();
    return (k == YamlKind::kSequence || k == YamlKind::kMapping) && node().flow;
  }

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
  YamlNode operator[](absl::string_view key) const { return Find(key); }

  // The items of a sequence (none for other kinds), and the entries of a
  // mapping in document order, duplicates included (none for other kinds).
  inline Items items() const;
  inline Entries entries() const;

 private:
  friend class YamlDocument;
  friend class YamlStream;

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

// Every document of a YAML stream, as yaml-cpp's LoadAll gave them: an
// empty text or one of comments only has none; an explicit empty document
// ("---" alone) is a null node. Owns its nodes; movable, not copyable.
class YamlStream {
 public:
  YamlStream(std::unique_ptr<const YamlTree> tree, std::vector<uint32_t> roots)
      : tree_(std::move(tree)), roots_(std::move(roots)) {}

  size_t size() const { return roots_.size(); }
  bool empty() const { return roots_.empty(); }
  // The top-level node of the i-th document; undefined past the end.
  YamlNode operator[](size_t i) const;

 private:
  std::unique_ptr<const YamlTree> tree_;
  std::vector<uint32_t> roots_;
};

// Reads every document of `text`, whatever its top level, holding the whole
// stream to `budget` (anchors are scoped to their document, as YAML 1.2
// says). Anchors and aliases are resolved: an alias is the anchored node
// itself. Merge keys (<<) are ordinary keys, as in yaml-cpp. The result does
// not refer to `text`.
//
// Returns INVALID_ARGUMENT "line:column: reason" (1-based), the caller
// prefixing the file name: a syntax error or bad encoding ("invalid YAML:
// " and libyaml's reason, at its problem position), an alias without an
// anchor or inside the node it names, nesting deeper than budget.depth, the
// alias or node that takes the stream past the node or scalar-byte budget
// ("alias *x4 repeats 66430 nodes, past the YAML budget of 250000 nodes
// ..."), or "1:1: ... bytes of YAML are too many to read" for a text longer
// than budget.text_bytes. RESOURCE_EXHAUSTED if libyaml cannot allocate.
// Time and memory are linear in the size of `text`. Thread-safe (no shared
// state).
absl::StatusOr<YamlStream> ReadYaml(absl::string_view text,
                                    const YamlBudget& budget = {});

// ReadYaml with the default budgets, keeping nothing: OK when the text is
// YAML within the budgets, whatever its top level is; otherwise ReadYaml's
// error. Thread-safe (no shared state).
absl::Status CheckYamlBudgets(absl::string_view text);

}  // namespace meshplane::contract

#endif  // MESHPLANE_CONTRACT_YAML_H_
