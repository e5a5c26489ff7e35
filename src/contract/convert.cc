// Conversion between ODCS versions: the source is copied into a small
// mutable tree, edited for the target version (every field the target has
// no place for becomes a Loss), written back out with libyaml's emitter, and
// validated under the target's rules.
#include "meshplane/contract/convert.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "contract/yaml_util.h"
#include <yaml.h>

#include "meshplane/common/status_macros.h"

namespace meshplane::contract {
namespace {

using internal::Get;
using internal::YamlEntry;
using internal::YamlNode;

// A mutable copy of a YAML node. Keys are scalars (ODCS has no other).
struct Out {
  enum class Kind { kNull, kScalar, kSequence, kMapping };
  Kind kind = Kind::kNull;
  std::string text;
  bool plain = true;  // written as a plain scalar, so it keeps its type
  std::vector<Out> items;
  std::vector<std::pair<std::string, Out>> entries;
  SourcePosition position;
  SourcePosition key_position;  // of the key this value belongs to, if any

  static Out Scalar(std::string s, bool is_plain = true) {
    Out o;
    o.kind = Kind::kScalar;
    o.text = std::move(s);
    o.plain = is_plain;
    return o;
  }
  static Out Mapping() {
    Out o;
    o.kind = Kind::kMapping;
    return o;
  }
  static Out Sequence() {
    Out o;
    o.kind = Kind::kSequence;
    return o;
  }

  Out* Find(absl::string_view key) {
    for (auto& [k, v] : entries) {
      if (k == key) {
        return &v;
      }
    }
    return nullptr;
  }
  void Set(const std::string& key, Out value) {
    if (Out* v = Find(key)) {
      *v = std::move(value);
    } else {
      entries.emplace_back(key, std::move(value));
    }
  }
  void Erase(absl::string_view key) {
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [&](const auto& e) { return e.first == key; }),
                  entries.end());
  }
  bool IsMap() const { return kind == Kind::kMapping; }
  bool IsSeq() const { return kind == Kind::kSequence; }
};

Out Copy(YamlNode n) {
  Out o;
  o.position = n.position();
  if (n.IsScalar()) {
    o.kind = Out::Kind::kScalar;
    o.text = std::string(n.Scalar());
    // "?" is a plain scalar; "!" a quoted or block one, which stays a
    // string only if it is written quoted again.
    o.plain = n.Tag() == "?";
  } else if (n.IsSequence()) {
    o.kind = Out::Kind::kSequence;
    for (YamlNode item : n.items()) {
      o.items.push_back(Copy(item));
    }
  } else if (n.IsMap()) {
    o.kind = Out::Kind::kMapping;
    for (const YamlEntry& kv : n.entries()) {
      o.entries.emplace_back(internal::ToText(kv.first), Copy(kv.second));
      o.entries.back().second.key_position = kv.first.position();
    }
  }
  return o;
}

int WriteTo(void* data, unsigned char* buffer, size_t size) {
  static_cast<std::string*>(data)->append(reinterpret_cast<char*>(buffer),
                                          size);
  return 1;
}

class Emitter {
 public:
  Emitter() {
    yaml_emitter_initialize(&emitter_);
    yaml_emitter_set_output(&emitter_, &WriteTo, &out_);
    yaml_emitter_set_unicode(&emitter_, 1);
    yaml_emitter_set_width(&emitter_, 100);
    yaml_emitter_set_indent(&emitter_, 2);
  }
  ~Emitter() { yaml_emitter_delete(&emitter_); }
  Emitter(const Emitter&) = delete;
  Emitter& operator=(const Emitter&) = delete;

