#!/usr/bin/env bash
# SIGKILLs random tpmssh verbs (token init, key create, key import, key delete, token change-pin) at random
# moments on one swtpm and one store, then checks the store, every key, the lock and the TPM's slots
# (issue 10; figures in docs/kill-and-load.md). Prints the report; exits 1 when the run is not clean.
#
#   scripts/soak/kill-verbs.sh [KILLS=200] [SEED=random] [DIR=a new temp dir]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
mvn -B -q ${MAVEN_OFFLINE:+-o} -pl cli -am package -DskipTests
exec java -cp cli/target/tpmssh-cli.jar:cli/target/test-classes org.tpmssh.cli.soak.KillVerbs \
  "${1:-200}" "${2:-$(date +%s)}" ${3:+"$3"}
