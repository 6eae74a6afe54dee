"""Importing a status mail into the tracker as events (relbot.core.tracker.reconcile)."""

from __future__ import annotations

import datetime as dt

from relbot.core.statusmail.reader import read_status_mail
from relbot.core.tracker.events import Event, Kind, fold
from relbot.core.tracker.model import Status, Tracker
from relbot.core.tracker.reconcile import outline_events
from tests.clirun import seed_path

SEED = seed_path()
AT = dt.datetime(2012, 4, 16, 12, 31, tzinfo=dt.UTC)
LATER = AT + dt.timedelta(days=7)


def _events(text: str, current: Tracker, at: dt.datetime = AT, **kw: str) -> tuple[Event, ...]:
    return outline_events(
        read_status_mail(text, year=2012),
        current,
        at=at,
        actor="Ian Campbell",
        source="import",
        **kw,
    )


def _kinds(events: tuple[Event, ...]) -> list[tuple[Kind, str | None]]:
    return [(e.kind, e.item) for e in events]


def _seed() -> str:
    return SEED.read_text(encoding="utf-8")


MAIL = """\
Plan for a 4.3 release:

The time line is as follows:

1 March         -- Feature Freeze
                                                       << WE ARE HERE
Weekly          -- RCN+1 until it is ready

Hello all.

hypervisor, blockers:
      * Zombie driver domains (George Dunlap)
      * PoD performance improvements (George Dunlap)
tools, blockers:
      * libxl stable API
              * Safe fork vs. fd handling hooks (Ian J, patches posted)
              * locking/serialization
                      * Deferred until 4.4.
      * More formally deprecate xm/xend. Manpage patches already in tree.
      * Sharing support for AMD (Tim, Andres)
      * Domain 0 block attach (So, DONE with no action required)

[0] http://example.org/a
"""


def test_import_into_empty_tracker() -> None:
    events = _events(MAIL, Tracker())
    kinds = [e.kind for e in events]
    assert kinds[:4] == [Kind.RELEASE, Kind.INTRO, Kind.MILESTONES, Kind.SECTION]
    assert kinds[4:6] == [Kind.SECTION, Kind.FOOTNOTE]
    adds = [e for e in events if e.kind is Kind.ADD]
    assert [e.item for e in adds] == [f"T{n}" for n in range(1, 10)]
    assert all(e.actor == "Ian Campbell" and e.source == "import" and e.at == AT for e in events)
    tracker = fold(events)
    assert tracker.release == "4.3" and tracker.intro == "Hello all."
    assert [m.when for m in tracker.milestones] == ["1 March", "Weekly"]
    assert tracker.milestones[0].date == dt.date(2012, 3, 1)
    assert [s.key for s in tracker.sections] == ["hypervisor, blockers", "tools, blockers"]
    assert [(f.number, f.url) for f in tracker.footnotes] == [(0, "http://example.org/a")]
    safe = tracker.item("T4")
    assert safe is not None
    assert (safe.parent, safe.owners, safe.status) == ("T3", ("Ian J",), Status.PATCHES_POSTED)
    locking = tracker.item("T5")
    assert locking is not None and (locking.status, locking.release) == (Status.DEFERRED, "4.4")
    assert tracker.item("T6") is not None and tracker.item("T6").parent == "T5"  # type: ignore[union-attr]
    done = tracker.item("T9")
    assert done is not None and done.status is Status.DONE and done.closed_at == AT
    assert tracker.next_id == 10
    assert adds[0].data["layout"] == {
        "lines": ["Zombie driver domains (George Dunlap)"],
        "key": adds[0].data["layout"]["key"],
        "depth": 0,
    }


def test_ids_continue_from_the_tracker() -> None:
    start = fold(_events(MAIL, Tracker()))
    other = "misc:\n  * Something else entirely\n"
    events = _events(other, start)
    adds = [e for e in events if e.kind is Kind.ADD]
    assert [e.item for e in adds] == ["T10"]


def test_reimport_is_idempotent() -> None:
    first = _events(MAIL, Tracker(), message_id="a@example.org", subject="4.3 plan")
    tracker = fold(first)
    assert _events(MAIL, tracker, at=LATER) == ()
    assert _events(MAIL, tracker, at=LATER, message_id="a@example.org") == ()


def test_seed_reimport_is_idempotent() -> None:
    tracker = fold(_events(_seed(), Tracker()))
    assert len(tracker.items) == 49
    assert _events(_seed(), tracker, at=LATER) == ()


def test_status_mail_event() -> None:
    events = outline_events(
        read_status_mail(MAIL, year=2012),
        Tracker(),
        at=AT,
        actor="rm",
        source="import",
        message_id="plan@example.org",
        subject="4.3 Release Plan",
        base_count=5,
    )
    last = events[-1]
    assert last.kind is Kind.STATUS_MAIL
    assert last.data["message_id"] == "plan@example.org"
    assert last.data["subject"] == "4.3 Release Plan"
    assert last.data["event_count"] == 5 + len(events)
    mail = fold(events).status_mail("plan@example.org")
    assert mail is not None and mail.date == AT and mail.event_count == 5 + len(events)


