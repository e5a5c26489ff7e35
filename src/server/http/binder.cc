#include "server/http/binder.h"

#include <algorithm>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"

#include "meshplane/common/errors.h"

namespace meshplane::server::http {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Parser messages quote input; a client's megabyte must not come back.
constexpr size_t kMaxParserMessage = 300;

absl::Status Invalid(absl::string_view field, absl::string_view what) {
  return InvalidArgumentWithFields(
      {FieldViolation{std::string(field), std::string(what)}});
}

const FieldDescriptor* FindByNameOrJson(const Descriptor* d,
                                        absl::string_view name) {
  const FieldDescriptor* f = d->FindFieldByName(std::string(name));
  if (f != nullptr) return f;
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->json_name() == name) return d->field(i);
  }
  return nullptr;
}

// A JSON string literal of `s`.
std::string JsonQuote(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          absl::StrAppend(&out, "\\u00", absl::Hex(c, absl::kZeroPad2));
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += "\"";
  return out;
}

std::string ParserMessage(const google::protobuf::util::Status& s) {
  std::string m = s.message().ToString();
  if (m.size() > kMaxParserMessage) {
    m = absl::StrCat(m.substr(0, kMaxParserMessage), " ... (cut)");
  }
  return m;
}

// The text of a bool: "true" or "false", nothing else.
bool ParseBoolLiteral(absl::string_view text, bool* out) {
  if (text != "true" && text != "false") return false;
  *out = text == "true";
  return true;
}

// Reads `value` with `parse` and stores it in `f` of `m` with `set`, or `add`
// on a repeated field; false when `parse` refuses it.
template <typename T>
bool PutScalar(Message* m, const FieldDescriptor* f, absl::string_view value,
               bool (*parse)(absl::string_view, T*),
               void (Reflection::*set)(Message*, const FieldDescriptor*, T)
                   const,
               void (Reflection::*add)(Message*, const FieldDescriptor*, T)
                   const) {
  T v;
  if (!parse(value, &v)) return false;
  (m->GetReflection()->*(f->is_repeated() ? add : set))(m, f, v);
  return true;
}

absl::Status SetLeaf(Message* m, const FieldDescriptor* f,
                     absl::string_view value, absl::string_view param) {
  const Reflection* r = m->GetReflection();
  const bool rep = f->is_repeated();
  const auto bad = [&](absl::string_view type) {
    return Invalid(param,
                   absl::StrCat("\"", absl::CHexEscape(value.substr(0, 64)),
                                "\" is not ", type));
  };
  // A bool or a number: read by `parse` (false: `value` is not `type`),
  // then Set, or Add on a repeated field.
  const auto scalar = [&](auto parse, auto set, auto add,
                          absl::string_view type) {
    return PutScalar(m, f, value, parse, set, add) ? absl::OkStatus()
                                                   : bad(type);
  };
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string v(value);
      if (f->type() == FieldDescriptor::TYPE_BYTES) {
        if (!absl::Base64Unescape(value, &v) &&
            !absl::WebSafeBase64Unescape(value, &v)) {
          return bad("base64");
        }
      }
      rep ? r->AddString(m, f, v) : r->SetString(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      return scalar(&ParseBoolLiteral, &Reflection::SetBool,
                    &Reflection::AddBool, "a bool (true or false)");
    case FieldDescriptor::CPPTYPE_INT32:
      return scalar(&absl::SimpleAtoi<int32_t>, &Reflection::SetInt32,
                    &Reflection::AddInt32, "a 32-bit integer");
    case FieldDescriptor::CPPTYPE_INT64:
      return scalar(&absl::SimpleAtoi<int64_t>, &Reflection::SetInt64,
                    &Reflection::AddInt64, "a 64-bit integer");
    case FieldDescriptor::CPPTYPE_UINT32:
      return scalar(&absl::SimpleAtoi<uint32_t>, &Reflection::SetUInt32,
                    &Reflection::AddUInt32, "an unsigned integer");
    case FieldDescriptor::CPPTYPE_UINT64:
      return scalar(&absl::SimpleAtoi<uint64_t>, &Reflection::SetUInt64,
                    &Reflection::AddUInt64, "an unsigned integer");
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return scalar(&absl::SimpleAtod, &Reflection::SetDouble,
                    &Reflection::AddDouble, "a number");
    case FieldDescriptor::CPPTYPE_FLOAT:
      return scalar(&absl::SimpleAtof, &Reflection::SetFloat,
                    &Reflection::AddFloat, "a number");
    case FieldDescriptor::CPPTYPE_ENUM: {
      const google::protobuf::EnumValueDescriptor* e =
          f->enum_type()->FindValueByName(std::string(value));
      int number;
      if (e == nullptr && absl::SimpleAtoi(value, &number)) {
        e = f->enum_type()->FindValueByNumber(number);
      }
      if (e == nullptr) {
        return bad(absl::StrCat("a value of ", f->enum_type()->name()));
      }
      rep ? r->AddEnum(m, f, e) : r->SetEnum(m, f, e);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      // Only the well-known types have a text form: their JSON one.
      if (f->message_type()->file()->package() != "google.protobuf") {
        return Invalid(param,
                       absl::StrCat("is a message (", f->message_type()->name(),
                                    "): set its fields one by one"));
      }
      std::unique_ptr<Message> v(
          r->GetMessageFactory()->GetPrototype(f->message_type())->New());
      google::protobuf::util::Status s =
          google::protobuf::util::JsonStringToMessage(JsonQuote(value),
                                                      v.get());
      if (!s.ok()) {
        // Wrappers of numbers and bools take the bare literal.
        v->Clear();
        if (!google::protobuf::util::JsonStringToMessage(std::string(value),
                                                         v.get())
                 .ok()) {
          return bad(absl::StrCat("a valid ", f->message_type()->name(), " (",
                                  ParserMessage(s), ")"));
        }
      }
      if (rep) {
        r->AddMessage(m, f)->CopyFrom(*v);
      } else {
        r->MutableMessage(m, f)->CopyFrom(*v);
      }
      return absl::OkStatus();
    }
  }
  return bad("supported");
}

}  // namespace

