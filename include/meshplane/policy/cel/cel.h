// Meshplane's CEL engine, all in one include: Env and types for
// declarations, Compile and Program, Value and Activation, JSON conversion.
//
//   namespace cel = meshplane::policy::cel;
//   cel::Env env = cel::Env::Standard();
//   env.AddVariable("resource", cel::Type::Dyn());
//   auto compiled = cel::Compile(env, "resource.tier == 1");
//
// See program.h for the contract of Compile and Program::Evaluate.
#ifndef MESHPLANE_POLICY_CEL_CEL_H_
#define MESHPLANE_POLICY_CEL_CEL_H_

#include "meshplane/policy/cel/activation.h"  // IWYU pragma: export
#include "meshplane/policy/cel/checker.h"     // IWYU pragma: export
#include "meshplane/policy/cel/json.h"        // IWYU pragma: export
#include "meshplane/policy/cel/program.h"     // IWYU pragma: export
#include "meshplane/policy/cel/source.h"      // IWYU pragma: export
#include "meshplane/policy/cel/type.h"        // IWYU pragma: export
#include "meshplane/policy/cel/value.h"       // IWYU pragma: export

#endif  // MESHPLANE_POLICY_CEL_CEL_H_
