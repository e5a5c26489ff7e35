// YAML alias bombs ("billion laughs") for the tests of the YAML budgets: a
// document of well under 1 KiB whose aliases expand to billions of nodes.
// Header-only; the tests generate bombs rather than commit them.
#ifndef MESHPLANE_TESTS_TESTING_ALIAS_BOMB_H_
#define MESHPLANE_TESTS_TESTING_ALIAS_BOMB_H_

#include <cstdint>
#include <string>

namespace meshplane::testing {

// An ODCS v3 contract whose customProperties hold `levels` anchored lists:
// &x0 is nine "lol" scalars, and each &xK (K >= 1) is nine aliases of
// &x(K-1). Level K expands to about 9^(K+1) scalars, so 8 levels are about
// 4.3e7 nodes and 9 levels about 3.9e8. The anchor of level K is on line
// kAliasBombFirstLevelLine + K; `id` names the contract.
inline constexpr int kAliasBombFirstLevelLine = 8;

inline std::string AliasBombContract(int levels,
                                     const std::string& id = "alias-bomb") {
  std::string text =
      "apiVersion: v3.0.2\n"
      "kind: DataContract\n"
      "id: " +
      id +
      "\n"
      "version: 1.0.0\n"
      "status: active\n"
      "domain: sales\n"
      "customProperties:\n";
  for (int k = 0; k < levels; ++k) {
    text += "  - {property: l" + std::to_string(k) + ", value: &x" +
            std::to_string(k) + " [";
    for (int i = 0; i < 9; ++i) {
      if (i > 0) text += ", ";
      text += k == 0 ? std::string("lol") : "*x" + std::to_string(k - 1);
    }
    text += "]}\n";
  }
  return text;
}

// The line of AliasBombContract whose aliases take the document past
// `max_nodes` nodes (the reader refuses the document there). Level K is an
// anchored list of nine level K-1 lists, 1 + 9 * size(K-1) nodes, and each
// entry of customProperties adds a mapping, three scalars and the list.
inline int AliasBombLineOverBudget(uint64_t max_nodes) {
  uint64_t total = 15;  // the root, 6 keys and values, the key and the list
  uint64_t size = 0;
  for (int k = 0;; ++k) {
    const uint64_t previous = size;
    size = k == 0 ? 10 : 1 + 9 * previous;
    total += 5;
    for (int i = 0; i < 9; ++i) {
      total += k == 0 ? 1 : previous;
      if (total > max_nodes) return kAliasBombFirstLevelLine + k;
    }
  }
}

}  // namespace meshplane::testing

#endif  // MESHPLANE_TESTS_TESTING_ALIAS_BOMB_H_
