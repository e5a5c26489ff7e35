#!/usr/bin/env bash
# Checks that each module includes only the modules STYLE.md's dependency
# table allows (arrows point down), and that SQL and libpqxx stay in
# src/store/postgres. The CMake target links enforce most of this; this
# catches what a shared include/ tree lets slip through.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# module -> the meshplane/<x>/ include prefixes it may use (besides its own).
# v1 = the generated meshplane.v1 protos (meshplane_proto).
declare -A ALLOWED=(
  [common]=""
  [model]="common"
  [policy]="common policy"
  [contract]="common"
  [store]="model common store"
  [store/postgres]="store model common"
  [auth]="model store common"
  [core]="model policy contract store auth common"
  [server]="core auth model common policy contract v1"
  [datacheck]="common contract"
  [cli]="common policy contract datacheck v1"
)
status=0
for module in "${!ALLOWED[@]}"; do
  dir="src/$module"
  [ -d "$dir" ] || continue
  files=$(find "$dir" -name '*.cc' -o -name '*.h' | sort)
  # src/store alone means its top level, not store/postgres.
  if [ "$module" = store ]; then files=$(find "$dir" -maxdepth 1 -name '*.cc' -o -maxdepth 1 -name '*.h'); fi
  for f in $files; do
    while IFS= read -r inc; do
      target=$(sed -E 's|#include "meshplane/([a-z0-9_]+)/.*|\1|' <<<"$inc")
      own=${module%%/*}
      ok=0
      for a in $own ${ALLOWED[$module]}; do [ "$a" = "$target" ] && ok=1; done
      # The server composes over the Store interface; only the composition
      # root, main.cc, may name the PostgreSQL store (STYLE.md).
      if [ "$own" = server ] && [[ "$inc" == *'"meshplane/store/store.h"'* ]]; then ok=1; fi
      if [ "$f" = src/server/main.cc ] && [ "$target" = store ]; then ok=1; fi
      if [ $ok = 0 ]; then
        echo "layering: $f includes meshplane/$target/ (module $module may use: ${ALLOWED[$module]:-nothing of ours})"
        status=1
      fi
    done < <(grep -E '^#include "meshplane/' "$f" || true)
  done
done
# libpqxx only in src/store/postgres, and in src/datacheck, the client of a
# contract's own PostgreSQL server (`contract test`, which reads user data,
# never Meshplane's schema); gRPC/protobuf never in the pure layers.
if grep -rlE '#include <pqxx' src include \
     | grep -vE '^src/(store/postgres|datacheck)/'; then
  echo "layering: libpqxx included outside src/store/postgres, src/datacheck"
  status=1
fi
if grep -rlE '#include <grpc|#include "meshplane/v1/|#include <google/protobuf' \
     src/common src/model src/policy src/contract src/datacheck src/store \
     src/auth src/core include 2>/dev/null \
     | grep -v '^src/policy/cel/proto/'; then
  echo "layering: gRPC or protobuf included in a layer below server/"; status=1
fi
[ $status = 0 ] && echo "layering: ok"
exit $status
