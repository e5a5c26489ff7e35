// The one YAML reader: libyaml's event parser into a YamlTree, with the
// budgets of meshplane/contract/yaml.h counted while it reads. The helpers
// that read the tree (types, JSON and flow renderings) are in yaml_util.cc.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "contract/yaml_util.h"
#include <yaml.h>

#include "meshplane/common/limits.h"

namespace meshplane::contract::internal {
namespace {

bool IsNullString(absl::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

constexpr uint32_t kNoNode = UINT32_MAX;

// Offsets into the tree are 32-bit; scalars and resolved tags take at most
// about five times the bytes of their source (`!!a` becomes
// "tag:yaml.org,2002:a"), so kMaxYamlTextBytes keeps every offset in range.
static_assert(kMaxYamlTextBytes <= size_t{UINT32_MAX} / 5);

absl::Status SyntaxError(size_t line, size_t column, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(line, ":", column, ": invalid YAML: ", why));
}

class Parser {
 public:
  explicit Parser(absl::string_view text) {
    ok_ = yaml_parser_initialize(&parser_) != 0;
    if (ok_) {
      // libyaml asserts a non-null input, which an empty view need not have.
      static const unsigned char kEmpty[] = "";
      const auto* data =
          text.data() == nullptr
              ? kEmpty
              : reinterpret_cast<const unsigned char*>(text.data());
      yaml_parser_set_input_string(&parser_, data, text.size());
    }
  }
  ~Parser() {
    if (ok_) {
      yaml_parser_delete(&parser_);
    }
  }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  bool ok() const { return ok_; }
  yaml_parser_t* get() { return &parser_; }

 private:
  yaml_parser_t parser_;
  bool ok_ = false;
};

class Event {
 public:
  Event() = default;
  ~Event() { Clear(); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  // The next event; false on a syntax error (see the parser's fields).
  bool Next(yaml_parser_t* parser) {
    Clear();
    live_ = yaml_parser_parse(parser, &event_) != 0;
    return live_;
  }
  const yaml_event_t& operator*() const { return event_; }
  const yaml_event_t* operator->() const { return &event_; }

 private:
  void Clear() {
    if (live_) {
      yaml_event_delete(&event_);
      live_ = false;
    }
  }
  yaml_event_t event_;
  bool live_ = false;
};

// Why budgets: an alias is its anchored node, shared in the tree, so the
// tree stays as small as the text; but every walk over it (ToJson, ToText,
// validation, normalisation) visits an alias as often as it occurs. Nine
// levels of nine aliases each, under 1 KiB of text, are 3.9e8 nodes: a
// server took 3.1 GB and half a minute to walk them. So the builder keeps,
// for every finished node, the size a walk would see (nodes, scalar bytes,
// height), and refuses the document at the first node or alias that takes
// the total past the budget, before anything walks it. The totals never
// exceed the budget by more than one node's size, so they cannot overflow.
class TreeBuilder {
 public:
  TreeBuilder(absl::string_view text, const YamlBudget& budget,
              bool all_documents)
      : text_(text),
        budget_(budget),
        all_documents_(all_documents),
        tree_(std::make_unique<YamlTree>()) {
    // Rough sizes for ODCS documents (about one node per 10 bytes), to spare
    // most of the vectors' regrowth.
    tree_->nodes.reserve(text.size() / 10 + 4);
    tree_->children.reserve(text.size() / 10 + 4);
    tree_->text.reserve(text.size() / 2);
    extent_.reserve(text.size() / 10 + 4);
  }

  absl::StatusOr<YamlDocument> Build() {
    if (absl::Status st = Run(); !st.ok()) {
      return st;
    }
    return YamlDocument(std::move(tree_), roots_.front());
  }

  absl::StatusOr<YamlStream> BuildStream() {
    if (absl::Status st = Run(); !st.ok()) {
      return st;
    }
    return YamlStream(std::move(tree_), std::move(roots_));
  }

