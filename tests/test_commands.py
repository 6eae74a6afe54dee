"""Stage: explicit ``#relbot`` commands (relbot.core.replies.commands)."""

from __future__ import annotations

import pytest
from test_context import SEED

from relbot.core.replies.commands import read_commands
from relbot.core.replies.context import Context

SUSPEND = next(it.id for it in SEED.items if it.text.startswith("libxl_domain_suspend"))
QUOTED = Context(SUSPEND, "tools, blockers", 1.0)


def run(
    line: str, ctx: Context = QUOTED, prefix: str = "#relbot"
) -> tuple[list[tuple[str, str | None, dict[str, object]]], list[str]]:
    found = read_commands([line], 4, ctx, prefix=prefix, sender="Jane Doe", tracker=SEED)
    return [(a.kind.value, a.item, dict(a.value)) for a in found.actions], list(found.notes)


TABLE = [
    ("#relbot claim", ("claim", SUSPEND, {"owner": "Jane Doe"})),
    ("#relbot claim Roger Pau Monné", ("claim", SUSPEND, {"owner": "Roger Pau Monné"})),
    ("#relbot unclaim", ("unclaim", SUSPEND, {"owner": "Jane Doe"})),
    ("#relbot done", ("status", SUSPEND, {"status": "done"})),
    ("#relbot defer", ("status", SUSPEND, {"status": "deferred", "release": "4.3"})),
    ("#relbot defer 4.4", ("status", SUSPEND, {"status": "deferred", "release": "4.4"})),
    ("#relbot drop", ("status", SUSPEND, {"status": "dropped"})),
    (
        "#relbot status patches posted v3",
        ("status", SUSPEND, {"status": "patches posted", "version": "v3"}),
    ),
    ("#relbot status wip", ("status", SUSPEND, {"status": "in progress"})),
    ("#relbot note needs an ao_how", ("note", SUSPEND, {"text": "needs an ao_how"})),
    ("#relbot T1 done", ("status", "T1", {"status": "done"})),
    ("  #RELBOT: [T1] drop", ("status", "T1", {"status": "dropped"})),
    ("#relbot accept 17", ("accept", None, {"id": "17"})),
    ("#relbot reject 17", ("reject", None, {"id": "17"})),
    ("#relbot hold", ("hold", None, {})),
    ("#relbot approve", ("approve", None, {})),
]


@pytest.mark.parametrize(("line", "want"), TABLE, ids=[t[0] for t in TABLE])
def test_command(line: str, want: tuple[str, str | None, dict[str, object]]) -> None:
    actions, notes = run(line)
    assert notes == []
    assert actions == [want]


def test_link_and_bug() -> None:
    url = "http://lists.xen.org/archives/html/xen-devel/2012-04/msg00601.html"
    actions, _ = run(f"#relbot link {url} original report")
    assert actions == [("link", SUSPEND, {"url": url, "title": "original report"})]
    actions, _ = run(f"#relbot bug xl hangs on shutdown {url}", Context())
    assert actions == [("candidate-bug", None, {"url": url, "title": "xl hangs on shutdown"})]
    actions, _ = run("#relbot link <20120416.1234@example.org>")
    assert actions[0][2] == {"message_id": "20120416.1234@example.org"}


def test_add_names_a_section_loosely() -> None:
    actions, notes = run("#relbot add tools nice to have: xl devd (Roger Pau Monné)", Context())
    assert notes == []
    assert actions == [
        (
            "add",
            None,
            {
                "text": "xl devd",
                "section": "tools, nice to have",
                "owners": ["Roger Pau Monné"],
                "tags": [],
            },
        )
    ]


@pytest.mark.parametrize(
    ("line", "note"),
    [
        ("#relbot clam", "line 4: unknown command 'clam' — did you mean 'claim'?"),
        ("#relbot T999 done", "line 4: no item T999 in the tracker"),
        ("#relbot status nearly", "line 4: 'status' needs one of"),
        ("#relbot", "line 4: a command prefix with no command"),
        ("#relbot link nowhere", "line 4: 'link' needs a URL"),
    ],
)
def test_problems_become_notes(line: str, note: str) -> None:
    actions, notes = run(line)
    assert actions == [] and len(notes) == 1 and notes[0].startswith(note)


def test_item_commands_need_an_item() -> None:
    actions, notes = run("#relbot done", Context())
    assert actions == [] and "needs an item" in notes[0]


def test_prefix_is_configurable_and_other_lines_are_left_alone() -> None:
    assert run("!rb done", prefix="!rb")[0][0][0] == "status"
    assert run("#relbot done", prefix="!rb") == ([], [])
    assert run("I think #relbot done is neat") == ([], [])
