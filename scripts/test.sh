#!/usr/bin/env bash
# Runs every test: installs missing Debian packages, checks the layering and
# the C++ format and the API lint, builds, runs the CEL fuzzers briefly, then the whole ctest
# suite (unit, conformance, pg: private PostgreSQL instances the tests start
# themselves, e2e: meshplaned and the meshplane CLI as a user runs them).
#
# Environment: MESHPLANE_FUZZ_SECONDS (default 60, 0 skips),
# MESHPLANE_CTEST_ARGS (extra ctest arguments, e.g. "-L unit").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# chromium: the browser the web catalog's e2e flows drive (web_e2e_test);
# nginx, patroni and etcd: the cluster tests (cluster_kill_e2e_test,
# patroni_failover_e2e_test); iptables: blackhole_e2e_test.
ensure_packages "${MESHPLANE_PACKAGES[@]}" clang libclang-rt-14-dev chromium \
  nginx patroni etcd-server etcd-client python3-psycopg2 iptables clang-format
command -v npm >/dev/null || ensure_packages nodejs npm

log "layering: each module includes only what STYLE.md's table allows"
"$MESHPLANE_ROOT/scripts/check-layers.sh"

log "format: every C++ file as .clang-format says"
"$MESHPLANE_ROOT/scripts/check-format.sh"

log "outside test tools (tools/node, pinned by its package-lock.json)"
ensure_node_tools

log "buf lint (proto/)"
(cd "$MESHPLANE_ROOT/proto" && "$MESHPLANE_ROOT/tools/node/node_modules/.bin/buf" lint)

log "building"
build
# The build writes docs/openapi.json from the protos; in CI a difference
# means the committed copy is stale.
if [ "${CI:-}" = true ] && ! git -C "$MESHPLANE_ROOT" diff --quiet -- docs/openapi.json; then
  die "docs/openapi.json differs from what the build generates: commit the regenerated file"
fi

FUZZ_SECONDS="${MESHPLANE_FUZZ_SECONDS:-60}"
if [ "$FUZZ_SECONDS" != 0 ] && [ -x "$MESHPLANE_ROOT/scripts/fuzz.sh" ]; then
  log "fuzzing the CEL parser and evaluator for ${FUZZ_SECONDS}s"
  "$MESHPLANE_ROOT/scripts/fuzz.sh" "$FUZZ_SECONDS"
fi

log "ctest"
# shellcheck disable=SC2086
ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 ${MESHPLANE_CTEST_ARGS:-}
