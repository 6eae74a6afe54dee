#!/usr/bin/env python3
"""The regular-expression audit as figures: every pattern relbot applies to mail text, timed
on its hardest 100,000-character adversarial inputs.

The patterns and inputs are those of tests/test_regex_linear.py (found by
tests/regex_audit.py: module patterns, patterns written in place, patterns
built at run time). For each pattern the inputs that make it work hardest at
2,000 characters are timed again at ``--chars`` (default 100,000), each run
cut off after ``--cut-off`` seconds. Prints the slowest patterns and how many
run over 0.1 s and over the cut-off, as JSON and as a Markdown table.

Usage: python bench/regex_audit.py [--chars 100000] [--cut-off 2] [--top 15]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.regex_audit import Found, pattern_inputs, time_search  # noqa: E402
from tests.test_regex_linear import HARDEST, PATTERNS, SMALL  # noqa: E402


def worst(found: Found, chars: int, cut_off: float) -> tuple[float, str]:
    timed = sorted(
        (
            (time_search(found.pattern, text, cut_off, found.uses), label)
            for label, text in pattern_inputs(found.pattern, SMALL)
        ),
        reverse=True,
    )
    wanted = {label for _, label in timed[:HARDEST]}
    slowest = (0.0, "")
    for label, text in pattern_inputs(found.pattern, chars):
        if label in wanted:
            took = time_search(found.pattern, text, cut_off, found.uses)
            slowest = max(slowest, (took, label))
    return slowest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chars", type=int, default=100_000)
    ap.add_argument("--cut-off", type=float, default=2.0)
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    started = time.perf_counter()
    rows = []
    for found in PATTERNS:
        took, label = worst(found, args.chars, args.cut_off)
        rows.append(
            {
                "where": found.where,
                "pattern": str(found.pattern.pattern)[:70],
                "uses": sorted(found.uses),
                "seconds": took,
                "input": label.replace(str(args.chars), "N"),
            }
        )
    rows.sort(key=lambda r: -r["seconds"])
    summary = {
        "patterns": len(rows),
        "chars": args.chars,
        "over_0.1s": sum(r["seconds"] >= 0.1 for r in rows),
        "cut_off": args.cut_off,
        "at_cut_off": sum(r["seconds"] >= args.cut_off for r in rows),
        "slowest": rows[: args.top],
        "took": time.perf_counter() - started,
    }
    print(json.dumps(summary, indent=1))
    print(
        f"\n{summary['patterns']} patterns, {args.chars:,} characters: "
        f"{summary['over_0.1s']} over 0.1 s, "
        f"{summary['at_cut_off']} cut off at {args.cut_off:g} s\n"
    )
    print("| pattern | where | hardest input | seconds |\n|---|---|---|---:|")
    for r in rows[: args.top]:
        mark = "≥ " if r["seconds"] >= args.cut_off else ""
        cells = (f"`{r['pattern'][:40]}`", r["where"], r["input"][:40], f"{mark}{r['seconds']:.3f}")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
