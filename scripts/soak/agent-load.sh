#!/usr/bin/env bash
# Many agent clients signing at once through our agent on one swtpm, beside one client and raw TPM2_Sign in the
# same run; every signature verified by the JDK (issue 10; figures in docs/kill-and-load.md).
#
#   scripts/soak/agent-load.sh [CLIENTS=32] [SIGNATURES_EACH=1000] [BASELINE_SIGNATURES=5000] [ROUNDS=10] [pin|pinless]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
mvn -B -q ${MAVEN_OFFLINE:+-o} -pl bench -am package -DskipTests
exec java -cp bench/target/benchmarks.jar org.tpmssh.bench.AgentLoad "${1:-32}" "${2:-1000}" "${3:-5000}" "${4:-10}" "${5:-pin}"