 private:
  absl::Status Run() {
    Parser parser(text_);
    if (!parser.ok()) {
      return absl::ResourceExhaustedError("cannot allocate a YAML parser");
    }
    Event event;
    bool done = false;
    while (!done) {
      if (!event.Next(parser.get())) {
        return ParserError(*parser.get());
      }
      switch (event->type) {
        case YAML_SCALAR_EVENT: {
          const auto& s = event->data.scalar;
          if (absl::Status st = CheckDepth(event->start_mark); !st.ok()) {
            return st;
          }
          const auto* value = reinterpret_cast<const char*>(s.value);
          const absl::string_view text(value, s.length);
          const bool plain = s.style == YAML_PLAIN_SCALAR_STYLE;
          // yaml-cpp's null: an untagged plain ~/null/Null/NULL or nothing.
          const bool null = plain && s.tag == nullptr && IsNullString(text);
          const uint32_t id =
              NewNode(null ? YamlKind::kNull : YamlKind::kScalar,
                      event->start_mark, s.tag);
          YamlTree::Node& n = tree_->nodes[id];
          n.plain = plain;
          if (!null) {
            n.begin = static_cast<uint32_t>(tree_->text.size());
            n.size = static_cast<uint32_t>(text.size());
            tree_->text.append(text.data(), text.size());
          }
          if (absl::Status st =
                  CountNode(id, null ? 0 : text.size(), event->start_mark);
              !st.ok()) {
            return st;
          }
          Anchor(s.anchor, id);
          Attach(id);
          break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
          if (absl::Status st = CheckDepth(event->start_mark); !st.ok()) {
            return st;
          }
          const bool sequence = event->type == YAML_SEQUENCE_START_EVENT;
          const yaml_char_t* tag = sequence ? event->data.sequence_start.tag
                                            : event->data.mapping_start.tag;
          const yaml_char_t* anchor = sequence
                                          ? event->data.sequence_start.anchor
                                          : event->data.mapping_start.anchor;
          const uint32_t id =
              NewNode(sequence ? YamlKind::kSequence : YamlKind::kMapping,
                      event->start_mark, tag);
          tree_->nodes[id].flow =
              sequence
                  ? event->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
                  : event->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
          if (absl::Status st = CountNode(id, 0, event->start_mark); !st.ok()) {
            return st;
          }
          Anchor(anchor, id);
          open_.push_back({id, static_cast<uint32_t>(pending_.size())});
          break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
          const Open top = open_.back();
          open_.pop_back();
          YamlTree::Node& n = tree_->nodes[top.node];
          const size_t count = pending_.size() - top.pending_begin;
          Extent& e = extent_[top.node];
          for (size_t i = top.pending_begin; i < pending_.size(); ++i) {
            const Extent& child = extent_[pending_[i]];
            e.nodes += child.nodes;
            e.bytes += child.bytes;
            e.height = std::max(e.height, child.height + 1);
          }
          n.begin = static_cast<uint32_t>(tree_->children.size());
          n.size = static_cast<uint32_t>(
              n.kind == YamlKind::kMapping ? count / 2 : count);
          tree_->children.insert(tree_->children.end(),
                                 pending_.begin() + top.pending_begin,
                                 pending_.end());
          pending_.resize(top.pending_begin);
          Attach(top.node);
          break;
        }
        case YAML_ALIAS_EVENT: {
          if (absl::Status st = CheckDepth(event->start_mark); !st.ok()) {
            return st;
          }
          absl::StatusOr<uint32_t> target =
              Resolve(event->data.alias.anchor, event->start_mark);
          if (!target.ok()) {
            return target.status();
          }
          if (absl::Status st = CountAlias(event->data.alias.anchor, *target,
                                           event->start_mark);
              !st.ok()) {
            return st;
          }
          Attach(*target);
          break;
        }
        case YAML_DOCUMENT_START_EVENT:
          // YAML 1.2 §9.2: an alias names an anchor of its own document.
          anchors_.clear();
          root_ = kNoNode;
          break;
        case YAML_DOCUMENT_END_EVENT:  // yaml-cpp's Load reads one document
          if (root_ != kNoNode) {
            roots_.push_back(root_);
          }
          done = !all_documents_;
          break;
        case YAML_STREAM_END_EVENT:
          done = true;
          break;
        default:  // the stream start
          break;
      }
    }
    if (roots_.empty() && !all_documents_) {  // no document, or comments
      roots_.push_back(static_cast<uint32_t>(tree_->nodes.size()));
      tree_->nodes.emplace_back();
    }
    return absl::OkStatus();
  }

  struct Open {
    uint32_t node;
    uint32_t pending_begin;  // where its children start in pending_
  };

  // What a walk over a finished node visits, aliases expanded.
  struct Extent {
    uint64_t nodes = 1;
    uint64_t bytes = 0;  // of scalar text
    uint64_t height = 1;
  };

  // A new node of the text (one of its own, not an alias): its size, and
  // the document's totals with it.
  absl::Status CountNode(uint32_t id, size_t bytes, const yaml_mark_t& mark) {
    extent_.resize(size_t{id} + 1);
    extent_[id].bytes = bytes;
    total_nodes_ += 1;
    total_bytes_ += bytes;
    if (total_nodes_ > budget_.nodes) {
      return BudgetError(mark, absl::StrCat("the document has more than ",
                                            budget_.nodes, " nodes"));
    }
    if (total_bytes_ > budget_.scalar_bytes) {
      return BudgetError(
          mark, absl::StrCat("the document has more than ",
                             budget_.scalar_bytes, " bytes of scalars"));
    }
    return absl::OkStatus();
  }

