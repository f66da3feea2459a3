#!/usr/bin/env bash
# The long run of SharedTpmTest (docs/shared-tpm.md): two tpmssh agents serving logins and ssh-keygen -Y
# signatures, tpmssh key create and key import in other processes, tpm2-pkcs11 through ssh -I, and tpm2_getcap
# with tpm2_flushcontext -t, all at once on one swtpm behind tpm2-abrmd, for SECONDS (default 300).
# mvn verify runs the same test for 30 s. Prints what ran and how often; exits non-zero on any failure.
set -euo pipefail
seconds=${1:-300}
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"
mvn -B -q -pl cli -am verify -Dtest=SharedTpmTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dtpmssh.soak.seconds="$seconds" || status=$?
sed -n '/of interleaved clients/,/failures/p' cli/target/surefire-reports/org.tpmssh.cli.shared.SharedTpmTest-output.txt
exit "${status:-0}"
