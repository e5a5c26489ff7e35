// The comparison operators of an ODCS quality rule, which the reader
// (odcs.cc) looks for and the validator (validate.cc) admits. Private to
// src/contract.
#ifndef MESHPLANE_CONTRACT_QUALITY_OPERATORS_H_
#define MESHPLANE_CONTRACT_QUALITY_OPERATORS_H_

#include <string>
#include <vector>

namespace meshplane::contract::internal {

inline const std::vector<std::string> kQualityOperators = {
    "mustBe",
    "mustNotBe",
    "mustBeGreaterThan",
    "mustBeGreaterOrEqualTo",
    "mustBeLessThan",
    "mustBeLessOrEqualTo",
    "mustBeBetween",
    "mustNotBeBetween"};

}  // namespace meshplane::contract::internal

#endif  // MESHPLANE_CONTRACT_QUALITY_OPERATORS_H_