  // An alias of the finished node `target`: a walk visits all of it again,
  // nested where the alias is.
  absl::Status CountAlias(const yaml_char_t* anchor, uint32_t target,
                          const yaml_mark_t& mark) {
    const absl::string_view name(reinterpret_cast<const char*>(anchor));
    const Extent& e = extent_[target];
    const uint64_t depth = open_.size() + e.height;
    if (depth > budget_.depth) {
      return BudgetError(mark,
                         absl::StrCat("alias *", name, " nests ", depth,
                                      " levels deep, past the YAML budget of ",
                                      budget_.depth, " levels"));
    }
    total_nodes_ += e.nodes;
    total_bytes_ += e.bytes;
    if (total_nodes_ > budget_.nodes) {
      return BudgetError(
          mark, absl::StrCat("alias *", name, " repeats ", e.nodes,
                             " nodes, past the YAML budget of ", budget_.nodes,
                             " nodes (an alias counts as every node it "
                             "repeats)"));
    }
    if (total_bytes_ > budget_.scalar_bytes) {
      return BudgetError(
          mark, absl::StrCat("alias *", name, " repeats ", e.bytes,
                             " bytes of scalars, past the YAML budget of ",
                             budget_.scalar_bytes,
                             " bytes (an alias counts "
                             "as every scalar it repeats)"));
    }
    return absl::OkStatus();
  }

  static absl::Status BudgetError(const yaml_mark_t& mark,
                                  absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(mark.line + 1, ":", mark.column + 1, ": ", why));
  }

  uint32_t NewNode(YamlKind kind, const yaml_mark_t& mark,
                   const yaml_char_t* tag) {
    YamlTree::Node n;
    n.kind = kind;
    n.line = static_cast<uint32_t>(mark.line + 1);
    n.column = static_cast<uint32_t>(mark.column + 1);
    if (tag != nullptr) {
      const absl::string_view t(reinterpret_cast<const char*>(tag));
      n.tag_begin = static_cast<uint32_t>(tree_->text.size());
      n.tag_size = static_cast<uint32_t>(t.size());
      tree_->text.append(t.data(), t.size());
    }
    tree_->nodes.push_back(n);
    return static_cast<uint32_t>(tree_->nodes.size() - 1);
  }

  // A finished node becomes the next child of the innermost open collection
  // (a mapping's children alternate key, value), or its document's root.
  void Attach(uint32_t id) {
    if (open_.empty()) {
      if (root_ == kNoNode) {
        root_ = id;
      }
      return;
    }
    pending_.push_back(id);
  }

  void Anchor(const yaml_char_t* anchor, uint32_t id) {
    if (anchor != nullptr) {
      anchors_.emplace_back(reinterpret_cast<const char*>(anchor), id);
    }
  }

  // The node of the latest anchor of that name (YAML 1.2 §3.2.2.2: an alias
  // names the most recent preceding anchor).
  absl::StatusOr<uint32_t> Resolve(const yaml_char_t* anchor,
                                   const yaml_mark_t& mark) {
    const absl::string_view name(reinterpret_cast<const char*>(anchor));
    for (auto it = anchors_.rbegin(); it != anchors_.rend(); ++it) {
      if (it->first != name) {
        continue;
      }
      for (const Open& open : open_) {
        if (open.node == it->second) {
          // A cycle: every walk over the tree would never end.
          return SyntaxError(
              mark.line + 1, mark.column + 1,
              absl::StrCat("alias *", name,
                           " refers to a collection that contains it"));
        }
      }
      return it->second;
    }
    return SyntaxError(
        mark.line + 1, mark.column + 1,
        absl::StrCat("alias *", name, " has no anchor &", name, " before it"));
  }

  absl::Status CheckDepth(const yaml_mark_t& mark) const {
    if (open_.size() + 1 > budget_.depth) {
      return SyntaxError(
          mark.line + 1, mark.column + 1,
          absl::StrCat("nested more than ", budget_.depth, " levels deep"));
    }
    return absl::OkStatus();
  }

  absl::Status ParserError(const yaml_parser_t& p) const {
    if (p.error == YAML_MEMORY_ERROR) {
      return absl::ResourceExhaustedError(
          "out of memory while reading the YAML");
    }
    const std::string problem =
        p.problem != nullptr ? p.problem : "malformed YAML";
    if (p.error == YAML_READER_ERROR) {
      // The reader (encoding) reports a byte offset, not a mark.
      const size_t offset = std::min(p.problem_offset, text_.size());
      const absl::string_view before = text_.substr(0, offset);
      const size_t line_start = before.rfind('\n');
      const size_t line = 1 + static_cast<size_t>(std::count(
                                  before.begin(), before.end(), '\n'));
      const size_t column =
          1 + offset -
          (line_start == absl::string_view::npos ? 0 : line_start + 1);
      return SyntaxError(
          line, column,
          p.problem_value >= 0
              ? absl::StrCat(problem, " (byte 0x",
                             absl::Hex(p.problem_value, absl::kZeroPad2), ")")
              : problem);
    }
    std::string why = problem;
    if (p.context != nullptr) {
      absl::StrAppend(&why, " (", p.context, " that starts at ",
                      p.context_mark.line + 1, ":", p.context_mark.column + 1,
                      ")");
    }
    return SyntaxError(p.problem_mark.line + 1, p.problem_mark.column + 1, why);
  }

