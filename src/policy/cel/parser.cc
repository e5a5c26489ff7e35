#include "meshplane/policy/cel/parser.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "policy/cel/format_util.h"

namespace meshplane::policy::cel {
namespace {

// ---------------------------------------------------------------------------
// Lexer (CEL spec, "Lexical structure").

enum class Tok : uint8_t {
  kEof,
  kError,
  kInt,  // u64 magnitude; range checked by the parser
  kUint,
  kDouble,
  kString,
  kBytes,
  kIdent,
  kReserved,  // reserved words: valid only as field or method names
  kTrue,
  kFalse,
  kNull,
  kIn,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kLBrace,
  kRBrace,
  kDot,
  kComma,
  kColon,
  kQuestion,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kNot,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
};

struct Token {
  Tok kind = Tok::kEof;
  int offset = 0;
  absl::string_view text;
  uint64_t u = 0;
  bool int_overflow = false;
  double d = 0;
  std::string s;  // decoded string/bytes payload, or error message
};

bool IsReserved(absl::string_view w) {
  static constexpr absl::string_view kWords[] = {
      "as",        "break",  "const",  "continue", "else", "for",
      "function",  "if",     "import", "let",      "loop", "package",
      "namespace", "return", "var",    "void",     "while"};
  for (absl::string_view k : kWords) {
    if (k == w) return true;
  }
  return false;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int HexVal(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}
bool IsIdentStart(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

class Lexer {
 public:
  explicit Lexer(absl::string_view text) : text_(text) {}

  // Tokenises everything; stops at the first error token.
  std::vector<Token> Run() {
    std::vector<Token> out;
    while (true) {
      Token t = Next(out.empty() ? Tok::kEof : out.back().kind);
      bool stop = t.kind == Tok::kEof || t.kind == Tok::kError;
      out.push_back(std::move(t));
      if (stop) break;
    }
    return out;
  }

 private:
  Token Make(Tok kind, size_t start) {
    Token t;
    t.kind = kind;
    t.offset = static_cast<int>(start);
    t.text = text_.substr(start, pos_ - start);
    return t;
  }
  Token Error(size_t at, std::string message) {
    Token t;
    t.kind = Tok::kError;
    t.offset = static_cast<int>(at);
    t.s = std::move(message);
    return t;
  }

  void SkipSpaceAndComments() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
          c == '\v') {
        ++pos_;
      } else if (c == '/' && pos_ + 1 < text_.size() &&
                 text_[pos_ + 1] == '/') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  Token Next(Tok prev) {
    SkipSpaceAndComments();
    size_t start = pos_;
    if (pos_ >= text_.size()) return Make(Tok::kEof, start);
    char c = text_[pos_];
    // String and bytes literals, with r/b prefixes in any order and case.
    {
      size_t p = pos_;
      bool raw = false, bytes = false;
      for (int i = 0; i < 2 && p < text_.size(); ++i) {
        char q = text_[p];
        if ((q == 'r' || q == 'R') && !raw) {
          raw = true;
          ++p;
        } else if ((q == 'b' || q == 'B') && !bytes) {
          bytes = true;
          ++p;
        } else {
          break;
        }
      }
      if (p < text_.size() && (text_[p] == '"' || text_[p] == '\'')) {
        pos_ = p;
        return LexString(start, raw, bytes);
      }
    }
    if (IsIdentStart(c)) {
      while (pos_ < text_.size() && IsIdentChar(text_[pos_])) ++pos_;
      Token t = Make(Tok::kIdent, start);
      if (t.text == "true") {
        t.kind = Tok::kTrue;
      } else if (t.text == "false") {
        t.kind = Tok::kFalse;
      } else if (t.text == "null") {
        t.kind = Tok::kNull;
      } else if (t.text == "in") {
        t.kind = Tok::kIn;
      } else if (IsReserved(t.text)) {
        t.kind = Tok::kReserved;
      }
      return t;
    }
    if (c == '`') {
      // Escaped field name (CEL 'quoted identifiers'): `content-type`.
      ++pos_;
      size_t name_start = pos_;
      while (pos_ < text_.size() && text_[pos_] != '`' && text_[pos_] != '\n') {
        char q = text_[pos_];
        if (!(IsIdentChar(q) || q == '.' || q == '-' || q == '/' || q == '~' ||
              q == ' ')) {
          return Error(pos_, "invalid character in quoted identifier");
        }
        ++pos_;
      }
      if (pos_ >= text_.size() || text_[pos_] != '`' || pos_ == name_start) {
        return Error(start, "unterminated quoted identifier");
      }
      ++pos_;
      Token t = Make(Tok::kIdent, start);
      t.s = std::string(text_.substr(name_start, pos_ - 1 - name_start));
      t.u = 1;  // marks a quoted identifier
      return t;
    }
    bool after_operand =
        prev == Tok::kIdent || prev == Tok::kRParen || prev == Tok::kRBracket ||
        prev == Tok::kRBrace || prev == Tok::kInt || prev == Tok::kUint ||
        prev == Tok::kDouble || prev == Tok::kString || prev == Tok::kBytes ||
        prev == Tok::kTrue || prev == Tok::kFalse || prev == Tok::kNull ||
        prev == Tok::kReserved;
    if (IsDigit(c) || (c == '.' && !after_operand && pos_ + 1 < text_.size() &&
                       IsDigit(text_[pos_ + 1]))) {
      return LexNumber(start);
    }
    ++pos_;
    auto two = [&](char next) {
      if (pos_ < text_.size() && text_[pos_] == next) {
        ++pos_;
        return true;
      }
      return false;
    };
    switch (c) {
      case '(':
        return Make(Tok::kLParen, start);
      case ')':
        return Make(Tok::kRParen, start);
      case '[':
        return Make(Tok::kLBracket, start);
      case ']':
        return Make(Tok::kRBracket, start);
      case '{':
        return Make(Tok::kLBrace, start);
      case '}':
        return Make(Tok::kRBrace, start);
      case '.':
        return Make(Tok::kDot, start);
      case ',':
        return Make(Tok::kComma, start);
      case ':':
        return Make(Tok::kColon, start);
      case '?':
        return Make(Tok::kQuestion, start);
      case '+':
        return Make(Tok::kPlus, start);
      case '-':
        return Make(Tok::kMinus, start);
      case '*':
        return Make(Tok::kStar, start);
      case '/':
        return Make(Tok::kSlash, start);
      case '%':
        return Make(Tok::kPercent, start);
      case '!':
        return Make(two('=') ? Tok::kNe : Tok::kNot, start);
      case '=':
        if (two('=')) return Make(Tok::kEq, start);
        return Error(start, "unexpected '=' (did you mean '=='?)");
      case '<':
        return Make(two('=') ? Tok::kLe : Tok::kLt, start);
      case '>':
        return Make(two('=') ? Tok::kGe : Tok::kGt, start);
      case '&':
        if (two('&')) return Make(Tok::kAnd, start);
        return Error(start, "unexpected '&' (did you mean '&&'?)");
      case '|':
        if (two('|')) return Make(Tok::kOr, start);
        return Error(start, "unexpected '|' (did you mean '||'?)");
      default:
        break;
    }
    size_t p = start;
    char32_t cp = internal::DecodeUtf8(text_, &p);
    std::string shown;
    internal::AppendUtf8(cp, &shown);
    return Error(start, absl::StrCat("unexpected character '", shown, "'"));
  }

  Token LexNumber(size_t start) {
    if (text_[pos_] == '0' && pos_ + 1 < text_.size() &&
        (text_[pos_ + 1] == 'x' || text_[pos_ + 1] == 'X')) {
      pos_ += 2;
      size_t digits_start = pos_;
      uint64_t v = 0;
      bool overflow = false;
      while (pos_ < text_.size() && IsHex(text_[pos_])) {
        if (v > (std::numeric_limits<uint64_t>::max() >> 4)) overflow = true;
        v = (v << 4) | static_cast<uint64_t>(HexVal(text_[pos_]));
        ++pos_;
      }
      if (pos_ == digits_start) return Error(start, "invalid hex literal");
      return FinishInt(start, v, overflow);
    }
    while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    bool is_double = false;
    if (pos_ + 1 < text_.size() && text_[pos_] == '.' &&
        IsDigit(text_[pos_ + 1])) {
      is_double = true;
      ++pos_;
      while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      size_t p = pos_ + 1;
      if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
      if (p < text_.size() && IsDigit(text_[p])) {
        is_double = true;
        pos_ = p;
        while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
      } else {
        return Error(pos_, "invalid exponent in number");
      }
    }
    if (is_double) {
      Token t = Make(Tok::kDouble, start);
      std::string copy(t.text);
      errno = 0;
      t.d = std::strtod(copy.c_str(), nullptr);
      // Overflow to infinity is accepted (the value is +Inf), as in cel-go.
      return t;
    }
    uint64_t v = 0;
    bool overflow = false;
    for (size_t i = start; i < pos_; ++i) {
      uint64_t digit = static_cast<uint64_t>(text_[i] - '0');
      if (v > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
        overflow = true;
      }
      v = v * 10 + digit;
    }
    return FinishInt(start, v, overflow);
  }

  Token FinishInt(size_t start, uint64_t v, bool overflow) {
    Tok kind = Tok::kInt;
    if (pos_ < text_.size() && (text_[pos_] == 'u' || text_[pos_] == 'U')) {
      ++pos_;
      kind = Tok::kUint;
    }
    if (pos_ < text_.size() && IsIdentChar(text_[pos_])) {
      return Error(pos_, "invalid character after number");
    }
    Token t = Make(kind, start);
    t.u = v;
    t.int_overflow = overflow;
    return t;
  }

  // CEL spec, "String and bytes literals": escapes \a \b \f \n \r \t \v
  // \\ \? \" \' \`, \xHH, \ooo, and in strings only \uHHHH and \UHHHHHHHH.
  Token LexString(size_t start, bool raw, bool bytes) {
    char quote = text_[pos_];
    bool triple = pos_ + 2 < text_.size() && text_[pos_ + 1] == quote &&
                  text_[pos_ + 2] == quote;
    pos_ += triple ? 3 : 1;
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) {
        return Error(start, "unterminated string literal");
      }
      char c = text_[pos_];
      if (c == quote) {
        if (!triple) {
          ++pos_;
          break;
        }
        if (pos_ + 2 < text_.size() + 0 && text_[pos_ + 1] == quote &&
            text_[pos_ + 2] == quote) {
          pos_ += 3;
          break;
        }
        out.push_back(c);
        ++pos_;
        continue;
      }
      if ((c == '\n' || c == '\r') && !triple) {
        return Error(pos_, "newline in string literal (use \\n or '''...''')");
      }
      if (c != '\\' || raw) {
        out.push_back(c);
        ++pos_;
        continue;
      }
      size_t esc = pos_;
      ++pos_;
      if (pos_ >= text_.size()) {
        return Error(esc, "unterminated escape sequence");
      }
      char e = text_[pos_++];
      // \x and octal escapes give one byte in bytes, one code point in
      // strings (CEL spec, "String and bytes literals").
      auto append_byte = [&out, bytes](int v) {
        if (bytes) {
          out.push_back(static_cast<char>(v));
        } else {
          internal::AppendUtf8(static_cast<char32_t>(v), &out);
        }
      };
      switch (e) {
        case 'a':
          out.push_back('\a');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'v':
          out.push_back('\v');
          break;
        case '\\':
        case '?':
        case '"':
        case '\'':
        case '`':
          out.push_back(e);
          break;
        case 'x':
        case 'X': {
          if (pos_ + 2 > text_.size() || !IsHex(text_[pos_]) ||
              !IsHex(text_[pos_ + 1])) {
            return Error(esc, "invalid \\x escape: expected two hex digits");
          }
          int v = HexVal(text_[pos_]) * 16 + HexVal(text_[pos_ + 1]);
          pos_ += 2;
          append_byte(v);
          break;
        }
        case 'u':
        case 'U': {
          if (bytes) {
            return Error(esc, "\\u and \\U escapes are not allowed in bytes");
          }
          int n = e == 'u' ? 4 : 8;
          if (pos_ + n > text_.size()) {
            return Error(esc, "invalid unicode escape");
          }
          uint32_t v = 0;
          for (int i = 0; i < n; ++i) {
            if (!IsHex(text_[pos_ + i])) {
              return Error(esc, "invalid unicode escape");
            }
            v = v * 16 + static_cast<uint32_t>(HexVal(text_[pos_ + i]));
          }
          pos_ += n;
          if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
            return Error(esc, "invalid unicode code point in escape");
          }
          internal::AppendUtf8(static_cast<char32_t>(v), &out);
          break;
        }
        case '0':
        case '1':
        case '2':
        case '3': {
          if (pos_ + 2 > text_.size() || text_[pos_] < '0' ||
              text_[pos_] > '7' || text_[pos_ + 1] < '0' ||
              text_[pos_ + 1] > '7') {
            return Error(esc, "invalid octal escape: expected three digits");
          }
          int v = (e - '0') * 64 + (text_[pos_] - '0') * 8 +
                  (text_[pos_ + 1] - '0');
          pos_ += 2;
          append_byte(v);
          break;
        }
        default:
          return Error(esc, "invalid escape sequence");
      }
    }
    Token t = Make(bytes ? Tok::kBytes : Tok::kString, start);
    if (!bytes && !internal::IsValidUtf8(out)) {
      return Error(start, "string literal is not valid UTF-8");
    }
    t.s = std::move(out);
    return t;
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------------------
// Parser: recursive descent over CEL's grammar (CEL spec, "Syntax"):
//
//   Expr           = ConditionalOr ["?" ConditionalOr ":" Expr] ;
//   ConditionalOr  = [ConditionalOr "||"] ConditionalAnd ;
//   ConditionalAnd = [ConditionalAnd "&&"] Relation ;
//   Relation       = [Relation Relop] Addition ;
//   Addition       = [Addition ("+" | "-")] Multiplication ;
//   Multiplication = [Multiplication ("*" | "/" | "%")] Unary ;
//   Unary          = Member | "!" {"!"} Member | "-" {"-"} Member ;
//   Member         = Primary | Member "." SELECTOR ["(" [ExprList] ")"]
//                  | Member "[" Expr "]" ;
//   Primary        = ["."] IDENT ["(" [ExprList] ")"] | "(" Expr ")"
//                  | "[" [ExprList] [","] "]" | "{" [MapInits] [","] "}"
//                  | LITERAL ;

class Parser {
 public:
  Parser(const Source& source, const ParserOptions& options)
      : source_(source), options_(options) {}