EDITED = (
    MAIL.replace(
        "Zombie driver domains (George Dunlap)",
        "Zombie driver domains (George Dunlap, patches posted)",
    )
    .replace("      * PoD performance improvements (George Dunlap)\n", "")
    .replace(
        "      * Sharing support for AMD (Tim, Andres)\n",
        "      * Sharing support for AMD (Andres, Jan Beulich)\n"
        "      * PoD performance improvements (George Dunlap)\n",
    )
    .replace(
        "More formally deprecate xm/xend. Manpage patches already in tree.",
        "More formally deprecate xm and xend. Manpage patches are already in tree.",
    )
    .replace("      * More formally", "      * [BUG] Brand new\n      * More formally")
    .replace("              * Safe fork vs. fd handling hooks (Ian J, patches posted)\n", "")
)


def test_hand_edited_mail_reconciles() -> None:
    tracker = fold(_events(MAIL, Tracker()))
    events = _events(EDITED, tracker, at=LATER)
    got = [(e.kind, e.item, {k: v for k, v in e.data.items() if k != "layout"}) for e in events]
    assert got == [
        (Kind.STATUS, "T1", {"status": "patches posted", "note": ""}),
        (
            Kind.ADD,
            "T10",
            {"id": "T10", "section": "tools, blockers", "text": "Brand new", "tags": ["BUG"]},
        ),
        (
            Kind.EDIT,
            "T7",
            {"text": "More formally deprecate xm and xend. Manpage patches are already in tree."},
        ),
        (Kind.CLAIM, "T8", {"owner": "Jan Beulich"}),
        (Kind.UNCLAIM, "T8", {"owner": "Tim"}),
        (Kind.MOVE, "T2", {"section": "tools, blockers", "parent": None}),
        (Kind.REMOVE, "T4", {}),
    ]
    after = fold(events, tracker)
    assert after.item("T4") is None and "T4" in after.removed
    assert after.item("T2").section == "tools, blockers"  # type: ignore[union-attr]
    assert after.item("T8").owners == ("Andres", "Jan Beulich")  # type: ignore[union-attr]
    # and the edited mail, imported again, changes nothing more
    assert _events(EDITED, after, at=LATER) == ()


def test_closed_and_deferred_items_are_not_removed() -> None:
    tracker = fold(_events(MAIL, Tracker()))
    without = MAIL.replace(
        "      * Domain 0 block attach (So, DONE with no action required)\n", ""
    ).replace(
        "              * locking/serialization\n                      * Deferred until 4.4.\n", ""
    )
    assert _events(without, tracker, at=LATER) == ()


def test_removed_parent_takes_its_children() -> None:
    tracker = fold(_events(MAIL, Tracker()))
    text = MAIL.replace(
        "              * Safe fork vs. fd handling hooks (Ian J, patches posted)\n", ""
    ).replace("      * libxl stable API\n", "")
    # "locking/serialization" is deferred: it stays and moves up to the section
    events = _events(text, tracker, at=LATER)
    assert [(e.kind, e.item) for e in events] == [
        (Kind.MOVE, "T5"),
        (Kind.REMOVE, "T3"),
    ]
    after = fold(events, tracker)
    assert after.item("T5") is not None and after.item("T5").parent is None  # type: ignore[union-attr]
    assert after.item("T4") is None


def test_shown_ids_match_before_text() -> None:
    tracker = fold(_events(MAIL, Tracker()))
    text = "tools, blockers:\n      * [T3] A completely different wording of the API item\n"
    events = _events(text, tracker, at=LATER)
    # everything else the short mail leaves out is removed, T3 itself is kept
    edits = [e for e in events if e.kind is Kind.EDIT]
    assert [(e.item, e.data["text"]) for e in edits] == [
        ("T3", "A completely different wording of the API item")
    ]
    assert not [e for e in events if e.kind is Kind.ADD]
    assert "T3" not in {e.item for e in events if e.kind is Kind.REMOVE}


def test_fuzzy_match_prefers_the_same_section() -> None:
    text = "a:\n  * Improve the boot time\nb:\n  * Improve the boot time\n"
    tracker = fold(_events(text, Tracker()))
    edited = "a:\n  * Improve the boot times\nb:\n  * Improve the boot time!\n"
    events = _events(edited, tracker, at=LATER)
    assert [(e.kind, e.item, e.data.get("text")) for e in events] == [
        (Kind.EDIT, "T1", "Improve the boot times"),
        (Kind.EDIT, "T2", "Improve the boot time!"),
    ]


def test_reopening_a_dropped_item_goes_through_open() -> None:
    tracker = fold(_events("a:\n  * Thing (dropped)\n", Tracker()))
    assert tracker.item("T1").status is Status.DROPPED  # type: ignore[union-attr]
    events = _events("a:\n  * Thing (DONE)\n", tracker, at=LATER)
    assert [e.data["status"] for e in events if e.kind is Kind.STATUS] == ["open", "done"]
    assert fold(events, tracker).item("T1").status is Status.DONE  # type: ignore[union-attr]
