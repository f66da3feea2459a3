#!/usr/bin/env bash
# A bounded soak of our agent: SIGNATURES sign requests, the TPM's transient and session handle lists before and
# after, and the heap after a full GC every INTERVAL signatures (issue 10; figures in docs/kill-and-load.md).
#
#   scripts/soak/agent-soak.sh [SIGNATURES=100000] [INTERVAL=5000]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
mvn -B -q ${MAVEN_OFFLINE:+-o} -pl bench -am package -DskipTests
exec java -Xmx256m -cp bench/target/benchmarks.jar org.tpmssh.bench.AgentSoak "${1:-100000}" "${2:-5000}"