  absl::StatusOr<std::string> Run(const Out& root) {
    yaml_event_t e;
    yaml_stream_start_event_initialize(&e, YAML_UTF8_ENCODING);
    Emit(&e);
    yaml_document_start_event_initialize(&e, nullptr, nullptr, nullptr, 1);
    Emit(&e);
    Node(root);
    yaml_document_end_event_initialize(&e, 1);
    Emit(&e);
    yaml_stream_end_event_initialize(&e);
    Emit(&e);
    if (!ok_) {
      return absl::InternalError(absl::StrCat(
          "the YAML emitter failed: ",
          emitter_.problem == nullptr ? "unknown" : emitter_.problem));
    }
    return out_;
  }

 private:
  void Emit(yaml_event_t* e) {
    if (ok_ && !yaml_emitter_emit(&emitter_, e)) {
      ok_ = false;
    }
  }

  void ScalarEvent(const std::string& text, bool plain, bool null = false) {
    yaml_event_t e;
    const bool multiline = text.find('\n') != std::string::npos;
    yaml_scalar_style_t style =
        null || plain ? YAML_PLAIN_SCALAR_STYLE
                      : (multiline ? YAML_LITERAL_SCALAR_STYLE
                                   : YAML_SINGLE_QUOTED_SCALAR_STYLE);
    const std::string& value = null ? kNull : text;
    yaml_scalar_event_initialize(
        &e, nullptr, nullptr,
        reinterpret_cast<yaml_char_t*>(const_cast<char*>(value.data())),
        static_cast<int>(value.size()), plain || null ? 1 : 0,
        plain || null ? 0 : 1, style);
    Emit(&e);
  }

  void Node(const Out& n) {
    yaml_event_t e;
    switch (n.kind) {
      case Out::Kind::kNull:
        ScalarEvent("", true, /*null=*/true);
        return;
      case Out::Kind::kScalar:
        ScalarEvent(n.text, n.plain);
        return;
      case Out::Kind::kSequence:
        yaml_sequence_start_event_initialize(&e, nullptr, nullptr, 1,
                                             YAML_BLOCK_SEQUENCE_STYLE);
        Emit(&e);
        for (const Out& item : n.items) {
          Node(item);
        }
        yaml_sequence_end_event_initialize(&e);
        Emit(&e);
        return;
      case Out::Kind::kMapping:
        yaml_mapping_start_event_initialize(&e, nullptr, nullptr, 1,
                                            YAML_BLOCK_MAPPING_STYLE);
        Emit(&e);
        for (const auto& [key, value] : n.entries) {
          ScalarEvent(key, true);
          Node(value);
        }
        yaml_mapping_end_event_initialize(&e);
        Emit(&e);
        return;
    }
  }

  inline static const std::string kNull = "null";
  yaml_emitter_t emitter_;
  std::string out_;
  bool ok_ = true;
};

