#!/usr/bin/env python3
"""Merges PIT's mutations.xml files into one Markdown table per package (docs/mutation.md).

The same mutant (class, method, descriptor, mutator, indexes, line) can be analysed in several runs: tpm's own
tests in the tpm module, and stack's tests in the stack module, which mutates tpm's classes too (crossModule).
It counts once, with the best status any run gave it: killed by any test suite is killed.

A surviving mutant listed in scripts/mutation-equivalents.tsv (judged equivalent: no caller can observe it, with
the reason) is counted in the "equivalent" column; the last column scores the rest. An entry that matches no
survivor is printed as stale, so the list cannot outlive the code it describes.
"""
import os
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict

# PIT's DetectionStatus: which statuses count as detected, and which run result wins a merge.
DETECTED = {"KILLED", "TIMED_OUT", "MEMORY_ERROR", "RUN_ERROR", "NON_VIABLE"}
RANK = ["KILLED", "TIMED_OUT", "MEMORY_ERROR", "RUN_ERROR", "NON_VIABLE", "SURVIVED", "NO_COVERAGE",
        "NOT_STARTED", "STARTED"]


# The security-relevant code the 85 % goal is about (docs/mutation.md), by class-name prefix.
AREAS = [
    ("sessions, HMAC, parameter encryption, KDFs", ("org.tpmssh.tpm.sessions.",)),
    ("PIN and authValue derivation, DA handling, seals", ("org.tpmssh.stack.keys.PinAuth", "org.tpmssh.stack.keys.PinAttempts",
                                                           "org.tpmssh.stack.pin.", "org.tpmssh.stack.store.Tokens")),
    ("the agent's protocol and constraints", ("org.tpmssh.stack.agent.",)),
    ("the store's atomic writes and lock", ("org.tpmssh.stack.store.TokenStore", "org.tpmssh.stack.store.RecordFiles")),
    ("import: duplication and marshalling", ("org.tpmssh.tpm.duplication.", "org.tpmssh.tpm.marshal.")),
]


EQUIVALENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mutation-equivalents.tsv")


def equivalents():
    """(class without org.tpmssh., line, description prefix, reason) rows; '#' starts a comment line."""
    rows = []
    if os.path.exists(EQUIVALENTS):
        with open(EQUIVALENTS, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip() or line.startswith("#"):
                    continue
                fields = line.rstrip("\n").split("\t")
                if len(fields) != 4:
                    sys.exit(f"{EQUIVALENTS}:{number}: want 4 tab-separated fields, not {len(fields)}")
                rows.append(tuple(fields))
    return rows


def judged(k, description, rows, used):
    cls = k[0].removeprefix("org.tpmssh.").split("$")[0]
    for row in rows:
        if row[0] == cls and row[1] == k[5] and description.startswith(row[2]):
            used.add(row)
            return True
    return False


def score(c):
    total = sum(n for s, n in c.items() if s != "EQUIVALENT")
    detected = sum(n for s, n in c.items() if s in DETECTED)
    return (f"{100 * detected // max(total, 1)} % | {c['EQUIVALENT']} |"
            f" {100 * detected // max(total - c['EQUIVALENT'], 1)} %")


def key(m):
    return (m.findtext("mutatedClass"), m.findtext("mutatedMethod"), m.findtext("methodDescription"),
            m.findtext("mutator"), tuple(i.text for i in m.iter("index")), m.findtext("lineNumber"))


def main(paths):
    best = {}
    for path in paths:
        for m in ET.parse(path).getroot().iter("mutation"):
            k, status = key(m), m.get("status")
            if k not in best or RANK.index(status) < RANK.index(best[k][0]):
                best[k] = (status, m.findtext("description"))
    rows, used = equivalents(), set()
    per = defaultdict(lambda: defaultdict(int))
    areas = defaultdict(lambda: defaultdict(int))
    for k, (status, description) in best.items():
        cls = k[0]
        package = cls.rsplit(".", 1)[0].removeprefix("org.tpmssh.")
        equivalent = status in ("SURVIVED", "NO_COVERAGE") and judged(k, description, rows, used)
        buckets = [per[package], per["overall"]] + [areas[name] for name, prefixes in AREAS if cls.startswith(prefixes)]
        for bucket in buckets:
            bucket[status] += 1
            bucket["EQUIVALENT"] += equivalent
    print("| package | mutants | killed | timed out | survived | no coverage | other | score | equivalent |"
          " score without them |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for package in sorted(p for p in per if p != "overall") + ["overall"]:
        c = per[package]
        total = sum(n for s, n in c.items() if s != "EQUIVALENT")
        other = total - c["KILLED"] - c["TIMED_OUT"] - c["SURVIVED"] - c["NO_COVERAGE"]
        name = "**overall**" if package == "overall" else package
        print(f"| {name} | {total} | {c['KILLED']} | {c['TIMED_OUT']} | {c['SURVIVED']} | {c['NO_COVERAGE']} |"
              f" {other} | {score(c)} |")
    if areas:
        print()
        print("| security-relevant code | mutants | killed | timed out | survived | no coverage | score | equivalent |"
              " score without them |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, _ in AREAS:
            c = areas.get(name)
            if not c:
                continue
            total = sum(n for s, n in c.items() if s != "EQUIVALENT")
            print(f"| {name} | {total} | {c['KILLED']} | {c['TIMED_OUT']} | {c['SURVIVED']} | {c['NO_COVERAGE']} |"
                  f" {score(c)} |")
    analysed = {k[0].removeprefix("org.tpmssh.").split("$")[0] for k in best}
    for row in rows:
        if row not in used and row[0] in analysed:
            print(f"stale equivalent (no survivor matches it): {row[0]} line {row[1]}: {row[2]}", file=sys.stderr)
    if "--survivors" in sys.argv:
        print()
        for k, (status, description) in sorted(best.items()):
            if status in ("SURVIVED", "NO_COVERAGE"):
                print(f"{status:11} {k[0]}.{k[1]} line {k[5]}: {description}")


if __name__ == "__main__":
    main([a for a in sys.argv[1:] if not a.startswith("--")])