  absl::string_view text_;
  const YamlBudget budget_;
  const bool all_documents_;
  std::unique_ptr<YamlTree> tree_;
  std::vector<Extent> extent_;  // by node index
  uint64_t total_nodes_ = 0;
  uint64_t total_bytes_ = 0;
  std::vector<Open> open_;
  std::vector<uint32_t> pending_;  // children of the open collections
  std::vector<std::pair<std::string, uint32_t>> anchors_;
  uint32_t root_ = kNoNode;      // of the document being read
  std::vector<uint32_t> roots_;  // of the documents read
};

// The text budget, never past what 32-bit offsets into the tree can hold.
size_t TextLimit(const YamlBudget& budget) {
  return std::min(budget.text_bytes, kMaxYamlTextBytes);
}

// "256 MiB", or "1000 bytes" for a budget that is not whole mebibytes.
std::string SizeName(size_t bytes) {
  if (bytes >= (size_t{1} << 20) && bytes % (size_t{1} << 20) == 0) {
    return absl::StrCat(bytes >> 20, " MiB");
  }
  return absl::StrCat(bytes, " bytes");
}

}  // namespace

}  // namespace meshplane::contract::internal

namespace meshplane::contract {

absl::string_view YamlNode::Tag() const {
  const YamlKind k = kind();
  if (k == YamlKind::kUndefined || k == YamlKind::kNull) {
    return {};
  }
  const YamlTree::Node& n = node();
  if (n.tag_size > 0) {
    return absl::string_view(tree_->text).substr(n.tag_begin, n.tag_size);
  }
  return k == YamlKind::kScalar && !n.plain ? "!" : "?";
}

YamlNode YamlNode::Find(absl::string_view key) const {
  if (!IsMap()) {
    return {};
  }
  const YamlTree::Node& map = node();
  const uint32_t* entry = tree_->children.data() + map.begin;
  const uint32_t* end = entry + 2 * size_t{map.size};
  for (; entry != end; entry += 2) {
    const YamlTree::Node& k = tree_->nodes[entry[0]];
    if (k.kind != YamlKind::kScalar || k.size != key.size()) {
      continue;
    }
    // The first byte settles most mismatches without a call to memcmp.
    const char* text = tree_->text.data() + k.begin;
    if (key.empty() ||
        (text[0] == key[0] && absl::string_view(text, k.size) == key)) {
      return YamlNode(tree_, entry[1]);
    }
  }
  return {};
}

}  // namespace meshplane::contract

namespace meshplane::contract::internal {

absl::StatusOr<YamlDocument> LoadYaml(absl::string_view text,
                                      const YamlBudget& budget) {
  if (text.size() > TextLimit(budget)) {
    return absl::InvalidArgumentError(
        absl::StrCat("1:1: a data contract of ", text.size(),
                     " bytes is too large to read (",
                     SizeName(TextLimit(budget)), " at most)"));
  }
  absl::StatusOr<YamlDocument> doc =
      TreeBuilder(text, budget, /*all_documents=*/false).Build();
  if (!doc.ok()) {
    return doc.status();
  }
  const YamlNode root = doc->root();
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "1:1: a data contract must be a YAML mapping (apiVersion, kind, id, "
        "...), found ",
        Describe(root)));
  }
  return doc;
}

}  // namespace meshplane::contract::internal

namespace meshplane::contract {

YamlNode YamlStream::operator[](size_t i) const {
  if (i >= roots_.size()) {
    return {};
  }
  return YamlNode(tree_.get(), roots_[i]);
}

absl::StatusOr<YamlStream> ReadYaml(absl::string_view text,
                                    const YamlBudget& budget) {
  if (text.size() > internal::TextLimit(budget)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "1:1: ", text.size(), " bytes of YAML are too many to read (",
        internal::SizeName(internal::TextLimit(budget)), " at most)"));
  }
  return internal::TreeBuilder(text, budget, /*all_documents=*/true)
      .BuildStream();
}

absl::Status CheckYamlBudgets(absl::string_view text) {
  return internal::CheckYamlStream(text, internal::YamlBudget{});
}

}  // namespace meshplane::contract