std::string Field(const std::string& path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

std::string Index(const std::string& path, size_t i) {
  return absl::StrCat(path, "[", i, "]");
}

// The edits from v3.2.0 to v3.1.0.
class Downgrade {
 public:
  std::vector<Loss> Run(Out& root) {
    Drop(root, "", "context", "the context block for AI agents is v3.2.0");
    Each(root, "", "servers", [&](Out& s, const std::string& p) {
      const Out* type = s.Find("type");
      if (type != nullptr && type->text == "athena") {
        Drop(s, p, "workgroup", "the Athena workgroup is v3.2.0");
      }
    });
    Each(root, "", "schema",
         [&](Out& o, const std::string& p) { Object(o, p); });
    Each(root, "", "slaProperties", [&](Out& s, const std::string& p) {
      Drop(s, p, "customProperties",
           "custom properties of an SLA are v3.2.0 (RFC 0046)");
      Drop(s, p, "authoritativeDefinitions",
           "authoritative definitions of an SLA are v3.2.0 (RFC 0046)");
    });
    return std::move(losses_);
  }

 private:
  void Lose(const std::string& path, SourcePosition pos, std::string msg) {
    losses_.push_back({path, pos, std::move(msg)});
  }

  void Drop(Out& map, const std::string& path, absl::string_view key,
            absl::string_view why) {
    if (!map.IsMap()) {
      return;
    }
    if (Out* v = map.Find(key)) {
      // Point at the key, as validation points at an unknown field.
      Lose(Field(path, key),
           v->key_position.line > 0 ? v->key_position : v->position,
           absl::StrCat("not carried: ", why));
      map.Erase(key);
    }
  }

  template <typename Fn>
  void Each(Out& map, const std::string& path, absl::string_view key, Fn fn) {
    Out* list = map.IsMap() ? map.Find(key) : nullptr;
    if (list == nullptr || !list->IsSeq()) {
      return;
    }
    for (size_t i = 0; i < list->items.size(); ++i) {
      if (list->items[i].IsMap()) {
        fn(list->items[i], Index(Field(path, key), i));
      }
    }
  }

  void Relationships(Out& n, const std::string& path) {
    Each(n, path, "relationships", [&](Out& r, const std::string& p) {
      Drop(r, p, "id", "relationship ids are v3.2.0 (RFC 0047)");
    });
  }

  void Object(Out& o, const std::string& path) {
    Drop(o, path, "context", "the context block for AI agents is v3.2.0");
    Drop(o, path, "synonyms", "synonyms are v3.2.0 (RFC 0041)");
    Drop(o, path, "deprecated", "the deprecated mark is v3.2.0 (RFC 0051)");
    Relationships(o, path);
    Each(o, path, "properties",
         [&](Out& p, const std::string& pp) { Property(p, pp); });
  }

  void Property(Out& n, const std::string& path) {
    Drop(n, path, "synonyms", "synonyms are v3.2.0 (RFC 0041)");
    Drop(n, path, "semanticType",
         "semanticType (column, measure, dimension) is v3.2.0 (RFC 0034)");
    Drop(n, path, "deprecated", "the deprecated mark is v3.2.0 (RFC 0051)");
    Relationships(n, path);
    Enum(n, path);
    Out* lt = n.Find("logicalType");
    const std::string logical_type = lt != nullptr ? lt->text : "";
    if (logical_type == "map") {
      lt->text = "object";
      if (Out* m = n.Find("map")) {
        Lose(Field(path, "map"), m->key_position,
             "not carried: v3.1.0 has no map type; the property becomes "
             "logicalType object and the definitions of its key and value "
             "are dropped");
        n.Erase("map");
      }
    } else if (logical_type == "vector") {
      Vector(n, path, lt);
    }
    Each(n, path, "properties",
         [&](Out& p, const std::string& pp) { Property(p, pp); });
    if (Out* items = n.Find("items"); items != nullptr && items->IsMap()) {
      Property(*items, Field(path, "items"));
    }
  }

  // v3.1.0 states allowed values as an invalidValues rule (docs/contracts.md):
  // the values are carried; labels, descriptions, ids, tags and custom
  // properties of the entries are not.
  void Enum(Out& n, const std::string& path) {
    Out* e = n.Find("enum");
    if (e == nullptr) {
      return;
    }
    const std::string epath = Field(path, "enum");
    Out values = Out::Sequence();
    if (e->IsSeq()) {
      for (size_t i = 0; i < e->items.size(); ++i) {
        Out& entry = e->items[i];
        if (!entry.IsMap()) {
          continue;
        }
        std::vector<std::string> extra;
        for (const auto& [k, v] : entry.entries) {
          if (k == "value") {
            values.items.push_back(v);
          } else {
            extra.push_back(k);
          }
        }
        if (!extra.empty()) {
          Lose(Index(epath, i), entry.position,
               absl::StrCat("not carried: ", absl::StrJoin(extra, ", "),
                            " of an enum value (v3.1.0 keeps the value only, "
                            "in an invalidValues rule)"));
        }
      }
    }
    const SourcePosition pos = e->position;
    n.Erase("enum");
    if (values.items.empty()) {
      Lose(epath, pos, "not carried: an enum without values");
      return;
    }
    Out args = Out::Mapping();
    args.Set("validValues", std::move(values));
    Out rule = Out::Mapping();
    rule.Set("metric", Out::Scalar("invalidValues"));
    rule.Set("mustBe", Out::Scalar("0"));
    rule.Set("arguments", std::move(args));
    Out* quality = n.Find("quality");
    if (quality == nullptr || !quality->IsSeq()) {
      n.Set("quality", Out::Sequence());
      quality = n.Find("quality");
    }
    quality->items.push_back(std::move(rule));
  }

  // RFC 0042's vector becomes an array of numbers whose length is its
  // dimensions; what an array cannot say is reported.
  void Vector(Out& n, const std::string& path, Out* lt) {
    lt->text = "array";
    Out* options = n.Find("logicalTypeOptions");
    const std::string opath = Field(path, "logicalTypeOptions");
    if (options != nullptr && options->IsMap()) {
      Out carried = Out::Mapping();
      for (const auto& [k, v] : options->entries) {
        if (k == "dimensions") {
          carried.Set("minItems", v);
          carried.Set("maxItems", v);
        } else {
          Lose(Field(opath, k), v.key_position,
               absl::StrCat("not carried: a vector's ", k,
                            " (v3.1.0 has no vector type; the property "
                            "becomes an array of numbers)"));
        }
      }
      *options = std::move(carried);
    }
    if (n.Find("items") == nullptr) {
      Out items = Out::Mapping();
      items.Set("logicalType", Out::Scalar("number"));
      n.Set("items", std::move(items));
    }
  }

  std::vector<Loss> losses_;
};

bool IsV30(absl::string_view v) {
  return v == "v3.0.0" || v == "v3.0.1" || v == "v3.0.2";
}

}  // namespace

