#!/usr/bin/env bash
# scripts/common.sh: the port picker used by every script that starts a
# server (run.sh, cluster.sh, the bench and reliability scripts).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

failures=0
check() { if ! eval "$1"; then echo "FAILED: $2"; failures=$((failures + 1)); fi; }

# A port in the kernel's ephemeral range can be taken by any outgoing
# connection (a client of a parallel test) between the pick and the bind:
# that is how sustained_load_e2e_test's nginx once failed with EADDRINUSE.
read -r eph_low eph_high < /proc/sys/net/ipv4/ip_local_port_range
for _ in $(seq 1 300); do
  port="$(free_port)"
  check '[ "$port" -ge 1024 ]' "port $port is privileged"
  check '[ "$port" -lt "$eph_low" ] || [ "$port" -gt "$eph_high" ]' \
    "port $port is in the ephemeral range $eph_low-$eph_high"
done

[ $failures = 0 ] && echo "PASSED" || { echo "$failures failure(s)"; exit 1; }
