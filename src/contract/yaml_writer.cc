// Why not libyaml's emitter (yaml_emitter_*): it writes a sequence under a
// mapping key without indenting it ("key:\n- a"), a sequence in a sequence
// as "- - a", and chooses single quotes where yaml-cpp chose double ones, so
// every YAML document the CLI printed (descriptors, `-o yaml`, ODPS
// documents, which their tests and users' files compare byte for byte)
// would change. The layout yaml-cpp's emitter used is a handful of rules,
// written out here; the quoting rules are the reader's (yaml_util.cc).
#include "meshplane/contract/yaml_writer.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "contract/yaml_util.h"

namespace meshplane::contract {

YamlValue YamlValue::String(std::string text) {
  YamlValue v;
  v.kind_ = Kind::kScalar;
  v.text_ = std::move(text);
  return v;
}

YamlValue YamlValue::Quoted(std::string text) {
  YamlValue v = String(std::move(text));
  v.quoted_ = true;
  return v;
}

YamlValue YamlValue::Sequence(bool flow) {
  YamlValue v;
  v.kind_ = Kind::kSequence;
  v.flow_ = flow;
  return v;
}

YamlValue YamlValue::Mapping(bool flow) {
  YamlValue v;
  v.kind_ = Kind::kMapping;
  v.flow_ = flow;
  return v;
}

YamlValue YamlValue::Of(YamlNode node) {
  YamlValue v;
  switch (node.kind()) {
    case YamlKind::kUndefined:
    case YamlKind::kNull:
      return v;
    case YamlKind::kScalar:
      v = String(std::string(node.Scalar()));
      break;
    case YamlKind::kSequence:
      v = Sequence(node.IsFlow());
      for (YamlNode item : node.items()) {
        v.children_.push_back(Of(item));
      }
      break;
    case YamlKind::kMapping:
      v = Mapping(node.IsFlow());
      for (const YamlEntry& entry : node.entries()) {
        v.children_.push_back(Of(entry.first));
        v.children_.push_back(Of(entry.second));
      }
      break;
  }
  // "?" and "!" are the non-specific tags of plain and quoted nodes, which
  // yaml-cpp's emitter did not write.
  const absl::string_view tag = node.Tag();
  if (tag != "?" && tag != "!") {
    v.tag_ = std::string(tag);
  }
  return v;
}

size_t YamlValue::size() const {
  switch (kind_) {
    case Kind::kSequence:
      return children_.size();
    case Kind::kMapping:
      return children_.size() / 2;
    default:
      return 0;
  }
}

const YamlValue* YamlValue::Find(absl::string_view key) const {
  if (kind_ != Kind::kMapping) {
    return nullptr;
  }
  for (size_t i = 0; i + 1 < children_.size(); i += 2) {
    const YamlValue& k = children_[i];
    if (k.kind_ == Kind::kScalar && k.text_ == key) {
      return &children_[i + 1];
    }
  }
  return nullptr;
}

YamlValue* YamlValue::Find(absl::string_view key) {
  return const_cast<YamlValue*>(std::as_const(*this).Find(key));
}

void YamlValue::Set(absl::string_view key, YamlValue value) {
  if (kind_ != Kind::kMapping) {
    return;
  }
  if (YamlValue* existing = Find(key)) {
    *existing = std::move(value);
    return;
  }
  children_.push_back(String(std::string(key)));
  children_.push_back(std::move(value));
}

void YamlValue::Add(YamlValue key, YamlValue value) {
  if (kind_ == Kind::kMapping) {
    children_.push_back(std::move(key));
    children_.push_back(std::move(value));
  }
}

void YamlValue::Append(YamlValue value) {
  if (kind_ == Kind::kSequence) {
    children_.push_back(std::move(value));
  }
}

// Where a block value is written: the start of the document, after "key:",
// or after "-".
enum class Slot { kTop, kMapValue, kSeqItem };

class YamlWriterImpl {
 public:
  // A collection that takes lines of its own: block style, not empty.
  static bool IsBlock(const YamlValue& v) {
    return (v.kind_ == YamlValue::Kind::kSequence ||
            v.kind_ == YamlValue::Kind::kMapping) &&
           !v.flow_ && !v.children_.empty();
  }

