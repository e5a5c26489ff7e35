// Semantic versions (semver.org 2.0.0) of data contracts, and the bump a
// change requires.
//
//   MP_ASSIGN_OR_RETURN(SemVer v, SemVer::Parse("1.4.0-rc.1"));
//   SemVer next = v.Bumped(Bump::kMinor);  // 1.5.0
//   bool ok = Satisfies(previous, candidate, Bump::kMajor);
#ifndef MESHPLANE_CONTRACT_SEMVER_H_
#define MESHPLANE_CONTRACT_SEMVER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshplane::contract {

// How much a version must grow. Ordered: kNone < kPatch < kMinor < kMajor.
enum class Bump { kNone = 0, kPatch = 1, kMinor = 2, kMajor = 3 };

// "none", "patch", "minor", "major".
absl::string_view BumpName(Bump bump);

// A version MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]. Build metadata is kept
// but, as semver.org says, ignored in comparisons.
class SemVer {
 public:
  SemVer() = default;
  SemVer(uint64_t major, uint64_t minor, uint64_t patch)
      : major_(major), minor_(minor), patch_(patch) {}

  // Returns INVALID_ARGUMENT naming the offending part for anything that is
  // not a semver 2.0.0 version (leading zeros, empty identifiers, "v1.0.0").
  static absl::StatusOr<SemVer> Parse(absl::string_view text);

  uint64_t major() const { return major_; }
  uint64_t minor() const { return minor_; }
  uint64_t patch() const { return patch_; }
  const std::vector<std::string>& prerelease() const { return prerelease_; }
  const std::string& build() const { return build_; }
  bool is_prerelease() const { return !prerelease_.empty(); }

  // The next release that makes a `bump`: 1.2.3 -> major 2.0.0, minor
  // 1.3.0, patch 1.2.4, none 1.2.3 (pre-release and build dropped).
  SemVer Bumped(Bump bump) const;

  std::string ToString() const;

  // semver.org section 11 precedence: -1, 0 or 1.
  int Compare(const SemVer& other) const;
  bool operator<(const SemVer& o) const { return Compare(o) < 0; }
  bool operator==(const SemVer& o) const { return Compare(o) == 0; }
  bool operator!=(const SemVer& o) const { return Compare(o) != 0; }

 private:
  uint64_t major_ = 0;
  uint64_t minor_ = 0;
  uint64_t patch_ = 0;
  std::vector<std::string> prerelease_;
  std::string build_;
};

// The bump from `previous` to `candidate`: kMajor if the major number grew,
// kMinor if the minor grew, kPatch if the patch grew, otherwise kNone (equal,
// older, or only a pre-release/build change).
Bump BumpBetween(const SemVer& previous, const SemVer& candidate);

// True when `candidate` is newer than `previous` and makes at least
// `required`. While major is 0 (semver.org item 4, anything may change) a
// minor bump counts as a major one. A candidate that is a pre-release of the
// required version (2.0.0-rc.1 after 1.4.0) satisfies it too.
bool Satisfies(const SemVer& previous, const SemVer& candidate, Bump required);

}  // namespace meshplane::contract

#endif  // MESHPLANE_CONTRACT_SEMVER_H_
