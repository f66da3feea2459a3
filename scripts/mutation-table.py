#!/usr/bin/env python3
"""Merges PIT's mutations.xml files into one Markdown table per package (docs/mutation.md).

The same mutant (class, method, descriptor, mutator, indexes, line) can be analysed in several runs: tpm's own
tests in the tpm module, and stack's tests in the stack module, which mutates tpm's classes too (crossModule).
It counts once, with the best status any run gave it: killed by any test suite is killed.
"""
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
    per = defaultdict(lambda: defaultdict(int))
    for (cls, *_), (status, _) in best.items():
        package = cls.rsplit(".", 1)[0].removeprefix("org.tpmssh.")
        for bucket in (package, "overall"):
            per[bucket][status] += 1
    print("| package | mutants | killed | timed out | survived | no coverage | other | score |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for package in sorted(p for p in per if p != "overall") + ["overall"]:
        c = per[package]
        total = sum(c.values())
        detected = sum(n for s, n in c.items() if s in DETECTED)
        other = total - c["KILLED"] - c["TIMED_OUT"] - c["SURVIVED"] - c["NO_COVERAGE"]
        name = "**overall**" if package == "overall" else package
        print(f"| {name} | {total} | {c['KILLED']} | {c['TIMED_OUT']} | {c['SURVIVED']} | {c['NO_COVERAGE']} |"
              f" {other} | {100 * detected // max(total, 1)} % |")
    areas = defaultdict(lambda: defaultdict(int))
    for (cls, *_), (status, _) in best.items():
        for name, prefixes in AREAS:
            if cls.startswith(prefixes):
                areas[name][status] += 1
    if areas:
        print()
        print("| security-relevant code | mutants | killed | timed out | survived | no coverage | score |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, _ in AREAS:
            c = areas.get(name)
            if not c:
                continue
            total = sum(c.values())
            detected = sum(n for s, n in c.items() if s in DETECTED)
            print(f"| {name} | {total} | {c['KILLED']} | {c['TIMED_OUT']} | {c['SURVIVED']} | {c['NO_COVERAGE']} |"
                  f" {100 * detected // max(total, 1)} % |")
    if "--survivors" in sys.argv:
        print()
        for k, (status, description) in sorted(best.items()):
            if status in ("SURVIVED", "NO_COVERAGE"):
                print(f"{status:11} {k[0]}.{k[1]} line {k[5]}: {description}")


if __name__ == "__main__":
    main([a for a in sys.argv[1:] if not a.startswith("--")])