absl::StatusOr<std::vector<const FieldDescriptor*>> ResolveFieldPath(
    const Descriptor* type, absl::string_view path) {
  std::vector<const FieldDescriptor*> out;
  const Descriptor* d = type;
  std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    if (d == nullptr) {
      return Invalid(path, "names a field inside a field that has none");
    }
    const FieldDescriptor* f = FindByNameOrJson(d, parts[i]);
    if (f == nullptr) {
      return Invalid(path, absl::StrCat("no field \"", parts[i], "\" in ",
                                        d->full_name()));
    }
    if (i + 1 < parts.size() &&
        (f->is_repeated() ||
         f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE)) {
      return Invalid(
          path, absl::StrCat("\"", parts[i], "\" is not a singular message"));
    }
    out.push_back(f);
    d = f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE ? f->message_type()
                                                          : nullptr;
  }
  return out;
}

absl::Status SetFieldFromText(Message* message, absl::string_view path,
                              absl::string_view value,
                              absl::string_view param) {
  absl::StatusOr<std::vector<const FieldDescriptor*>> fields =
      ResolveFieldPath(message->GetDescriptor(), path);
  if (!fields.ok()) {
    return Invalid(param, absl::StrCat("names no field of ",
                                       message->GetDescriptor()->name()));
  }
  Message* m = message;
  for (size_t i = 0; i + 1 < fields->size(); ++i) {
    m = m->GetReflection()->MutableMessage(m, (*fields)[i]);
  }
  return SetLeaf(m, fields->back(), value, param);
}

absl::Status BindQuery(const QueryParams& params,
                       const std::vector<std::string>& path_fields,
                       const std::string& body, Message* message) {
  const Descriptor* type = message->GetDescriptor();
  // The fields bound so far, by their first field, to refuse a singular
  // field given twice and a field the path binds.
  std::vector<const FieldDescriptor*> path_leaves;
  for (const std::string& p : path_fields) {
    auto r = ResolveFieldPath(type, p);
    if (r.ok()) path_leaves.push_back(r->back());
  }
  std::vector<const FieldDescriptor*> seen;
  for (const auto& [key, value] : params) {
    const std::string param = absl::StrCat("query parameter ", key);
    absl::StatusOr<std::vector<const FieldDescriptor*>> fields =
        ResolveFieldPath(type, key);
    if (!fields.ok()) {
      return Invalid(key,
                     absl::StrCat("unknown query parameter \"", key,
                                  "\": ", type->name(), " has no such field"));
    }
    const FieldDescriptor* leaf = fields->back();
    if (body == "*" || (!body.empty() && fields->front()->name() == body)) {
      return Invalid(key, absl::StrCat("query parameter \"", key,
                                       "\" names a field of the body; send "
                                       "it in the body"));
    }
    if (std::find(path_leaves.begin(), path_leaves.end(), leaf) !=
        path_leaves.end()) {
      return Invalid(key, absl::StrCat("query parameter \"", key,
                                       "\" names a field of the path"));
    }
    if (!leaf->is_repeated()) {
      if (std::find(seen.begin(), seen.end(), leaf) != seen.end()) {
        return Invalid(key, absl::StrCat("query parameter \"", key,
                                         "\" given more than once"));
      }
      seen.push_back(leaf);
    }
    absl::Status s = SetFieldFromText(message, key, value, key);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status BindBody(absl::string_view json, const std::string& body,
                      Message* message) {
  if (body.empty() || absl::StripAsciiWhitespace(json).empty()) {
    return absl::OkStatus();
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (body == "*") {
    google::protobuf::util::Status s =
        google::protobuf::util::JsonStringToMessage(
            google::protobuf::StringPiece(json.data(), json.size()), message,
            options);
    if (!s.ok()) {
      return Invalid(
          "body", absl::StrCat("not a valid ", message->GetDescriptor()->name(),
                               " in JSON: ", ParserMessage(s)));
    }
    return absl::OkStatus();
  }
  const FieldDescriptor* f = message->GetDescriptor()->FindFieldByName(body);
  if (f == nullptr) {
    return absl::InternalError(absl::StrCat("body field \"", body,
                                            "\" is not in ",
                                            message->GetDescriptor()->name()));
  }
  // The body is the JSON value of that one field: parse it as such, so that
  // any field type is handled by protobuf's own JSON support.
  std::unique_ptr<Message> holder(message->New());
  const std::string wrapped =
      absl::StrCat("{", JsonQuote(f->json_name()), ":", json, "}");
  google::protobuf::util::Status s =
      google::protobuf::util::JsonStringToMessage(wrapped, holder.get(),
                                                  options);
  if (!s.ok()) {
    return Invalid(
        f->json_name(),
        absl::StrCat("the body is not a valid ",
                     f->message_type() != nullptr ? f->message_type()->name()
                                                  : std::string(f->type_name()),
                     " in JSON: ", ParserMessage(s)));
  }
  // The wrapping must not let a crafted body reach a sibling field.
  std::vector<const FieldDescriptor*> set;
  holder->GetReflection()->ListFields(*holder, &set);
  if (set.size() > 1 || (set.size() == 1 && set[0] != f)) {
    return Invalid(f->json_name(), "the body is not one JSON value");
  }
  message->MergeFrom(*holder);
  return absl::OkStatus();
}

std::string ToJson(const Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

}  // namespace meshplane::server::http
