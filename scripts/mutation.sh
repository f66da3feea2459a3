#!/usr/bin/env bash
# Mutation testing of tpm and stack with PIT (the Maven profile "mutation"), in phases so that the
# security-relevant packages are scored first and a run cut short still leaves their figures. Prints one
# table per package, merged over the phases (scripts/mutation-table.py), the time of each phase, and any
# process the run left behind (there must be none: docs/child-processes.md). See docs/mutation.md.
#
#   scripts/mutation.sh [all|security|rest|tpm-security|stack-security|tpm-rest|stack-rest] [mvn arguments;
#                       -o once the plugins are downloaded]
# Each phase replaces its own reports only; the table merges whatever phases have reports.
set -euo pipefail
cd "$(dirname "$0")/.."
scope=${1:-all}
shift || true

# A mutant that drops a back-off or a loop bound can open thousands of loopback connections a second, and their
# TIME_WAIT sockets use up the machine's ephemeral ports for every other build on it. As root and offline (-o:
# the plugins were downloaded by an earlier run), the run gets a network namespace of its own, loopback only, so
# that cannot reach beyond it.
if [ -z "${TPMSSH_MUTATION_NETNS:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare > /dev/null \
        && printf '%s\n' "$@" | grep -qx -- -o; then
    export TPMSSH_MUTATION_NETNS=1
    exec unshare --net -- sh -c 'ip link set lo up && exec "$0" "$@"' "$(pwd)/scripts/mutation.sh" "$scope" "$@"
fi

TPM_SECURITY='org.tpmssh.tpm.sessions.*,org.tpmssh.tpm.marshal.*,org.tpmssh.tpm.duplication.*'
# The PIN, DA and seal code of stack.keys, the PIN errors, the store and the agent; and tpm's duplication, which
# stack's import tests reach too (crossModule), so both modules' tests count for it.
STACK_SECURITY='org.tpmssh.stack.keys.PinAuth,org.tpmssh.stack.keys.PinAttempts,org.tpmssh.stack.pin.*,org.tpmssh.stack.store.*,org.tpmssh.stack.agent.*,org.tpmssh.tpm.duplication.*'
TPM_REST='org.tpmssh.tpm.commands.*,org.tpmssh.tpm.objects.*,org.tpmssh.tpm.structures.*,org.tpmssh.tpm.transport.*,org.tpmssh.tpm.Tpm*,org.tpmssh.tpm.ResponseCodes'
STACK_REST='org.tpmssh.stack.identities.*,org.tpmssh.stack.jca.*,org.tpmssh.stack.keys.*,org.tpmssh.stack.p11kit.*,org.tpmssh.stack.pinentry.*,org.tpmssh.stack.pkcs11.*,org.tpmssh.stack.socket.*,org.tpmssh.stack.ssh.*,org.tpmssh.stack.tpm2pkcs11.*,org.tpmssh.stack.upstream.*'

# Every child of the run inherits this; whatever still carries it afterwards was left behind.
export TPMSSH_MUTATION_RUN="$$-$(date +%s)"
phase() { # name module targets
    local name=$1 module=$2 targets=$3 skipTpm=true skipStack=true started
    if [ "$module" = tpm ]; then skipTpm=false; else skipStack=false; fi
    started=$(date +%s)
    echo "== phase $name ($module): $targets" >&2
    rm -rf "$module/target/pit-reports/$name"
    mvn -B -Pmutation -pl "$module" -am verify -Dmutation.run="$name" -Dmutation.targetClasses="$targets" \
        -Dmutation.skipTpm=$skipTpm -Dmutation.skipStack=$skipStack "${EXTRA[@]}"
    echo "== phase $name took $(( $(date +%s) - started )) s" >&2
}
EXTRA=("$@")
set --
started=$(date +%s)
case "$scope" in
    all|security|tpm-security) phase tpm-security tpm "$TPM_SECURITY" ;;
esac
case "$scope" in
    all|security|stack-security) phase stack-security stack "$STACK_SECURITY" ;;
esac
case "$scope" in
    all|rest|tpm-rest) phase tpm-rest tpm "$TPM_REST" ;;
esac
case "$scope" in
    all|rest|stack-rest) phase stack-rest stack "$STACK_REST" ;;
esac
echo "== the whole run took $(( $(date +%s) - started )) s" >&2
shopt -s nullglob
reports=(tpm/target/pit-reports/*/mutations.xml stack/target/pit-reports/*/mutations.xml)
[ ${#reports[@]} -gt 0 ] && python3 scripts/mutation-table.py "${reports[@]}"

left=0
for environ in /proc/[0-9]*/environ; do
    if { tr '\0' '\n' < "$environ"; } 2>/dev/null | grep -qx "TPMSSH_MUTATION_RUN=$TPMSSH_MUTATION_RUN"; then
        pid=${environ#/proc/}; pid=${pid%/environ}
        [ "$pid" = $$ ] && continue
        grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && continue
        echo "left behind: $pid $(tr '\0' ' ' < "/proc/$pid/cmdline")" >&2
        left=$((left + 1))
    fi
done
echo "processes left behind by the run: $left" >&2
[ "$left" -eq 0 ]
