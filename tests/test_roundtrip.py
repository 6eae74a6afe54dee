"""Import then render: the seed comes back, and render -> import -> render is fixed."""

from __future__ import annotations

import datetime as dt
import difflib
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relbot.core.render import build_status_view
from relbot.core.replies.message import read_message
from relbot.core.statusmail.reader import Outline, read_status_mail
from relbot.core.tracker.events import Event, Kind, fold
from relbot.core.tracker.model import Item, Link, Status, Tracker
from relbot.core.tracker.reconcile import outline_events
from relbot.core.views import RenderOptions
from relbot.edges.templating import render_status
from tests.clirun import seed_path

ROOT = Path(__file__).resolve().parents[1]
SEED = seed_path()
TEMPLATE = ROOT / "templates" / "status.txt.j2"
GOLDEN = Path(__file__).parent / "golden" / "seed_2012-04-16.txt"
TODAY = dt.date(2012, 4, 16)
AT = dt.datetime(2012, 4, 16, 12, 31, 50, tzinfo=dt.UTC)


def import_mail(text: str, tracker: Tracker | None = None) -> tuple[Tracker, tuple[Event, ...]]:
    start = tracker or Tracker()
    events = outline_events(
        read_status_mail(text, year=TODAY.year), start, at=AT, actor="rm", source="import"
    )
    return fold(events, start), events


def render(
    tracker: Tracker, events: tuple[Event, ...], options: RenderOptions | None = None
) -> str:
    view = build_status_view(tracker, events, today=TODAY, options=options or RenderOptions())
    return render_status(view, TEMPLATE)


def read_layout(path: Path) -> str:
    """A layout fixture's body: a whole ``.eml`` message is read as ``relbot import`` reads it."""
    if path.suffix == ".eml":
        return read_message(path.read_bytes()).text
    return path.read_text("utf-8")


_NOT_YET: set[str] = set()


def _layouts() -> list[object]:
    root = ROOT / "tests" / "layouts"
    return [
        pytest.param(p, marks=pytest.mark.xfail(strict=True)) if p.stem in _NOT_YET else p
        for p in sorted((*root.rglob("*.txt"), *root.rglob("*.eml")))
    ]


def _seed() -> str:
    return SEED.read_text(encoding="utf-8")


