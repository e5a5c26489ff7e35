#include "meshplane/contract/semver.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace meshplane::contract {
namespace {

bool AllDigits(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return !s.empty();
}

// semver.org item 9: identifiers are [0-9A-Za-z-], non-empty; numeric ones
// have no leading zero.
bool ValidIdentifier(absl::string_view id, bool numeric_no_leading_zero) {
  if (id.empty()) {
    return false;
  }
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return false;
    }
  }
  return !(numeric_no_leading_zero && AllDigits(id) && id.size() > 1 &&
           id[0] == '0');
}

absl::Status Invalid(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("\"", text,
                   "\" is not a semantic version (MAJOR.MINOR."
                   "PATCH, e.g. 1.4.0): ",
                   why));
}

// semver.org item 11.4: numeric identifiers compare numerically and sort
// before alphanumeric ones; others compare in ASCII order.
int CompareIdentifier(const std::string& a, const std::string& b) {
  const bool an = AllDigits(a);
  const bool bn = AllDigits(b);
  if (an && bn) {
    if (a.size() != b.size()) {
      return a.size() < b.size() ? -1 : 1;
    }
    return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
  }
  if (an != bn) {
    return an ? -1 : 1;
  }
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

template <typename T>
int Cmp(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

}  // namespace

absl::string_view BumpName(Bump bump) {
  switch (bump) {
    case Bump::kNone:
      return "none";
    case Bump::kPatch:
      return "patch";
    case Bump::kMinor:
      return "minor";
    case Bump::kMajor:
      return "major";
  }
  return "none";
}

absl::StatusOr<SemVer> SemVer::Parse(absl::string_view text) {
  absl::string_view rest = text;
  SemVer v;
  const size_t plus = rest.find('+');
  if (plus != absl::string_view::npos) {
    const absl::string_view build = rest.substr(plus + 1);
    for (absl::string_view id : absl::StrSplit(build, '.')) {
      if (!ValidIdentifier(id, false)) {
        return Invalid(text, "bad build metadata");
      }
    }
    v.build_ = std::string(build);
    rest = rest.substr(0, plus);
  }
  const size_t dash = rest.find('-');
  if (dash != absl::string_view::npos) {
    for (absl::string_view id : absl::StrSplit(rest.substr(dash + 1), '.')) {
      if (!ValidIdentifier(id, true)) {
        return Invalid(text,
                       absl::StrCat("bad pre-release identifier \"", id, "\""));
      }
      v.prerelease_.emplace_back(id);
    }
    rest = rest.substr(0, dash);
  }
  std::vector<absl::string_view> parts = absl::StrSplit(rest, '.');
  if (parts.size() != 3) {
    return Invalid(text, "expected three numbers separated by dots");
  }
  uint64_t* fields[] = {&v.major_, &v.minor_, &v.patch_};
  const char* names[] = {"major", "minor", "patch"};
  for (int i = 0; i < 3; ++i) {
    if (!AllDigits(parts[i]) || !absl::SimpleAtoi(parts[i], fields[i])) {
      return Invalid(text, absl::StrCat(names[i], " is not a number"));
    }
    if (parts[i].size() > 1 && parts[i][0] == '0') {
      return Invalid(text, absl::StrCat(names[i], " has a leading zero"));
    }
  }
  return v;
}

SemVer SemVer::Bumped(Bump bump) const {
  switch (bump) {
    case Bump::kMajor:
      return SemVer(major_ + 1, 0, 0);
    case Bump::kMinor:
      return SemVer(major_, minor_ + 1, 0);
    case Bump::kPatch:
      return SemVer(major_, minor_, patch_ + 1);
    case Bump::kNone:
      break;
  }
  return SemVer(major_, minor_, patch_);
}

std::string SemVer::ToString() const {
  std::string out = absl::StrCat(major_, ".", minor_, ".", patch_);
  if (!prerelease_.empty()) {
    absl::StrAppend(&out, "-", absl::StrJoin(prerelease_, "."));
  }
  if (!build_.empty()) {
    absl::StrAppend(&out, "+", build_);
  }
  return out;
}

int SemVer::Compare(const SemVer& other) const {
  if (int c = Cmp(major_, other.major_)) {
    return c;
  }
  if (int c = Cmp(minor_, other.minor_)) {
    return c;
  }
  if (int c = Cmp(patch_, other.patch_)) {
    return c;
  }
  // semver.org 11.3: a pre-release sorts before its release.
  if (prerelease_.empty() || other.prerelease_.empty()) {
    return Cmp(prerelease_.empty(), other.prerelease_.empty());
  }
  const size_t n = std::min(prerelease_.size(), other.prerelease_.size());
  for (size_t i = 0; i < n; ++i) {
    if (int c = CompareIdentifier(prerelease_[i], other.prerelease_[i])) {
      return c;
    }
  }
  return Cmp(prerelease_.size(), other.prerelease_.size());
}

Bump BumpBetween(const SemVer& previous, const SemVer& candidate) {
  if (candidate.Compare(previous) <= 0) {
    return Bump::kNone;
  }
  if (candidate.major() > previous.major()) {
    return Bump::kMajor;
  }
  if (candidate.major() == previous.major() &&
      candidate.minor() > previous.minor()) {
    return Bump::kMinor;
  }
  if (candidate.major() == previous.major() &&
      candidate.minor() == previous.minor() &&
      candidate.patch() > previous.patch()) {
    return Bump::kPatch;
  }
  return Bump::kNone;
}

bool Satisfies(const SemVer& previous, const SemVer& candidate, Bump required) {
  if (candidate.Compare(previous) <= 0) {
    return false;
  }
  Bump made = BumpBetween(previous, candidate);
  // semver.org item 4: in 0.y.z anything may change, so a minor bump is the
  // breaking bump there.
  if (previous.major() == 0 && candidate.major() == 0 && made == Bump::kMinor) {
    made = Bump::kMajor;
  }
  return static_cast<int>(made) >= static_cast<int>(required);
}

}  // namespace meshplane::contract
