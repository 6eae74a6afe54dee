"""Measure reply understanding on the labelled set in tests/replies/.

Each ``NNN_name.eml`` is a reply to one of the status mails in
``tests/replies/status/``; ``NNN_name.expected.json`` lists what a careful
release manager would take from it: ``{"item": <words of the item's text> or
null, "action": kind, "value": {key: words the value must contain}}``, and
optionally ``"notes"`` (words a note must contain). A proposal counts as found
when it is applied or pending; precision is measured on what is applied
without review, and on everything proposed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from relbot.core.replies.message import Message, read_message
from relbot.core.replies.reply import ReplyResult, ReplyRules, understand_reply
from relbot.core.settings import TrustConfig
from relbot.core.statusmail.reader import read_status_mail
from relbot.core.tracker.events import fold
from relbot.core.tracker.model import Tracker
from relbot.core.tracker.reconcile import outline_events

REPLIES = Path(__file__).resolve().parents[1] / "tests" / "replies"
GOALS = {"applied_precision": 0.95, "recall": 0.85}


@dataclass(frozen=True, slots=True)
class StatusMail:
    message: Message
    tracker: Tracker


def load_status_mails(folder: Path = REPLIES / "status") -> dict[str, StatusMail]:
    """Message-ID -> the status mail and the tracker it shows."""
    out: dict[str, StatusMail] = {}
    for path in sorted(folder.glob("*.eml")):
        message = read_message(path.read_bytes())
        at = message.date or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        outline = read_status_mail(message.text, year=at.year)
        events = outline_events(
            outline,
            Tracker(),
            at=at,
            actor="import",
            source="import",
            message_id=message.message_id,
        )
        out[message.message_id] = StatusMail(message, fold(events))
    return out


def rules_for(status: StatusMail) -> ReplyRules:
    """The status mail's sender is the release manager of that release.

    Scored here is what a mail says; who may say it (sender verification) is
    bench/trust.py's, so nothing is held for want of a signature.
    """
    sender = f"{status.message.from_name} <{status.message.from_addr}>"
    return ReplyRules(
        release_managers=(sender,), tracker_prefixes=("XEN",), trust=TrustConfig(mode="none")
    )


def understand_file(path: Path, mails: Mapping[str, StatusMail]) -> tuple[ReplyResult, Tracker]:
    message = read_message(path.read_bytes())
    status = next((mails[i] for i in message.thread_ids if i in mails), None)
    if status is None:
        raise LookupError(f"{path.name}: replies to no known status mail")
    base = status.message.date or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    today = base.date() + dt.timedelta(days=2)
    result = understand_reply(
        message, tracker=status.tracker, replied_state=None, rules=rules_for(status), today=today
    )
    return result, status.tracker


def _norm(text: Any) -> str:
    return " ".join(str(text).lower().split())


def _value_matches(wanted: Mapping[str, Any], got: Mapping[str, Any]) -> bool:
    for key, words in wanted.items():
        have = got.get(key)
        if have is None and key == "text":
            have = got.get("title")
        if have is None or _norm(words) not in _norm(json.dumps(have, ensure_ascii=False)):
            return False
    return True


def _item_matches(wanted: str | None, got: str | None, tracker: Tracker) -> bool:
    if wanted is None or got is None:
        return wanted is None and got is None
    item = tracker.item(got)
    return item is not None and _norm(wanted) in _norm(item.text)


@dataclass(slots=True)
class Tally:
    expected: int = 0
    found: int = 0
    applied: int = 0
    applied_right: int = 0
    proposed: int = 0
    proposed_right: int = 0

    def add(self, other: Tally) -> None:
        for name in ("expected", "found", "applied", "applied_right", "proposed", "proposed_right"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def ratio(part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    @property
    def recall(self) -> float:
        return self.ratio(self.found, self.expected)

    @property
    def applied_precision(self) -> float:
        return self.ratio(self.applied_right, self.applied)

    @property
    def precision(self) -> float:
        return self.ratio(self.proposed_right, self.proposed)


@dataclass(slots=True)
class Report:
    kinds: dict[str, Tally] = field(default_factory=dict)
    items_expected: int = 0
    items_right: int = 0
    notes_expected: int = 0
    notes_found: int = 0
    misses: list[str] = field(default_factory=list)
    mails: int = 0

    def tally(self, kind: str) -> Tally:
        return self.kinds.setdefault(kind, Tally())

    @property
    def total(self) -> Tally:
        out = Tally()
        for t in self.kinds.values():
            out.add(t)
        return out


def score_file(path: Path, mails: Mapping[str, StatusMail], report: Report) -> None:
    result, tracker = understand_file(path, mails)
    spec = json.loads(path.with_suffix("").with_suffix(".expected.json").read_text())
    expected: list[dict[str, Any]] = spec["expected"]
    proposals = [d for d in result.to_json()["actions"] if d["decision"] in ("apply", "pending")]
    used: set[int] = set()
    report.mails += 1
    for want in expected:
        kind = want["action"]
        report.tally(kind).expected += 1
        hit = next(
            (
                i
                for i, got in enumerate(proposals)
                if i not in used
                and got["action"] == kind
                and _item_matches(want.get("item"), got["item"], tracker)
                and _value_matches(want.get("value", {}), got["value"])
            ),
            None,
        )
        if hit is not None:
            used.add(hit)
            report.tally(kind).found += 1
        else:
            report.misses.append(
                f"{path.name}: missed {kind} {want.get('item')} {want.get('value')}"
            )
        if want.get("item") is not None:
            report.items_expected += 1
            same_kind = [g for g in proposals if g["action"] == kind]
            if any(_item_matches(want["item"], g["item"], tracker) for g in same_kind):
                report.items_right += 1
    for i, got in enumerate(proposals):
        t = report.tally(got["action"])
        t.proposed += 1
        right = i in used
        t.proposed_right += right
        if got["decision"] == "apply":
            t.applied += 1
            t.applied_right += right
        if not right:
            report.misses.append(
                f"{path.name}: extra {got['decision']} {got['action']} {got['item']} "
                f"{got['value']} <- {got['evidence'][:70]!r}"
            )
    for words in spec.get("notes", ()):
        report.notes_expected += 1
        if any(_norm(words) in _norm(n) for n in result.notes):
            report.notes_found += 1
        else:
            report.misses.append(f"{path.name}: no note with {words!r}")


def evaluate(paths: Iterable[Path] | None = None, status_folders: Iterable[Path] = ()) -> Report:
    mails = load_status_mails()
    for folder in status_folders:
        mails.update(load_status_mails(folder))
    report = Report()
    for path in sorted(paths or REPLIES.glob("*.eml")):
        score_file(path, mails, report)
    return report


def format_report(report: Report) -> str:
    lines = [
        f"{'action':<15} {'expected':>8} {'found':>6} {'recall':>7} "
        f"{'applied':>8} {'prec(applied)':>14} {'proposed':>9} {'prec(all)':>10}"
    ]
    rows = sorted(report.kinds.items())
    for name, t in [*rows, ("ALL", report.total)]:
        lines.append(
            f"{name:<15} {t.expected:>8} {t.found:>6} {t.recall:>7.2f} "
            f"{t.applied:>8} {t.applied_precision:>14.2f} {t.proposed:>9} {t.precision:>10.2f}"
        )
    item_acc = Tally.ratio(report.items_right, report.items_expected)
    lines.append(
        f"item attribution: {report.items_right}/{report.items_expected} = {item_acc:.2f}"
        f"   notes: {report.notes_found}/{report.notes_expected}   mails: {report.mails}"
    )
    total = report.total
    ok = total.applied_precision >= GOALS["applied_precision"] and total.recall >= GOALS["recall"]
    lines.append(
        f"overall: recall {total.recall:.3f} (goal {GOALS['recall']}), applied precision "
        f"{total.applied_precision:.3f} (goal {GOALS['applied_precision']}), "
        f"all-proposal precision {total.precision:.3f} -> {'OK' if ok else 'BELOW GOAL'}"
    )
    return "\n".join(lines)