def _body_lines(text: str) -> list[str]:
    """Non-blank lines from "Plan for a" to the footnote, whitespace normalised."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Plan for a"))
    end = max(i for i, ln in enumerate(lines) if ln.startswith("[0] "))
    return [" ".join(ln.split()) for ln in lines[start : end + 1] if ln.strip()]


def identical_share(expected: list[str], got: list[str]) -> float:
    matcher = difflib.SequenceMatcher(None, expected, got, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    return 100.0 * same / len(expected)


def test_seed_round_trip() -> None:
    seed = _seed()
    tracker, events = import_mail(seed)
    out = render(tracker, events)
    pct = identical_share(_body_lines(seed), _body_lines(out))
    rewrapped = render(tracker, events, RenderOptions(keep_layout=False))
    pct_wrap = identical_share(_body_lines(seed), _body_lines(rewrapped))
    print(
        f"seed round trip: {pct:.1f}% of {len(_body_lines(seed))} body lines identical"
        f" ({pct_wrap:.1f}% when every item is rewrapped by textwrap)"
    )
    assert pct >= 95.0
    assert pct_wrap >= 85.0


def test_seed_round_trip_keeps_every_part() -> None:
    seed = _seed()
    tracker, events = import_mail(seed)
    out = render(tracker, events)
    before, after = read_status_mail(seed, year=2012), read_status_mail(out, year=2012)

    def rows(outline: Outline) -> list[tuple[object, ...]]:
        return [
            (
                sec.key,
                parent.text if parent else None,
                it.text,
                it.tags,
                it.owners,
                it.status,
                it.status_note,
                it.release,
                it.notes,
                it.links,
            )
            for sec, parent, it in outline.walk()
        ]

    assert rows(after) == rows(before)
    assert [(m.when, m.label, m.date) for m in after.milestones] == [
        (m.when, m.label, m.date) for m in before.milestones
    ]
    assert after.marker_after == before.marker_after
    assert after.footnotes == before.footnotes
    assert after.intro == before.intro
    assert [(s.key, s.title, s.text) for s in after.sections] == [
        (s.key, s.title, s.text) for s in before.sections
    ]


def test_seed_golden() -> None:
    tracker, events = import_mail(_seed())
    out = render(tracker, events)
    if os.environ.get("RELBOT_UPDATE_GOLDEN"):
        GOLDEN.write_text(out, encoding="utf-8")
    assert out == GOLDEN.read_text(encoding="utf-8")


def test_seed_render_is_a_fixed_point() -> None:
    tracker, events = import_mail(_seed())
    out = render(tracker, events)
    again, again_events = import_mail(out)
    assert render(again, again_events) == out
    # and importing the render over the seed's own tracker changes nothing
    assert (
        outline_events(
            read_status_mail(out, year=2012), tracker, at=AT, actor="rm", source="import"
        )
        == ()
    )


def test_seed_with_item_ids_reads_back() -> None:
    tracker, events = import_mail(_seed())
    out = render(tracker, events, RenderOptions(item_ids=True))
    assert "      * [T1] [BUG] Zombie driver domains." in out
    outline = read_status_mail(out, year=2012)
    ids = [it.item_id for _s, _p, it in outline.walk()]
    assert ids == [it.id for sec in tracker.sections for _d, it in tracker.walk(sec.key)]
    assert outline_events(outline, tracker, at=AT, actor="rm", source="import") == ()


# -- generated trackers ----------------------------------------------------------

WORDS = [
    "xen",
    "libxl",
    "domain",
    "support",
    "memory",
    "paging",
    "qemu",
    "upstream",
    "console",
    "hotplug",
    "driver",
    "guest",
    "migration",
    "save",
    "restore",
    "block",
    "network",
    "device",
    "the",
    "a",
    "for",
    "of",
    "with",
    "in",
    "on",
    "to",
    "fix",
    "add",
    "remove",
    "improve",
    "port",
    "toolstack",
    "interface",
    "stable",
    "api",
    "hypervisor",
    "performance",
    "tests",
]
NAMES = ("George Dunlap", "Ian J", "Roger Pau Monné", "Intel", "Tim", "Stefano S")
NOTE_WORDS = ("waiting on review", "in the absence of said onlooker", "needs a rebase")
LINKS = (
    Link(url="https://lore.kernel.org/xen-devel/20240201170159.1-1-a@b.com/"),
    Link(message_id="4F8C0F6E.1@example.org"),
    Link(tracker_id="XEN-28"),
)

sentence = st.lists(st.sampled_from(WORDS), min_size=1, max_size=30).map(" ".join)


@st.composite
def item_fields(draw: st.DrawFn) -> dict[str, object]:
    status = draw(st.sampled_from(list(Status)))
    owners = draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True))
    data: dict[str, object] = {
        "text": draw(sentence) + draw(st.sampled_from(["", "."])),
        "tags": draw(
            st.lists(st.sampled_from(["BUG", "CHECK", "BUG(?)"]), max_size=2, unique=True)
        ),
        "owners": owners,
        "status": status.value,
        "notes": draw(st.lists(sentence.map(lambda s: "note " + s), max_size=2, unique=True)),
        "links": [
            {"url": x.url, "message_id": x.message_id, "tracker_id": x.tracker_id}
            for x in draw(st.lists(st.sampled_from(LINKS), max_size=2, unique=True))
        ],
    }
    if owners or status is not Status.OPEN:
        data["status_note"] = draw(st.sampled_from(("", *NOTE_WORDS)))
    if status is Status.PATCHES_POSTED:
        data["version"] = draw(st.sampled_from(["", "v3", "v12"]))
    if status is Status.DEFERRED:
        data["release"] = draw(st.sampled_from(["", "4.3"]))
    return data


@st.composite
def trackers(draw: st.DrawFn) -> tuple[Event, ...]:
    events: list[Event] = [
        Event(Kind.RELEASE, AT, data={"release": draw(st.sampled_from(["", "4.2", "4.19"]))})
    ]
    intro = draw(st.lists(sentence, max_size=2))
    if intro:
        events.append(Event(Kind.INTRO, AT, data={"text": "\n\n".join(intro)}))
    stones = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["19 March", "2 April", "Mid/Late April", "Weekly"]), sentence
            ),
            max_size=3,
        )
    )
    if stones:
        dates = {"19 March": "2012-03-19", "2 April": "2012-04-02"}
        events.append(
            Event(
                Kind.MILESTONES,
                AT,
                data={
                    "milestones": [
                        {"when": w, "label": label, "date": dates.get(w, "")} for w, label in stones
                    ]
                },
            )
        )
    titles = draw(
        st.lists(
            st.sampled_from(["hypervisor, blockers", "tools, nice to have", "docs", "arm"]),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    number = 0
    for title in titles:
        notes = draw(st.lists(sentence, max_size=1))
        events.append(Event(Kind.SECTION, AT, data={"key": title, "title": title, "notes": notes}))
        parents: list[tuple[str, int]] = []
        for _ in range(draw(st.integers(1, 5))):
            number += 1
            depth = draw(st.integers(0, len(parents[-1:]) and parents[-1][1] + 1))
            parent = next((p for p, d in reversed(parents) if d == depth - 1), None)
            data = {"id": f"T{number}", "section": title, **draw(item_fields())}
            if parent and depth:
                data["parent"] = parent
            else:
                depth = 0
            parents.append((f"T{number}", depth))
            events.append(Event(Kind.ADD, AT, item=f"T{number}", data=data))
    for n in draw(st.lists(st.integers(0, 5), max_size=2, unique=True)):
        events.append(Event(Kind.FOOTNOTE, AT, data={"number": n, "url": f"http://x.org/{n}"}))
    return tuple(events)


def _head(it: Item) -> tuple[object, ...]:
    return (
        it.section,
        it.text,
        it.tags,
        it.owners,
        it.status,
        it.status_note,
        it.version,
        it.release,
        it.links,
        it.notes,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trackers(), st.booleans())
def test_render_import_render_is_a_fixed_point(events: tuple[Event, ...], ids: bool) -> None:
    tracker = fold(events)
    options = RenderOptions(item_ids=ids)
    first = render(tracker, events, options)
    again, again_events = import_mail(first)
    assert render(again, again_events, options) == first
    # and the import read back what the tracker holds, item for item
    assert [_head(it) for it in again.items] == [_head(it) for it in tracker.items]
    assert [it.parent for it in again.items] == [it.parent for it in tracker.items]
    assert again.footnotes == tracker.footnotes
    assert [s.notes for s in again.sections] == [s.notes for s in tracker.sections]


@pytest.mark.parametrize(
    "path",
    _layouts(),
    ids=lambda p: p.name,
)
def test_every_layout_renders_to_a_fixed_point(path: Path) -> None:
    """Any era's mail, imported: importing it again changes no item, and render is fixed."""
    tracker, events = import_mail(read_layout(path))
    _again, again_events = import_mail(read_layout(path), tracker)
    assert [e for e in again_events if e.item] == []
    first = render(tracker, events)
    reread, reread_events = import_mail(first)
    assert render(reread, reread_events) == first
    assert [(it.text, it.owners, it.status, it.version) for it in reread.items] == [
        (it.text, it.owners, it.status, it.version) for it in tracker.items
    ]


LAYOUTS = _layouts()


@pytest.mark.parametrize("path", LAYOUTS, ids=lambda p: p.stem)
def test_every_layout_survives_render_and_fresh_import(path: Path) -> None:
    """Import a mail in any layout, render it, import that into an empty tracker:
    the same sections (nested ones included), items, owners and statuses."""
    first, events = import_mail(read_layout(path))
    text = render(first, events)
    second, _ = import_mail(text)

    def shape(t: Tracker) -> list[tuple[str, int, str, tuple[str, ...], str]]:
        return [
            (sec.key, depth, it.text, it.owners, it.status.value)
            for sec in t.sections
            for depth, it in t.walk(sec.key)
        ]

    assert shape(second) == shape(first)
