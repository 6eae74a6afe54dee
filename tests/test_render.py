"""The status mail's view model and its template (relbot.core.render, relbot.edges.templating)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relbot.core.render import build_status_view, marker_index, timeline_lines
from relbot.core.statusmail.reader import read_status_mail
from relbot.core.tracker.events import Event, Kind, fold
from relbot.core.tracker.model import Milestone, Tracker
from relbot.core.tracker.reconcile import outline_events
from relbot.core.views import RenderOptions, StatusView
from relbot.edges.templating import render_status
from relbot.errors import ConfigError

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "status.txt.j2"
TODAY = dt.date(2012, 4, 16)
AT = dt.datetime(2012, 4, 16, 9, 0, tzinfo=dt.UTC)

STONES = (
    Milestone("19 March", "TODO list locked down", dt.date(2012, 3, 19)),
    Milestone("2 April", "Feature Freeze", dt.date(2012, 4, 2)),
    Milestone("Mid/Late April", "First release candidate"),
    Milestone("Weekly", "RCN+1 until it is ready"),
)


def ev(
    kind: Kind,
    item: str | None = None,
    at: dt.datetime = AT,
    actor: str = "rm",
    source: str = "cli",
    **data: object,
) -> Event:
    return Event(kind=kind, at=at, actor=actor, source=source, item=item, data=data)


def add(item_id: str, text: str, section: str = "tools, blockers", **data: object) -> Event:
    return ev(Kind.ADD, item_id, id=item_id, section=section, text=text, **data)


BASE = (
    ev(Kind.RELEASE, release="4.2"),
    ev(Kind.SECTION, key="tools, blockers", title="tools, blockers"),
    add("T1", "libxl stable API"),
    add(
        "T2",
        "Safe fork vs. fd handling hooks. Involves API changes",
        parent="T1",
        owners=["Ian J"],
        status="patches posted",
    ),
    add("T3", "Nested VMX", owners=["Intel"], status="deferred", release="4.3"),
)


def view(events: tuple[Event, ...], today: dt.date = TODAY, **options: object) -> StatusView:
    return build_status_view(fold(events), events, today=today, options=RenderOptions(**options))  # type: ignore[arg-type]


def text(events: tuple[Event, ...], today: dt.date = TODAY, **options: object) -> str:
    return render_status(view(events, today, **options), TEMPLATE)


# -- timeline ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "index"),
    [
        (dt.date(2012, 3, 1), -1),
        (dt.date(2012, 3, 19), 0),
        (dt.date(2012, 4, 1), 0),
        (dt.date(2012, 4, 2), 1),
        (dt.date(2012, 4, 16), 1),
        (dt.date(2013, 1, 1), 1),  # undated milestones stay ahead of the marker
    ],
)
def test_marker_follows_last_past_milestone(today: dt.date, index: int) -> None:
    assert marker_index(STONES, today) == index


def test_marker_lines() -> None:
    lines = timeline_lines(STONES, TODAY, RenderOptions())
    assert lines == (
        "19 March        -- TODO list locked down",
        "2 April         -- Feature Freeze",
        " " * 55 + "<< WE ARE HERE",
        "Mid/Late April  -- First release candidate",
        "Weekly          -- RCN+1 until it is ready",
    )
    early = timeline_lines(STONES, dt.date(2012, 1, 1), RenderOptions())
    assert early[0].strip() == "<< WE ARE HERE"
    inline = timeline_lines(
        STONES, TODAY, RenderOptions(marker_column=-1, marker="<== WE ARE HERE")
    )
    assert inline[1] == "2 April         -- Feature Freeze  <== WE ARE HERE"
    undated = (Milestone("Soon", "Freeze"), Milestone("Later", "Release"))
    assert marker_index(undated, TODAY) is None
    assert timeline_lines(undated, TODAY, RenderOptions()) == (
        "Soon   -- Freeze",
        "Later  -- Release",
    )


def test_marker_read_back() -> None:
    events = (
        *BASE,
        ev(
            Kind.MILESTONES,
            milestones=[
                {"when": m.when, "label": m.label, "date": m.date.isoformat() if m.date else ""}
                for m in STONES
            ],
        ),
    )
    for today, index in ((dt.date(2012, 3, 1), -1), (TODAY, 1)):
        outline = read_status_mail(text(events, today), year=2012)
        assert outline.marker_after == index
        assert len(outline.milestones) == 4


# -- items -----------------------------------------------------------------------


def test_item_lines_are_wrapped_with_hanging_indents() -> None:
    long = " ".join(["word"] * 40)
    events = (*BASE, add("T4", long, parent="T2", owners=["George Dunlap"]))
    lines = [ln for s in view(events).sections for it in s.items for ln in it.lines]
    assert lines[0] == "      * libxl stable API"
    assert lines[1] == "              * Safe fork vs. fd handling hooks. Involves API changes"
    assert lines[2] == "                (Ian J, patches posted)"
    deep = [ln for ln in lines if "word" in ln]
    assert deep[0].startswith(" " * 22 + "* word")
    assert all(ln.startswith(" " * 24 + "word") for ln in deep[1:-1])
    assert deep[-1].endswith("(George Dunlap)")
    assert max(len(ln) for ln in lines) <= 72


def test_long_urls_are_not_broken() -> None:
    url = "https://lore.kernel.org/xen-devel/" + "a" * 80 + "@example.org/"
    events = (*BASE, ev(Kind.LINK, "T1", url=url))
    lines = view(events).sections[0].items[0].lines
    assert lines[1] == f"        - {url}"


def test_notes_and_links_under_the_item() -> None:
    events = (
        *BASE,
        ev(Kind.NOTE, "T3", text="6/12 are merged"),
        ev(Kind.LINK, "T3", message_id="abc@example.org"),
        ev(Kind.LINK, "T3", tracker_id="XEN-28"),
    )
    item = view(events).sections[0].items[-1]
    assert item.lines == (
        "      * Nested VMX (Intel, deferred until 4.3)",
        "        - 6/12 are merged",
        "        - <abc@example.org>",
        "        - XEN-28",
    )


def test_deferred_said_by_the_text_is_not_repeated() -> None:
    events = (
        *BASE,
        add(
            "T4",
            "Wait for memory. IanJ to add a note but otherwise defer to 4.3.",
            status="deferred",
            release="4.3",
        ),
    )
    assert view(events).sections[0].items[-1].lines == (
        "      * Wait for memory. IanJ to add a note but otherwise defer to 4.3.",
    )


def test_done_items_show_for_their_week_then_go() -> None:
    events = (
        *BASE,
        add("T4", "Finished thing"),
        ev(Kind.STATUS, "T4", at=AT - dt.timedelta(days=3), status="done"),
        add("T5", "Long finished parent"),
        add("T6", "Open child", parent="T5"),
        ev(Kind.STATUS, "T5", at=AT - dt.timedelta(days=30), status="done"),
        add("T7", "Long finished"),
        ev(Kind.STATUS, "T7", at=AT - dt.timedelta(days=30), status="done"),
    )
    shown = {it.id: it for s in view(events).sections for it in s.items}
    assert shown["T4"].lines == ("      * Finished thing (DONE)",)
    assert "T5" in shown and "T6" in shown, "a done parent stays while a child is open"
    assert "T7" not in shown
    later = {it.id for s in view(events, TODAY + dt.timedelta(days=8)).sections for it in s.items}
    assert "T4" not in later


def test_item_ids_and_heading_style() -> None:
    out = text(BASE, item_ids=True, heading_style="== {title} ==")
    assert "== tools, blockers ==\n      * [T1] libxl stable API\n" in out
    assert "              * [T2] Safe fork" in out
    outline = read_status_mail(out)
    assert [it.item_id for _s, _p, it in outline.walk()] == ["T1", "T2", "T3"]


def test_hand_layout_is_kept_until_the_item_changes() -> None:
    mail = (
        "tools, blockers:\n"
        "      * Safe fork vs. fd handling hooks.\n"
        "        Involves API changes (Ian J, patches posted)\n"
    )
    events = outline_events(read_status_mail(mail), Tracker(), at=AT, actor="rm", source="import")
    assert view(events).sections[0].items[0].lines == (
        "      * Safe fork vs. fd handling hooks.",
        "        Involves API changes (Ian J, patches posted)",
    )
    edited = (*events, ev(Kind.CLAIM, "T1", owner="Roger Pau Monné"))
    assert view(edited).sections[0].items[0].lines == (
        "      * Safe fork vs. fd handling hooks. Involves API changes (Ian J,",
        "        Roger Pau Monné, patches posted)",
    )
    assert view(events, keep_layout=False).sections[0].items[0].lines[0].endswith("(Ian J,")


# -- the other parts -------------------------------------------------------------


def test_changes_since_last_week_grouped_per_person() -> None:
    since = AT
    later = AT + dt.timedelta(days=2)
    events = (
        *BASE,
        ev(Kind.STATUS_MAIL, message_id="plan@example.org", date=AT.isoformat()),
        ev(
            Kind.CLAIM,
            "T1",
            at=later,
            actor="Roger Pau Monné",
            source="r1@example.org",
            owner="Roger Pau Monné",
        ),
        ev(
            Kind.STATUS, "T2", at=later, actor="Ian Jackson", source="r2@example.org", status="done"
        ),
        ev(Kind.NOTE, "T1", at=later, actor="Roger Pau Monné", source="cli", text="v2 soon"),
    )
    v = view(events, changes_since=since)
    assert v.changes_heading == "Changes since 16 April 2012:"
    assert v.changes == (
        "Roger Pau Monné:",
        "  - libxl stable API: claimed by Roger Pau Monné (<r1@example.org>)",
        "  - libxl stable API: note: v2 soon",
        "Ian Jackson:",
        "  - Safe fork vs. fd handling hooks. Involves API ...: now done",
        "    (<r2@example.org>)",
    )
    # with ids in the mail, the changes part names them too
    assert view(events, changes_since=since, item_ids=True).changes[1] == (
        "  - T1 libxl stable API: claimed by Roger Pau Monné (<r1@example.org>)"
    )
    labelled = view(events, changes_since=since, changes_label="the mail of 16 April 2012")
    assert labelled.changes_heading == "Changes since the mail of 16 April 2012:"
    out = text(events, changes_since=since)
    assert "Changes since 16 April 2012:\nRoger Pau Monné:\n" in out
    # the importer leaves the generated part out
    assert [it.text for _s, _p, it in read_status_mail(out).walk()] == [
        "libxl stable API",
        "Safe fork vs. fd handling hooks. Involves API changes",
        "Nested VMX",
    ]
    assert read_status_mail(out).intro == ()


def test_no_changes_said_gracefully() -> None:
    v = view(BASE, changes_since=AT)
    assert v.changes == ("No changes since then.",)
    assert view(BASE).changes_heading == "" and "Changes since" not in text(BASE)


def test_call_for_volunteers_and_signature() -> None:
    events = (
        *BASE,
        add("T4", "Manually ballooning dom0"),
        add("T5", "detail of an owned item", parent="T2"),
        add("T6", "file:// backend performance."),
        add("T7", "There will be no userspace blktap3", parent="T6"),
        add("T8", "xl compatibility with xm:"),
        add("T9", "None remaining?", parent="T8"),
        add("T10", "libxl_cdrom_insert. Should be easy", parent="T8"),
    )
    v = view(events, call_for_volunteers=True)
    # T1 heads sub-items, T5 sits under an owned item, T3 is deferred, T7
    # remarks on T6, T9 is a question
    assert v.volunteers == (
        "Volunteers wanted for these unclaimed items:",
        "  * Manually ballooning dom0",
        "  * libxl_cdrom_insert. Should be easy",
    )
    assert view(events, call_for_volunteers=True, item_ids=True).volunteers[1] == (
        "  * [T4] Manually ballooning dom0"
    )
    assert view(events, call_for_volunteers=True, volunteer_sections=("nice",)).volunteers == ()
    out = text(BASE, call_for_volunteers=True, signature=("The 4.2 release managers",))
    assert out.endswith("\n-- \nThe 4.2 release managers\n")
    outline = read_status_mail(out)
    assert [it.text for _s, _p, it in outline.walk()] == [
        "libxl stable API",
        "Safe fork vs. fd handling hooks. Involves API changes",
        "Nested VMX",
    ]
    assert outline.intro == ()


def test_empty_tracker_renders() -> None:
    assert text(()) == ""
    assert text((ev(Kind.RELEASE, release="4.2"),)) == "Plan for a 4.2 release:\n\n"


# -- the template edge -------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("{{ view.no_such_thing }}\n", "no_such_thing"),
        ("{{ view.__class__.__mro__ }}\n", "not allowed"),
        ("{% for x in range(10**9) %}{% endfor %}\n", "too large"),
        ("{% for x in view.sections %}\n", "line"),
        ("{% include 'other.j2' %}\n", "line 1: {% include %} is not allowed"),
        ("{% extends 'other.j2' %}\n", "{% extends %} is not allowed"),
        ("\n{% import 'other.j2' as o %}\n", "line 2: {% import %} is not allowed"),
        ("{% from 'other.j2' import x %}\n", "{% from ... import %} is not allowed"),
        ("{{ 1/0 }}\n", "line 1: division by zero"),
        ("\n\n{{ view.release - 1 }}\n", "line 3: unsupported operand"),
    ],
)
def test_template_errors_name_the_template(tmp_path: Path, source: str, says: str) -> None:
    bad = tmp_path / "bad.txt.j2"
    bad.write_text(source, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        render_status(view(BASE), bad)
    assert str(bad) in str(info.value) and says in str(info.value)


#: pieces of Jinja, right and wrong, for templates a hurried RM might write
_PIECES = st.sampled_from(
    [
        "{{",
        "}}",
        "{%",
        "%}",
        "{#",
        "#}",
        "view",
        ".",
        "release",
        "(",
        ")",
        "[",
        "]",
        "1/0",
        "'a'",
        "|",
        "length",
        "x",
        "+",
        "-",
        "**",
        "9",
        "join",
        "~",
        "loop",
        "m()",
        "super()",
        "__class__",
        "namespace()",
        "%",
        "'%s'",
        "range(10**9)",
        " for x in view.sections ",
        " endfor ",
        " if ",
        " endif ",
        " set x = ",
        "\n",
        " macro m() ",
        " endmacro ",
        " raw ",
        " endraw ",
        " block b ",
        " endblock ",
        " include 'x' ",
        " extends 'x' ",
        " import 'x' as y ",
    ]
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_PIECES, max_size=25))
def test_any_template_renders_or_says_what_is_wrong(tmp_path: Path, pieces: list[str]) -> None:
    template = tmp_path / "any.j2"
    template.write_text("".join(pieces), encoding="utf-8")
    try:
        render_status(view(BASE), template)
    except ConfigError as exc:
        assert str(template) in str(exc)


def test_the_built_in_template_is_the_shipped_one() -> None:
    assert render_status(view(BASE), None) == render_status(view(BASE), TEMPLATE)


def test_missing_template(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[render\] template: .*nope.j2 does not exist"):
        render_status(view(BASE), tmp_path / "nope.j2")
