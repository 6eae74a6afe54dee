"""Whole threads (tests/threads/): the tracker after a week of replies.

Runs the core of ``bench/threads`` on every thread and holds its goals:
found (applied correctly or pending) at least 0.85 of the changes the
release manager made, and at most 5% of what relbot applied wrong.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "threads"


def _scorer() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("bench_threads", str(BENCH))
    spec = importlib.util.spec_from_loader("bench_threads", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_threads"] = module  # dataclasses look their module up
    loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scorer() -> ModuleType:
    return _scorer()


def test_the_threads_meet_the_goals(scorer: ModuleType) -> None:
    total = scorer.Score("total")
    lines: list[str] = []
    for folder in scorer.thread_folders():
        score = scorer.score_thread(folder)
        total.add(score)
        lines.append(scorer.format_row(score))
        lines.extend(score.lines)
    assert total.expected >= 40
    assert scorer.goals_met(total), "\n".join(lines)


def test_a_pending_listing_is_read_back(scorer: ModuleType) -> None:
    out = (
        '   3  status        T27   {"status": "done"}  by Stefano (confidence 0.35: low)\n'
        "      evidence: 'probably done?'  <a@b>\n"
        '  12  add           -     {"section": "x86", "text": "a } b"}  by X (confidence 0.50: y)\n'
    )
    got = scorer._read_pending(out)
    assert [(p.action, p.item, p.value) for p in got] == [
        ("status", "T27", {"status": "done"}),
        ("add", None, {"section": "x86", "text": "a } b"}),
    ]


def test_a_claim_and_an_unexplained_status_are_told_apart(scorer: ModuleType) -> None:
    def state(owners: list[str], status: str) -> dict[str, object]:
        item = {
            "id": "T1",
            "text": "Thing",
            "owners": owners,
            "status": status,
            "version": "",
            "release": "",
            "links": [],
            "children": [],
        }
        return {"sections": [{"items": [item]}]}

    spec = {
        "release": {"next_release": "4.3"},
        "changes": [{"item": "Thing", "field": "owners", "value": "Roger"}],
    }
    claimed = scorer.Played(state([], "open"), state(["Roger"], "in progress"), [], "")
    assert scorer.score("t", spec, claimed).wrong_applied == 0
    done = scorer.Played(state([], "open"), state(["Roger"], "done"), [], "")
    assert scorer.score("t", spec, done).wrong_applied == 1
