# Shared by scripts/run.sh, scripts/test.sh and friends. Source it; do not run.
# Works on a fresh Debian 12 machine, as root or as a user with sudo.

MESHPLANE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_BIN="${MESHPLANE_PG_BIN:-/usr/lib/postgresql/15/bin}"
BUILD_DIR="${MESHPLANE_BUILD_DIR:-$MESHPLANE_ROOT/build}"

# ccache: paths relative to the checkout, and the build directory left out
# of the hash (with -g it is in by default), so that another clone or build
# directory of the same sources reuses the cache.
export CCACHE_BASEDIR="$MESHPLANE_ROOT" CCACHE_NOHASHDIR=true

# Debian packages the build, the tests and the embedded database need.
MESHPLANE_PACKAGES=(
  cmake g++ make pkg-config ccache git ca-certificates
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libpqxx-dev libspdlog-dev libgtest-dev libgmock-dev
  libbenchmark-dev libyaml-dev libre2-dev libcpp-httplib-dev
  nlohmann-json3-dev libssl-dev openssl postgresql-15 postgresql-client-15
  libcjose-dev libjansson-dev libboost-dev
)
# The web catalog's build (web/, cmake/web.cmake) also needs node and npm:
# Debian's nodejs and npm, added to the default set only where no npm is
# on the PATH (a NodeSource nodejs carries its own npm and conflicts with
# Debian's).

log() { printf '\033[1m[meshplane]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[meshplane] error:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root to run: $*"; fi
}

# Installs whichever of the packages given (default: MESHPLANE_PACKAGES) are
# missing. apt-get update runs only when something is missing.
ensure_packages() {
  local wanted=("$@") missing=() p
  if [ ${#wanted[@]} -eq 0 ]; then
    wanted=("${MESHPLANE_PACKAGES[@]}")
    command -v npm >/dev/null || wanted+=(nodejs npm)
  fi
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends "${missing[@]}" >/dev/null
}

# Installs the outside test tools of tools/node exactly as its
# package-lock.json pins them (npm ci), unless they are installed already
# from the same lock file. Needs Node.js 18.19 (Debian 12's) or newer.
ensure_node_tools() {
  local dir="$MESHPLANE_ROOT/tools/node"
  command -v npm >/dev/null || ensure_packages nodejs npm
  if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.meshplane-lock"; then
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null
    cp "$dir/package-lock.json" "$dir/node_modules/.meshplane-lock"
  fi
}

# Configures and builds (RelWithDebInfo, ccache when present, -j2 by
# default): the targets named, or everything (every test included) when
# none is.
build() {
  local jobs="${MESHPLANE_JOBS:-2}" targets=()
  [ $# -gt 0 ] && targets=(--target "$@")
  cmake -S "$MESHPLANE_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    >/dev/null
  cmake --build "$BUILD_DIR" -j"$jobs" "${targets[@]}"
}

# Runs a command as the PostgreSQL user when we are root (PostgreSQL refuses
# to run as root), else as ourselves.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A TCP port nobody listens on, from a random start, below the kernel's
# ephemeral range (ports there are handed to outgoing connections, which
# could take ours between the pick and the bind).
free_port() {
  local port low=32768 high top
  read -r low high < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  top="$low"
  [ "$top" -gt 11000 ] || top=60000   # no room below it: take our chance
  for _ in $(seq 1 200); do
    port=$(( 10000 + RANDOM % (top - 10000) ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"; return 0
    fi
  done
  die "no free TCP port found"
}

# pg_init DIR: initdb DIR (owned by the postgres user when root).
pg_init() {
  local dir="$1"
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
  chmod 700 "$dir"
  as_pg "$PG_BIN/initdb" -D "$dir" -U postgres -A trust -E UTF8 --no-locale >/dev/null
}

# pg_start DIR PORT: starts the server with its unix socket inside DIR,
# listening on no TCP address (only the socket, on the given port number).
pg_start() {
  local dir="$1" port="$2"
  as_pg "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=''" start >/dev/null \
    || { cat "$dir/server.log" >&2; die "PostgreSQL did not start"; }
}

pg_stop() {
  local dir="$1"
  [ -f "$dir/postmaster.pid" ] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
}

# A directory the postgres user can reach: DIR itself unless one of its
# parents is closed to it (a checkout under /root), then a folder under
# /var/lib/meshplane named after DIR.
# Creates database $3 on the server at socket folder $1, port $2, unless it
# exists; owned by role $4 when given.
pg_ensure_db() {
  if ! as_pg "$PG_BIN/psql" -h "$1" -p "$2" -U postgres -d postgres -Atqc \
       "SELECT 1 FROM pg_database WHERE datname = '$3'" | grep -q 1; then
    as_pg "$PG_BIN/createdb" -h "$1" -p "$2" -U postgres ${4:+-O "$4"} "$3"
  fi
}

# The two database roles (docs/operations.md#database-roles) on the server
# at socket folder $1, port $2, unless they exist: meshplane_owner owns the
# database and migrates it, meshplane serves. No passwords: the embedded
# server trusts connections on its socket, in a folder only its user (and
# root) can enter, and listens on no TCP address.
pg_ensure_roles() {
  as_pg "$PG_BIN/psql" -h "$1" -p "$2" -U postgres -d postgres -Xq \
    -v ON_ERROR_STOP=1 -c "DO \$\$BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'meshplane_owner')
        THEN CREATE ROLE meshplane_owner LOGIN; END IF;
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'meshplane')
        THEN CREATE ROLE meshplane LOGIN; END IF;
    END\$\$"
}

# The owner of database $3 on the server at socket folder $1, port $2: the
# role to migrate as (postgres for a database made before the two roles).
pg_db_owner() {
  as_pg "$PG_BIN/psql" -h "$1" -p "$2" -U postgres -d postgres -Atqc \
    "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$3'"
}

# pg_setup_meshplane SOCKET PORT: the database `meshplane` with its two
# roles, migrated by its owner with `meshplane` as the serving role. Sets
# MESHPLANE_DATABASE_URL to the serving role's URL (what meshplaned serves
# with) and MESHPLANE_OWNER_DATABASE_URL to the owner's.
pg_setup_meshplane() {
  local socket="$1" port="$2" owner
  pg_ensure_roles "$socket" "$port"
  pg_ensure_db "$socket" "$port" meshplane meshplane_owner
  owner="$(pg_db_owner "$socket" "$port" meshplane)"
  export MESHPLANE_OWNER_DATABASE_URL="postgresql://$owner@/meshplane?host=$socket&port=$port"
  export MESHPLANE_DATABASE_URL="postgresql://meshplane@/meshplane?host=$socket&port=$port"
  "$BUILD_DIR/bin/meshplaned" migrate --database-url "$MESHPLANE_OWNER_DATABASE_URL" \
    --serving-role meshplane
}

# Writes a random admin token (64 hex characters, mode 600) to $1 unless it
# holds one already.
ensure_admin_token() {
  [ -s "$1" ] || (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$1")
}

pg_reachable_dir() {
  local dir="$1"
  if [ "$(id -u)" != 0 ] || runuser -u postgres -- test -x "$(dirname "$dir")" 2>/dev/null; then
    echo "$dir"
  else
    echo "/var/lib/meshplane/$(echo "$dir" | sha256sum | cut -c1-12)"
  fi
}
