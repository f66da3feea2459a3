#!/usr/bin/env bash
# Fuzzes one Jazzer target for real (docs/fuzzing.md). `mvn verify` only replays the committed inputs; this
# script lets libFuzzer mutate them for DURATION and writes what it learns under MODULE/target/fuzz/.
#
#   scripts/fuzz.sh                      lists the targets
#   scripts/fuzz.sh TARGET DURATION      e.g. scripts/fuzz.sh TctiFuzzTest#parse 10m (s, m or h; default 5m)
#
# Environment: FUZZ_RUNS=N stops after N inputs; FUZZ_HEAP (default 256m) is the test JVM's -Xmx, so an
# allocation that follows a length field without a bound fails as OutOfMemoryError, a finding;
# FUZZ_TIMEOUT (default 10, seconds) makes a slower input a finding (a hang); FUZZ_MAX_LEN caps an input's
# size (libFuzzer's default otherwise); FUZZ_KEEP_GOING=N goes on until N distinct findings (default 1);
# FUZZ_INSTRUMENT adds coverage of libraries' packages (globs, comma-separated, e.g. 'org.bouncycastle.asn1.**')
# to that of tpmssh's own classes;
# FUZZ_OFFLINE=0 lets Maven go online.
# A finding is written to MODULE/target/fuzz/ as crash-*, timeout-* or oom-*: fix the code, then move the
# file into the target's inputs directory (src/test/resources/<package>/<Class>Inputs/<method>/) with a name
# that says what it found, so `mvn verify` replays it from then on.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

targets() {
    grep -l '@FuzzTest' "$root"/*/src/test/java -r --include='*FuzzTest.java' | sort | while read -r file; do
        local rel=${file#"$root"/}
        local module=${rel%%/*}
        local class
        class=$(basename "$file" .java)
        grep -A3 '@FuzzTest' "$file" | grep -oE 'void [A-Za-z0-9_]+\(' | sed -E 's/void (.*)\(/\1/' \
            | while read -r method; do
                printf '%s#%s %s %s\n' "$class" "$method" "$module" "${rel#"$module"/src/test/java/}"
            done
    done
}

if [ $# -eq 0 ]; then
    echo "usage: scripts/fuzz.sh TARGET [DURATION]   (DURATION like 90s, 10m, 2h; default 5m)"
    echo "targets (TARGET module):"
    targets | awk '{printf "  %-48s %s\n", $1, $2}'
    exit 0
fi

target=$1
duration=${2:-5m}
case "$duration" in
    *h) seconds=$(( ${duration%h} * 3600 )) ;;
    *m) seconds=$(( ${duration%m} * 60 )) ;;
    *s) seconds=${duration%s} ;;
    *[!0-9]*|'') echo "fuzz.sh: DURATION must look like 90s, 10m or 2h, not \"$duration\"" >&2; exit 2 ;;
    *) seconds=$duration ;;
esac
[[ $target == *#* ]] || target=$(targets | awk -v c="$target" 'index($1, c "#") == 1 {print $1; exit}')
line=$(targets | awk -v t="$target" '$1 == t {print; exit}')
if [ -z "$line" ]; then
    echo "fuzz.sh: no fuzz target \"$1\"; run scripts/fuzz.sh without arguments to list them" >&2
    exit 2
fi
module=$(echo "$line" | awk '{print $2}')
class=$(echo "$line" | awk '{print $3}' | sed -e 's/\.java$//' -e 's#/#.#g')
method=${target#*#}
out="$root/$module/target/fuzz"
mkdir -p "$out"

args=(-Djazzer.internal.arg.0=fuzz "-Djazzer.internal.arg.1=-max_total_time=$seconds"
      "-Djazzer.internal.arg.2=-timeout=${FUZZ_TIMEOUT:-10}" "-Djazzer.internal.arg.3=-print_final_stats=1")
n=4
if [ -n "${FUZZ_RUNS:-}" ]; then args+=("-Djazzer.internal.arg.$n=-runs=$FUZZ_RUNS"); n=$((n + 1)); fi
if [ -n "${FUZZ_MAX_LEN:-}" ]; then args+=("-Djazzer.internal.arg.$n=-max_len=$FUZZ_MAX_LEN"); n=$((n + 1)); fi
# Every tpmssh module, also those the target's module uses as jars (Jazzer's default covers class directories).
args+=("-Djazzer.instrument=org.tpmssh.**${FUZZ_INSTRUMENT:+,$FUZZ_INSTRUMENT}")
offline=-o
[ "${FUZZ_OFFLINE:-1}" = 0 ] && offline=

echo "fuzz.sh: $class#$method in $module for ${seconds}s; corpus and findings in $out"
cd "$root"
JAZZER_FUZZ=1 mvn $offline -B -q -pl "$module" -am verify -Dtest="$class#$method" \
    -Dsurefire.failIfNoSpecifiedTests=false -Dsurefire.redirectTestOutputToFile=false \
    -DargLine="-Xmx${FUZZ_HEAP:-256m}" -Djazzer.hooks=true -Djazzer.internal.basedir="$out" -Djazzer.keep_going="${FUZZ_KEEP_GOING:-1}" \
    "${args[@]}"