  ParseResult Run() {
    ParseResult result;
    if (static_cast<int>(source_.text().size()) >
        options_.max_expression_size) {
      result.issues.push_back(source_.MakeIssue(
          0, absl::StrCat("expression size ", source_.text().size(),
                          " exceeds the limit of ",
                          options_.max_expression_size, " bytes")));
      return result;
    }
    // A lexical error ends the token stream with an error token, which the
    // parser reports when it reaches it: issues stay in source order.
    tokens_ = Lexer(source_.text()).Run();
    std::unique_ptr<Expr> root = ParseExpr();
    if (!failed_ && Peek().kind != Tok::kEof) {
      Expected("an operator or the end of the expression");
    }
    if (failed_) {
      result.issues.push_back(std::move(issue_));
      return result;
    }
    if (Height(*root) > options_.max_recursion_depth * 4) {
      result.issues.push_back(source_.MakeIssue(
          0, absl::StrCat("expression nesting exceeds the limit of ",
                          options_.max_recursion_depth * 4)));
      return result;
    }
    result.ast.root = std::move(root);
    result.ast.node_count = next_id_ - 1;
    return result;
  }

 private:
  // Iterative tree height, so that a pathological tree cannot overflow the
  // stack here.
  static int Height(const Expr& root) {
    std::vector<std::pair<const Expr*, int>> stack = {{&root, 1}};
    int max = 0;
    while (!stack.empty()) {
      auto [e, h] = stack.back();
      stack.pop_back();
      if (h > max) max = h;
      if (e->target) stack.push_back({e->target.get(), h + 1});
      for (const auto& a : e->args) stack.push_back({a.get(), h + 1});
      for (const auto& k : e->keys) stack.push_back({k.get(), h + 1});
    }
    return max;
  }

