"""Real list mail (../shared/realmail): the goals of issue 9, held by ``bench/real``.

The real replies are read from the shared folder and never copied here; the
test skips where the folder is absent. Recall at least 0.85 (a pending
proposal counts as found), applied precision at least 0.95, and nothing
applied from a mail that only acknowledges, asks or talks schedule.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "real"


def _bench() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("bench_real", str(BENCH))
    spec = importlib.util.spec_from_loader("bench_real", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_real"] = module  # dataclasses look their module up
    loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return _bench()


def test_real_replies_meet_the_goals(bench: ModuleType) -> None:
    folder = Path(bench.DEFAULT)
    if not (folder / "labels.json").exists():
        pytest.skip(f"no real mail at {folder}")
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    report = bench.Report()
    for stem in sorted(labels["replies"]):
        bench.score_reply(stem, labels, bench.play(folder, labels, stem), report)
    table = bench.format_report(report) + "\n" + "\n".join(report.lines)
    expected = sum(t.expected for t in report.kinds.values())
    found = sum(t.found for t in report.kinds.values())
    assert expected >= 40, table
    assert found / expected >= bench.GOALS["recall"], table
    assert report.applied_right >= bench.GOALS["applied_precision"] * report.applied, table
    assert report.quiet_applied == 0, table


def test_a_label_is_found_only_by_a_proposal_of_its_kind_on_its_item(bench: ModuleType) -> None:
    label = {"kind": "done", "item": "Timer drift", "evidence": "This went in."}
    done = bench.Proposal("status", "T1", {"status": "done"})
    assert bench.compatible(done, label, "T1")
    assert not bench.compatible(done, label, "T2")
    assert not bench.compatible(bench.Proposal("status", "T1", {"status": "dropped"}), label, "T1")
    add = {"kind": "add_item", "item": "Grant table v3 fixes", "bug_pointer": ""}
    assert bench.compatible(
        bench.Proposal("add", None, {"text": "Grant table v3 fixes"}), add, None
    )
    assert not bench.compatible(bench.Proposal("add", None, {"text": "Watchdog"}), add, None)