  // A value on one line: a scalar, null, an empty collection, or any
  // collection in flow style. `base` is the column of the block content it
  // is part of, `depth` the number of flow collections around it (inside
  // one, more scalars need quotes).
  static void Inline(const YamlValue& v, size_t base, size_t depth,
                     std::string* out) {
    if (!v.tag_.empty()) {
      absl::StrAppend(out, "!<", v.tag_, "> ");
    }
    switch (v.kind_) {
      case YamlValue::Kind::kNull:
        out->push_back('~');
        return;
      case YamlValue::Kind::kScalar:
        if (!v.quoted_ && internal::IsPlainScalar(v.text_, depth > 0)) {
          out->append(v.text_);
        } else {
          internal::AppendDoubleQuoted(v.text_, out);
        }
        return;
      case YamlValue::Kind::kSequence:
        out->push_back('[');
        for (size_t i = 0; i < v.children_.size(); ++i) {
          if (i > 0) {
            out->append(", ");
          }
          Child(v.children_[i], base, depth + 1, out);
        }
        out->push_back(']');
        return;
      case YamlValue::Kind::kMapping:
        out->push_back('{');
        for (size_t i = 0; i + 1 < v.children_.size(); i += 2) {
          if (i > 0) {
            out->append(", ");
          }
          Child(v.children_[i], base, depth + 1, out);
          out->append(": ");
          Child(v.children_[i + 1], base, depth + 1, out);
        }
        out->push_back('}');
        return;
    }
  }

  // An item, key or value of a flow collection `depth` deep. yaml-cpp
  // wrote an empty collection there from the column of that depth's indent
  // (two per level past `base`), padding with spaces: "- [ []]".
  static void Child(const YamlValue& v, size_t base, size_t depth,
                    std::string* out) {
    if ((v.kind_ == YamlValue::Kind::kSequence ||
         v.kind_ == YamlValue::Kind::kMapping) &&
        v.children_.empty() && v.tag_.empty()) {
      const size_t line = out->rfind('\n');
      const size_t column =
          out->size() - (line == std::string::npos ? 0 : line + 1);
      const size_t target = base + 2 * depth;
      if (column < target) {
        out->append(target - column, ' ');
      }
    }
    Inline(v, base, depth, out);
  }

  // `v` in block context at `slot`; the lines of a block collection start
  // in column `indent`.
  static void Block(const YamlValue& v, size_t indent, Slot slot,
                    std::string* out) {
    if (!IsBlock(v)) {
      if (slot != Slot::kTop) {
        // yaml-cpp put an empty block collection on a line of its own, where
        // its items would have gone, except a mapping after "-" (whose
        // first key would have gone on the dash's line).
        const bool empty_block = (v.kind_ == YamlValue::Kind::kSequence ||
                                  (v.kind_ == YamlValue::Kind::kMapping &&
                                   slot == Slot::kMapValue)) &&
                                 !v.flow_ && v.tag_.empty();
        if (empty_block) {
          out->push_back('\n');
          out->append(indent, ' ');
        } else {
          out->push_back(' ');
        }
      }
      Inline(v, indent, 0, out);
      return;
    }
    bool on_new_line = slot == Slot::kTop && out->empty();
    if (!v.tag_.empty()) {
      if (slot != Slot::kTop) {
        out->push_back(' ');
      }
      absl::StrAppend(out, "!<", v.tag_, ">");
      on_new_line = false;
    }
    // A mapping under "-" starts on the dash's line; every other block
    // collection below a key, a dash or a tag starts on the next line.
    bool first_inline = false;
    if (v.kind_ == YamlValue::Kind::kMapping && slot == Slot::kSeqItem &&
        v.tag_.empty()) {
      out->push_back(' ');
      first_inline = true;
    }
    const std::string pad(indent, ' ');
    if (v.kind_ == YamlValue::Kind::kSequence) {
      for (const YamlValue& item : v.children_) {
        if (!on_new_line) {
          out->push_back('\n');
          out->append(pad);
        }
        on_new_line = false;
        out->push_back('-');
        Block(item, indent + 2, Slot::kSeqItem, out);
      }
      return;
    }
    for (size_t i = 0; i + 1 < v.children_.size(); i += 2) {
      if (!on_new_line && !first_inline) {
        out->push_back('\n');
        out->append(pad);
      }
      on_new_line = false;
      first_inline = false;
      // A collection as a key is written in flow style, on the key's line.
      Inline(v.children_[i], indent, 0, out);
      out->push_back(':');
      Block(v.children_[i + 1], indent + 2, Slot::kMapValue, out);
    }
  }
};

std::string WriteYaml(const YamlValue& value) {
  std::string out;
  YamlWriterImpl::Block(value, 0, Slot::kTop, &out);
  return out;
}

}  // namespace meshplane::contract