  const Token& Peek(int ahead = 0) const {
    size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  const Token& Advance() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool Accept(Tok kind) {
    if (Peek().kind == kind) {
      Advance();
      return true;
    }
    return false;
  }

  void Fail(int offset, std::string message) {
    if (failed_) return;
    failed_ = true;
    issue_ = source_.MakeIssue(offset, std::move(message));
  }

  // Reports a syntax error at the current token: "Syntax error: expected X,
  // found 'Y'" (or the lexer's message).
  void Expected(absl::string_view what) {
    const Token& t = Peek();
    if (t.kind == Tok::kError) {
      Fail(t.offset, absl::StrCat("Syntax error: ", t.s));
    } else if (t.kind == Tok::kEof) {
      Fail(t.offset, absl::StrCat("Syntax error: expected ", what,
                                  ", found the end of the expression"));
    } else {
      Fail(t.offset, absl::StrCat("Syntax error: expected ", what, ", found '",
                                  t.text, "'"));
    }
  }

  bool Expect(Tok kind, absl::string_view what) {
    if (failed_) return false;
    if (Accept(kind)) return true;
    Expected(what);
    return false;
  }

  std::unique_ptr<Expr> NewConst(int offset, Value v) {
    auto e = NewExpr(ExprKind::kConst, offset);
    e->const_value = std::move(v);
    return e;
  }

  std::unique_ptr<Expr> NewExpr(ExprKind kind, int offset) {
    auto e = std::make_unique<Expr>();
    e->id = next_id_++;
    e->kind = kind;
    e->offset = offset;
    if (next_id_ > options_.max_node_count + 1) {
      Fail(offset, absl::StrCat("expression exceeds the limit of ",
                                options_.max_node_count, " nodes"));
    }
    return e;
  }

  // Reserved words and literals' keywords are field names after '.' (CEL
  // grammar: "." IDENT, where the lexer's keywords are identifiers too).
  static bool IsFieldName(const Token& t) {
    return t.kind == Tok::kIdent || t.kind == Tok::kReserved ||
           t.kind == Tok::kIn || t.kind == Tok::kTrue ||
           t.kind == Tok::kFalse || t.kind == Tok::kNull;
  }
  // The name a field token stands for: a quoted identifier's (u == 1)
  // unquoted text, else the token as written.
  static std::string FieldText(const Token& t) {
    return t.u == 1 && t.kind == Tok::kIdent ? t.s : std::string(t.text);
  }

  // False, with a failure naming `what`, when the optional syntax is off.
  bool OptionalSyntaxEnabled(int offset, absl::string_view what) {
    if (options_.enable_optional_syntax) return true;
    Fail(offset, absl::StrCat(what, " not enabled"));
    return false;
  }

  // Notes whether the next entry of a list or map literal, the one at
  // `index`, is optional ('?' before it) in `optional`, which stays empty
  // while no entry is. False when the mark is refused.
  bool MarkOptionalEntry(size_t index, std::vector<uint8_t>* optional,
                         absl::string_view what) {
    if (Peek().kind == Tok::kQuestion) {
      if (!OptionalSyntaxEnabled(Peek().offset, what)) return false;
      Advance();
      optional->resize(index, 0);
      optional->push_back(1);
    } else if (!optional->empty()) {
      optional->push_back(0);
    }
    return true;
  }

  std::unique_ptr<Expr> Error() {
    auto e = std::make_unique<Expr>();
    e->kind = ExprKind::kConst;
    return e;
  }

  std::unique_ptr<Expr> NewCall(std::string name, int offset,
                                std::unique_ptr<Expr> a,
                                std::unique_ptr<Expr> b = nullptr,
                                std::unique_ptr<Expr> c = nullptr) {
    auto e = NewExpr(ExprKind::kCall, offset);
    e->name = std::move(name);
    e->args.push_back(std::move(a));
    if (b) e->args.push_back(std::move(b));
    if (c) e->args.push_back(std::move(c));
    return e;
  }

  // Guards recursion. Returns false (and fails) when too deep.
  struct DepthGuard {
    explicit DepthGuard(Parser* p) : parser(p) { ++parser->depth_; }
    ~DepthGuard() { --parser->depth_; }
    bool ok() {
      if (parser->depth_ > parser->options_.max_recursion_depth) {
        parser->Fail(parser->Peek().offset,
                     absl::StrCat("expression recursion depth exceeds the "
                                  "limit of ",
                                  parser->options_.max_recursion_depth));
        return false;
      }
      return !parser->failed_;
    }
    Parser* parser;
  };

  std::unique_ptr<Expr> ParseExpr() {
    DepthGuard guard(this);
    if (!guard.ok()) return Error();
    auto cond = ParseOr();
    if (failed_) return cond;
    if (Peek().kind == Tok::kQuestion) {
      int offset = Advance().offset;
      auto then = ParseOr();
      if (!Expect(Tok::kColon, "':'")) return Error();
      auto otherwise = ParseExpr();
      return NewCall("_?_:_", offset, std::move(cond), std::move(then),
                     std::move(otherwise));
    }
    return cond;
  }

  // Chains of && and || are built as balanced trees (as cel-go does) so
  // that long chains do not make deep trees; the operators are associative.
  std::unique_ptr<Expr> Balance(const std::string& op,
                                std::vector<std::unique_ptr<Expr>>* terms,
                                const std::vector<int>& offsets, size_t lo,
                                size_t hi) {
    if (lo == hi) return std::move((*terms)[lo]);
    size_t mid = (lo + hi + 1) / 2;
    auto left = Balance(op, terms, offsets, lo, mid - 1);
    auto right = Balance(op, terms, offsets, mid, hi);
    return NewCall(op, offsets[mid - 1], std::move(left), std::move(right));
  }

  using ParseFn = std::unique_ptr<Expr> (Parser::*)();

  std::unique_ptr<Expr> ParseOr() {
    return ParseChain(Tok::kOr, "_||_", &Parser::ParseAnd);
  }
  std::unique_ptr<Expr> ParseAnd() {
    return ParseChain(Tok::kAnd, "_&&_", &Parser::ParseRelation);
  }

  // a op b op c for && and ||, whose terms are balanced into a tree so that
  // a long chain does not nest as deep as it is long.
  std::unique_ptr<Expr> ParseChain(Tok op, const char* function,
                                   ParseFn operand) {
    auto first = (this->*operand)();
    if (failed_ || Peek().kind != op) return first;
    std::vector<std::unique_ptr<Expr>> terms;
    std::vector<int> offsets;
    terms.push_back(std::move(first));
    while (!failed_ && Peek().kind == op) {
      offsets.push_back(Advance().offset);
      terms.push_back((this->*operand)());
    }
    if (failed_) return Error();
    return Balance(function, &terms, offsets, 0, terms.size() - 1);
  }

  // The binary operators of one precedence level and their functions.
  struct BinaryOp {
    Tok token;
    const char* function;
  };
  static constexpr BinaryOp kRelations[] = {
      {Tok::kEq, "_==_"}, {Tok::kNe, "_!=_"}, {Tok::kLt, "_<_"},
      {Tok::kLe, "_<=_"}, {Tok::kGt, "_>_"},  {Tok::kGe, "_>=_"},
      {Tok::kIn, "@in"}};
  static constexpr BinaryOp kAdditions[] = {{Tok::kPlus, "_+_"},
                                            {Tok::kMinus, "_-_"}};
  static constexpr BinaryOp kMultiplications[] = {
      {Tok::kStar, "_*_"}, {Tok::kSlash, "_/_"}, {Tok::kPercent, "_%_"}};

  std::unique_ptr<Expr> ParseRelation() {
    return ParseLeftAssociative(kRelations, &Parser::ParseAddition);
  }
  std::unique_ptr<Expr> ParseAddition() {
    return ParseLeftAssociative(kAdditions, &Parser::ParseMultiplication);
  }
  std::unique_ptr<Expr> ParseMultiplication() {
    return ParseLeftAssociative(kMultiplications, &Parser::ParseUnary);
  }

  // One level of left-associative binary operators, `ops`.
  std::unique_ptr<Expr> ParseLeftAssociative(absl::Span<const BinaryOp> ops,
                                             ParseFn operand) {
    auto left = (this->*operand)();
    while (!failed_) {
      Tok next = Peek().kind;
      auto op = std::find_if(ops.begin(), ops.end(), [next](const BinaryOp& o) {
        return o.token == next;
      });
      if (op == ops.end()) break;
      int offset = Advance().offset;
      auto right = (this->*operand)();
      left = NewCall(op->function, offset, std::move(left), std::move(right));
    }
    return left;
  }

  std::unique_ptr<Expr> ParseUnary() {
    DepthGuard guard(this);
    if (!guard.ok()) return Error();
    const Token& t = Peek();
    if (t.kind == Tok::kNot) {
      int offset = Advance().offset;
      auto operand = ParseUnary();
      return NewCall("!_", offset, std::move(operand));
    }
    if (t.kind == Tok::kMinus) {
      int offset = Advance().offset;
      const Token& n = Peek();
      // A minus directly before a number is part of the literal (CEL
      // grammar: literal = ["-"] INT_LIT | ["-"] FLOAT_LIT), which is how
      // -9223372036854775808 is written.
      if (n.kind == Tok::kInt) {
        const Token& lit = Advance();
        if (lit.int_overflow || lit.u > (uint64_t{1} << 63)) {
          Fail(lit.offset, "integer literal out of range");
          return Error();
        }
        return ParseMemberSuffix(
            NewConst(offset, Value::Int(static_cast<int64_t>(0 - lit.u))));
      }
      if (n.kind == Tok::kDouble) {
        const Token& lit = Advance();
        return ParseMemberSuffix(NewConst(offset, Value::Double(-lit.d)));
      }
      auto operand = ParseUnary();
      return NewCall("-_", offset, std::move(operand));
    }
    return ParseMember();
  }

  std::unique_ptr<Expr> ParseMember() {
    auto primary = ParsePrimary();
    return ParseMemberSuffix(std::move(primary));
  }

  std::unique_ptr<Expr> ParseMemberSuffix(std::unique_ptr<Expr> operand) {
    int chain = 0;
    while (!failed_) {
      if (++chain > options_.max_recursion_depth) {
        Fail(Peek().offset, absl::StrCat("member chain exceeds the limit of ",
                                         options_.max_recursion_depth));
        return Error();
      }
      const Token& t = Peek();
      if (t.kind == Tok::kDot) {
        int offset = Advance().offset;
        const Token& name = Peek();
        if (name.kind == Tok::kQuestion) {
          if (!OptionalSyntaxEnabled(name.offset,
                                     "optional field selection '.?' is")) {
            return Error();
          }
          Advance();
          const Token& field = Peek();
          if (!IsFieldName(field)) {
            Expected("a field name after '.?'");
            return Error();
          }
          Advance();
          // a.?b is the call _?._(a, "b") (as in cel-go).
          auto key = NewConst(field.offset, Value::String(FieldText(field)));
          operand = NewCall("_?._", offset, std::move(operand), std::move(key));
          continue;
        }
        if (!IsFieldName(name)) {
          Expected("a field or method name after '.'");
          return Error();
        }
        Advance();
        std::string field = FieldText(name);
        bool quoted = name.kind == Tok::kIdent && name.u == 1;
        if (Peek().kind == Tok::kLParen && !quoted) {
          int call_offset = Advance().offset;
          std::vector<std::unique_ptr<Expr>> args;
          if (!ParseArgs(Tok::kRParen, "')'", &args)) return Error();
          operand = MakeReceiverCall(std::move(field), call_offset,
                                     std::move(operand), std::move(args));
          if (failed_) return Error();
        } else {
          auto e = NewExpr(ExprKind::kSelect, offset);
          e->name = std::move(field);
          e->target = std::move(operand);
          operand = std::move(e);
        }
      } else if (t.kind == Tok::kLBracket) {
        int offset = Advance().offset;
        bool optional = false;
        if (Peek().kind == Tok::kQuestion) {
          if (!OptionalSyntaxEnabled(Peek().offset, "optional index '[?' is")) {
            return Error();
          }
          Advance();
          optional = true;
        }
        auto index = ParseExpr();
        if (!Expect(Tok::kRBracket, "']'")) return Error();
        operand = NewCall(optional ? "_[?_]" : "_[_]", offset,
                          std::move(operand), std::move(index));
      } else if (t.kind == Tok::kLBrace && operand->kind == ExprKind::kIdent) {
        Fail(t.offset,
             "message construction (Type{field: value}) is not supported");
        return Error();
      } else {
        break;
      }
    }
    return operand;
  }

  // Parses `arg, arg, ...` up to `close` (already past the opening token).
  // With `optional`, an argument may be marked optional with a leading
  // '?' (list literals: [?x]); optional records which.
  bool ParseArgs(Tok close, absl::string_view close_text,
                 std::vector<std::unique_ptr<Expr>>* args,
                 std::vector<uint8_t>* optional = nullptr) {
    if (Accept(close)) return true;
    while (!failed_) {
      if (optional != nullptr &&
          !MarkOptionalEntry(args->size(), optional,
                             "optional list elements are")) {
        return false;
      }
      args->push_back(ParseExpr());
      if (failed_) return false;
      if (Accept(Tok::kComma)) {
        if (close == Tok::kRBracket && Accept(close)) return true;
        continue;
      }
      if (Accept(close)) return true;
      Expected(absl::StrCat("',' or ", close_text));
      return false;
    }
    return false;
  }

  std::unique_ptr<Expr> ParsePrimary() {
    DepthGuard guard(this);
    if (!guard.ok()) return Error();
    const Token& t = Peek();
    switch (t.kind) {
      case Tok::kInt: {
        Advance();
        if (t.int_overflow ||
            t.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          Fail(t.offset, "integer literal out of range");
          return Error();
        }
        return NewConst(t.offset, Value::Int(static_cast<int64_t>(t.u)));
      }
      case Tok::kUint: {
        Advance();
        if (t.int_overflow) {
          Fail(t.offset, "unsigned integer literal out of range");
          return Error();
        }
        return NewConst(t.offset, Value::Uint(t.u));
      }
      case Tok::kDouble: {
        Advance();
        return NewConst(t.offset, Value::Double(t.d));
      }
      case Tok::kString: {
        Advance();
        return NewConst(t.offset, Value::String(t.s));
      }
      case Tok::kBytes: {
        Advance();
        return NewConst(t.offset, Value::Bytes(t.s));
      }
      case Tok::kTrue:
      case Tok::kFalse: {
        Advance();
        return NewConst(t.offset, Value::Bool(t.kind == Tok::kTrue));
      }
      case Tok::kNull: {
        Advance();
        return NewConst(t.offset, Value::Null());
      }
      case Tok::kLParen: {
        Advance();
        auto e = ParseExpr();
        if (!Expect(Tok::kRParen, "')'")) return Error();
        return e;
      }
      case Tok::kLBracket: {
        int offset = Advance().offset;
        auto e = NewExpr(ExprKind::kList, offset);
        if (!ParseArgs(Tok::kRBracket, "']'", &e->args, &e->optional_entries)) {
          return Error();
        }
        return e;
      }
      case Tok::kLBrace: {
        int offset = Advance().offset;
        auto e = NewExpr(ExprKind::kMap, offset);
        if (Accept(Tok::kRBrace)) return e;
        while (!failed_) {
          if (!MarkOptionalEntry(e->keys.size(), &e->optional_entries,
                                 "optional map entries are")) {
            return Error();
          }
          e->keys.push_back(ParseExpr());
          if (!Expect(Tok::kColon, "':'")) return Error();
          e->args.push_back(ParseExpr());
          if (failed_) return Error();
          if (Accept(Tok::kComma)) {
            if (Accept(Tok::kRBrace)) return e;
            continue;
          }
          if (Accept(Tok::kRBrace)) return e;
          Expected("',' or '}'");
          return Error();
        }
        return Error();
      }
      case Tok::kDot:
      case Tok::kIdent: {
        int offset = t.offset;
        if (t.kind == Tok::kDot) {
          Advance();
          if (Peek().kind != Tok::kIdent || Peek().u == 1) {
            Expected("an identifier after a leading '.'");
            return Error();
          }
        } else if (t.u == 1) {
          Fail(t.offset,
               "Syntax error: a quoted identifier is only allowed "
               "after '.'");
          return Error();
        }
        const Token& id = Advance();
        std::string name(id.text);
        if (Peek().kind == Tok::kLParen) {
          int call_offset = Advance().offset;
          std::vector<std::unique_ptr<Expr>> args;
          if (!ParseArgs(Tok::kRParen, "')'", &args)) return Error();
          return MakeGlobalCall(std::move(name), call_offset, std::move(args));
        }
        auto e = NewExpr(ExprKind::kIdent, offset);
        e->name = std::move(name);
        return e;
      }
      case Tok::kReserved:
        Fail(t.offset,
             absl::StrCat("Syntax error: reserved identifier '", t.text, "'"));
        return Error();
      default:
        Expected("an expression");
        return Error();
    }
  }

  std::unique_ptr<Expr> MakeGlobalCall(
      std::string name, int offset, std::vector<std::unique_ptr<Expr>> args) {
    if (name == "has" && args.size() == 1) {
      // CEL spec, "Macros": has(e.f) tests for the presence of field f.
      if (args[0]->kind != ExprKind::kSelect) {
        Fail(args[0]->offset, "invalid argument to has() macro");
        return Error();
      }
      args[0]->test_only = true;
      return std::move(args[0]);
    }
    auto e = NewExpr(ExprKind::kCall, offset);
    e->name = std::move(name);
    e->args = std::move(args);
    return e;
  }

  bool IterVar(const Expr& arg, std::string* name) {
    if (arg.kind != ExprKind::kIdent) {
      Fail(arg.offset, "argument must be a simple name");
      return false;
    }
    *name = arg.name;
    return true;
  }

  std::unique_ptr<Expr> MakeReceiverCall(
      std::string name, int offset, std::unique_ptr<Expr> target,
      std::vector<std::unique_ptr<Expr>> args) {
    MacroKind macro = MacroKind::kNone;
    int vars = 1;
    size_t n = args.size();
    bool on_ident = target->kind == ExprKind::kIdent;
    if (options_.enable_bind_macro && on_ident && target->name == "cel" &&
        name == "bind" && n == 3) {
      // cel.bind(x, init, body): init is the macro's "range", evaluated
      // once outside the scope of x.
      auto e = NewExpr(ExprKind::kComprehension, offset);
      e->macro = MacroKind::kBind;
      if (!IterVar(*args[0], &e->iter_var)) return Error();
      e->target = std::move(args[1]);
      e->args.push_back(std::move(args[2]));
      return e;
    }
    if (options_.enable_math_macros && on_ident && target->name == "math" &&
        (name == "greatest" || name == "least") && n != 1) {
      // math.greatest(a, b, ...) takes any number of arguments (cel-go
      // makes it a macro): they become one list argument.
      if (n == 0) {
        Fail(offset,
             absl::StrCat("math.", name, "() requires at least one argument"));
        return Error();
      }
      auto list = NewExpr(ExprKind::kList, offset);
      list->args = std::move(args);
      auto e = NewExpr(ExprKind::kCall, offset);
      e->name = absl::StrCat("math.", name);
      e->args.push_back(std::move(list));
      return e;
    }
    if (options_.enable_lists_macros && name == "sortBy" && n == 2) {
      // list.sortBy(x, key): the list ordered by key, computed once per
      // element.
      auto e = NewExpr(ExprKind::kComprehension, offset);
      e->macro = MacroKind::kSortBy;
      if (!IterVar(*args[0], &e->iter_var)) return Error();
      e->target = std::move(target);
      e->args.push_back(std::move(args[1]));
      return e;
    }
    if (options_.enable_optional_syntax &&
        (name == "optMap" || name == "optFlatMap") && n == 2) {
      // opt.optMap(x, t): t with x bound to the value, if present.
      auto e = NewExpr(ExprKind::kComprehension, offset);
      e->macro = name == "optMap" ? MacroKind::kOptMap : MacroKind::kOptFlatMap;
      if (!IterVar(*args[0], &e->iter_var)) return Error();
      e->target = std::move(target);
      e->args.push_back(std::move(args[1]));
      return e;
    }
    if ((name == "all" || name == "exists") && (n == 2 || n == 3)) {
      macro = name == "all" ? MacroKind::kAll : MacroKind::kExists;
      vars = static_cast<int>(n) - 1;
    } else if ((name == "exists_one" || name == "existsOne") &&
               (n == 2 || n == 3)) {
      macro = MacroKind::kExistsOne;
      vars = static_cast<int>(n) - 1;
    } else if (name == "map" && n == 2) {
      macro = MacroKind::kMap;
    } else if (name == "map" && n == 3) {
      macro = MacroKind::kMapFilter;
    } else if (name == "filter" && n == 2) {
      macro = MacroKind::kFilter;
    } else if (name == "transformList" && (n == 3 || n == 4)) {
      macro = MacroKind::kTransformList;
      vars = 2;
    } else if (name == "transformMap" && (n == 3 || n == 4)) {
      macro = MacroKind::kTransformMap;
      vars = 2;
    }
    if (macro == MacroKind::kNone) {
      auto e = NewExpr(ExprKind::kCall, offset);
      e->name = std::move(name);
      e->target = std::move(target);
      e->args = std::move(args);
      return e;
    }
    auto e = NewExpr(ExprKind::kComprehension, offset);
    e->macro = macro;
    if (!IterVar(*args[0], &e->iter_var)) return Error();
    if (vars == 2) {
      if (!IterVar(*args[1], &e->iter_var2)) return Error();
      if (e->iter_var == e->iter_var2) {
        Fail(args[1]->offset, "duplicate iteration variable name");
        return Error();
      }
    }
    e->target = std::move(target);
    for (size_t i = static_cast<size_t>(vars); i < n; ++i) {
      e->args.push_back(std::move(args[i]));
    }
    return e;
  }

  const Source& source_;
  const ParserOptions& options_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  int64_t next_id_ = 1;
  bool failed_ = false;
  Issue issue_;
};

}  // namespace

ParseResult Parse(const Source& source, const ParserOptions& options) {
  return Parser(source, options).Run();
}

}  // namespace meshplane::policy::cel