std::string Loss::ToString() const {
  std::string where = path.empty() ? std::string("(document)") : path;
  if (position.line > 0) {
    absl::StrAppend(&where, " (line ", position.line, ", column ",
                    position.column, ")");
  }
  return absl::StrCat(where, ": ", message);
}

const std::vector<std::string>& ConvertTargets() {
  static const auto* targets = new std::vector<std::string>{"v3.1.0", "v3.2.0"};
  return *targets;
}

absl::StatusOr<Conversion> Convert(absl::string_view yaml_text,
                                   absl::string_view to_version) {
  const auto& targets = ConvertTargets();
  if (std::find(targets.begin(), targets.end(), to_version) == targets.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot convert to \"", to_version, "\": the targets are ",
                     absl::StrJoin(targets, ", ")));
  }
  MP_ASSIGN_OR_RETURN(internal::YamlDocument doc,
                      internal::LoadYaml(yaml_text));
  const YamlNode root = doc.root();
  const std::string from(Get(root, "apiVersion").Scalar());
  if (from != "v3.1.0" && from != "v3.2.0" && !IsV30(from)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "apiVersion: cannot convert from \"", from,
        "\": the sources are v3.0.0, v3.0.1, v3.0.2, v3.1.0 and v3.2.0"));
  }
  Conversion c;
  c.from_version = from;
  c.to_version = std::string(to_version);
  Out out = Copy(root);
  if (from == "v3.2.0" && to_version == "v3.1.0") {
    c.losses = Downgrade().Run(out);
  }
  out.Set("apiVersion", Out::Scalar(c.to_version));
  std::stable_sort(c.losses.begin(), c.losses.end(),
                   [](const Loss& a, const Loss& b) {
                     return std::make_pair(a.position.line, a.position.column) <
                            std::make_pair(b.position.line, b.position.column);
                   });
  MP_ASSIGN_OR_RETURN(c.yaml, Emitter().Run(out));
  MP_ASSIGN_OR_RETURN(std::vector<Issue> issues, Validate(c.yaml));
  c.issues = std::move(issues);
  return c;
}

}  // namespace meshplane::contract
