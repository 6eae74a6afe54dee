"""The whole reply pipeline (core/replies/reply): JSON shape, events, robustness, accuracy."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_context import SEED

from relbot.core.replies.actions import Action, ActionKind
from relbot.core.replies.message import Message, read_message
from relbot.core.replies.reply import MAX_LINES, ReplyRules, action_events, understand_reply
from relbot.core.settings import TrustConfig
from relbot.core.tracker.events import apply_event
from relbot.core.tracker.model import Status, Tracker

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from accuracy_lib import GOALS, evaluate, format_report

#: reading replies is tested here; whose mail is verified is tests/test_trust_mail.py's
RULES = ReplyRules(
    release_managers=("Ian Campbell <ian.campbell@citrix.com>",),
    trust=TrustConfig(mode="none"),
)
TODAY = dt.date(2012, 4, 17)
AT = dt.datetime(2012, 4, 17, 12, 0)


def item(words: str) -> str:
    return next(it.id for it in SEED.items if it.text.startswith(words))


def reply(text: str, name: str = "Jane Doe", addr: str = "jane@example.org") -> Message:
    return Message(
        message_id="r1@example.org",
        from_name=name,
        from_addr=addr,
        text=text,
        in_reply_to=("status@example.org",),
    )


def test_json_shape() -> None:
    body = "> * libxl_domain_suspend. Nobody has looked at these\n\nI'll take it.\n#relbot clam\n"
    result = understand_reply(
        reply(body), tracker=SEED, replied_state=None, rules=RULES, today=TODAY
    )
    out = result.to_json()
    assert set(out) == {"message_id", "from", "verification", "actions", "notes"}
    assert out["verification"] is None  # not checked: no raw mail was given
    assert out["from"] == "Jane Doe <jane@example.org>"
    [action] = out["actions"]
    assert set(action) == {
        "item",
        "item_text",
        "action",
        "value",
        "who",
        "evidence",
        "confidence",
        "decision",
        "reason",
        "role",
        "verified",
    }
    assert action["item"] == item("libxl_domain_suspend") and action["decision"] == "apply"
    assert (action["role"], action["verified"]) == ("anyone", "not checked")
    assert action["reason"].startswith("anyone may claim an unowned item")
    assert action["item_text"].startswith("libxl_domain_suspend")
    assert out["notes"] == ["line 4: unknown command 'clam' — did you mean 'claim'?"]
    json.dumps(out)


def test_command_in_quote_never_fires() -> None:
    body = "> #relbot T1 done\n\nThanks.\n"
    result = understand_reply(
        reply(body, "Ian Campbell", "ian.campbell@citrix.com"),
        tracker=SEED,
        replied_state=None,
        rules=RULES,
        today=TODAY,
    )
    assert result.actions == ()


def test_decisions_see_earlier_actions_of_the_same_mail() -> None:
    body = "> * libxl_domain_suspend. Nobody has looked at these\n\nMine. v2 is out.\n"
    result = understand_reply(
        reply(body), tracker=SEED, replied_state=None, rules=RULES, today=TODAY
    )
    assert [(d.action.kind, d.decision.value) for d in result.actions] == [
        (ActionKind.CLAIM, "apply"),
        (ActionKind.STATUS, "apply"),  # the claim just made the sender its owner
    ]


def test_replied_state_gives_context_current_state_decides() -> None:
    suspend = item("libxl_domain_suspend")
    gone = Tracker(items=tuple(i for i in SEED.items if i.id != suspend), release="4.2")
    body = "> * libxl_domain_suspend. Nobody has looked at these\n\nMine.\n"
    result = understand_reply(
        reply(body), tracker=gone, replied_state=SEED, rules=RULES, today=TODAY
    )
    assert result.actions[0].decision.value == "ignore"
    assert "no longer in the tracker" in result.notes[0]


def events_for(action: Action, tracker: Tracker = SEED) -> Tracker:
    for event in action_events(action, tracker, actor="Jane", source="r1@example.org", at=AT):
        tracker = apply_event(tracker, event)
    return tracker


def test_action_events() -> None:
    suspend = item("libxl_domain_suspend")
    after = events_for(Action(ActionKind.CLAIM, suspend, {"owner": "Jane Doe"}))
    assert after.item(suspend).owners == ("Jane Doe",)  # type: ignore[union-attr]
    assert after.item(suspend).status is Status.IN_PROGRESS  # type: ignore[union-attr]
    after = events_for(Action(ActionKind.STATUS, suspend, {"status": "deferred", "release": "4.3"}))
    assert (after.item(suspend).status, after.item(suspend).release) == (Status.DEFERRED, "4.3")  # type: ignore[union-attr]
    after = events_for(Action(ActionKind.LINK, suspend, {"url": "http://x.org/1", "title": "t"}))
    assert str(after.item(suspend).links[0]) == "t http://x.org/1"  # type: ignore[union-attr]
    after = events_for(Action(ActionKind.NOTE, suspend, {"text": "see IRC"}))
    assert after.item(suspend).notes == ("see IRC",)  # type: ignore[union-attr]
    after = events_for(
        Action(
            ActionKind.ADD,
            None,
            {"text": "xl devd", "section": "tools, blockers", "owners": ["Roger"]},
        )
    )
    new = after.item(SEED.new_item_id())
    assert new is not None and (new.text, new.section, new.owners) == (
        "xl devd",
        "tools, blockers",
        ("Roger",),
    )
    after = events_for(
        Action(ActionKind.CANDIDATE_BUG, None, {"title": "xl hangs", "url": "http://x.org/b"})
    )
    bug = after.item(SEED.new_item_id())
    assert bug is not None and (bug.tags, bug.section, bug.links[0].url) == (
        ("BUG",),
        "known bugs",
        "http://x.org/b",
    )
    assert (
        action_events(Action(ActionKind.APPROVE, None, {}), SEED, actor="x", source="s", at=AT)
        == ()
    )


def test_applying_twice_changes_nothing() -> None:
    suspend = item("libxl_domain_suspend")
    action = Action(ActionKind.LINK, suspend, {"url": "http://x.org/1"})
    once = events_for(action)
    assert events_for(action, once) == once


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_never_raises_on_text(text: str) -> None:
    result = understand_reply(
        reply(text), tracker=SEED, replied_state=None, rules=RULES, today=TODAY
    )
    json.dumps(result.to_json())
    assert not any("could not read" in n for n in result.notes)


PIECES = st.sampled_from(
    [
        "> * libxl_domain_suspend. Nobody has looked at these\n",
        "> tools, blockers:\n",
        "I'm working on this.\n",
        "v5 is out: http://x.org/a\n",
        "#relbot T3 done\n",
        "#relbot \n",
        "Mine.\n",
        "> > * Zombie driver domains.\n",
        "Thanks!\n",
        "\n",
        "* [BUG] foo (Me)\n",
        "Could you add X to the list?\n",
        "<a@b>\n",
        "No, that wasn't merged.\n",
        "-- \nsig\n",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(PIECES, max_size=30), st.sampled_from([SEED, Tracker()]))
def test_never_raises_on_reply_shaped_text(pieces: list[str], tracker: Tracker) -> None:
    result = understand_reply(
        reply("".join(pieces)), tracker=tracker, replied_state=SEED, rules=RULES, today=TODAY
    )
    json.dumps(result.to_json())
    assert not any("could not read" in n for n in result.notes)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=4000))
def test_never_raises_on_bytes(raw: bytes) -> None:
    message = read_message(b"From: A <a@b>\nSubject: Re: x\n\n" + raw)
    result = understand_reply(message, tracker=SEED, replied_state=None, rules=RULES, today=TODAY)
    json.dumps(result.to_json())


def test_a_megabyte_body_is_fast() -> None:
    line = "I think we should defer it to 4.3 but I'm working on it, v5 http://x.org/a. "
    body = "".join(
        ("> " if i % 3 == 0 else "") + line + "\n" for i in range(1_000_000 // len(line))
    )
    start = time.perf_counter()
    result = understand_reply(
        reply(body), tracker=SEED, replied_state=None, rules=RULES, today=TODAY
    )
    assert time.perf_counter() - start < 3.0
    assert any("sentences were read" in n for n in result.notes)


def test_a_body_of_many_short_lines_is_read_up_to_the_line_limit() -> None:
    claim = "> * libxl_domain_suspend. Nobody has looked at these\n\nI'll take it.\n"
    padding = "-\n" * (MAX_LINES + 10)
    early = understand_reply(
        reply(claim + padding), tracker=SEED, replied_state=None, rules=RULES, today=TODAY
    )
    assert [a.action.kind for a in early.actions] == [ActionKind.CLAIM]
    # the claim's three lines and the blank under it, then the dashes
    assert [n for n in early.notes if "lines of" in n] == [
        f"only the first {MAX_LINES + 1:,} lines of {MAX_LINES + 14:,} were read "
        f"({MAX_LINES:,} with words on them)"
    ]
    late = understand_reply(
        reply(padding + claim), tracker=SEED, replied_state=None, rules=RULES, today=TODAY
    )
    assert late.actions == () and any("lines of" in n for n in late.notes)


def test_blank_lines_do_not_count_towards_the_line_limit() -> None:
    body = "\n" * (3 * MAX_LINES) + "> * libxl_domain_suspend. Nobody has looked at these\n"
    result = understand_reply(
        reply(body + "\nI'll take it.\n"),
        tracker=SEED,
        replied_state=None,
        rules=RULES,
        today=TODAY,
    )
    assert [a.action.kind for a in result.actions] == [ActionKind.CLAIM]
    assert not any("lines of" in n for n in result.notes)


def test_a_from_name_longer_than_a_name_is_not_taken_for_one() -> None:
    quoted = "> * libxl_domain_suspend. Nobody has looked at these\n\n"
    mangled = reply(quoted + "I'll take it.\n", name="Jane Doe " * 10_000, addr="jane.doe@ex.org")
    [claim] = understand_reply(
        mangled, tracker=SEED, replied_state=None, rules=RULES, today=TODAY
    ).actions
    assert claim.action.value == {"owner": "Jane Doe"}  # from the address


def test_a_claim_for_a_paragraph_is_not_a_claim() -> None:
    body = "> * libxl_domain_suspend. Nobody has looked at these\n\n#relbot claim " + "x " * 200
    [claim] = understand_reply(
        reply(body), tracker=SEED, replied_state=None, rules=RULES, today=TODAY
    ).actions
    assert claim.decision.value == "ignore"
    assert claim.reason == "399 characters are not a person's name"


def test_accuracy_on_the_labelled_set() -> None:
    report = evaluate()
    total = report.total
    assert report.mails >= 70
    assert total.applied_precision >= GOALS["applied_precision"], format_report(report)
    assert total.recall >= GOALS["recall"], format_report(report)


RM_QUESTION = (
    "On Tue, 2012-04-17 at 10:05 +0100, George Dunlap wrote:\n"
    "> >       * [BUG] Zombie driver domains.  There's a bug where PV guests with\n"
    "> >         devices passed through with xl hang around as zombies.\n"
    "> FWIW I found it, it's a grant ref leak in netback. Fix posted.\n"
    "\n"
    "Great. So should I mark it done, from the 4.2 POV?\n"
)
# (the answer under the RM's question, what it does to the item the question was asked under)
ANSWERS = [
    ("> Great. So should I mark it done, from the 4.2 POV?\nYes.\n", "done"),
    ("> Great. So should I mark it done, from the 4.2 POV?\n\nYes, please.\n", "done"),
    ("> Great. So should I mark it done, from the 4.2 POV?\n\nNo, the Xen side remains.\n", None),
    ("> Great. So should I mark it done, from the 4.2 POV?\n\nYes, but not yet.\n", None),
    ("> FWIW I found it, it's a grant ref leak in netback. Fix posted.\n\nYes.\n", None),
]


def test_a_yes_takes_its_meaning_from_the_release_managers_question() -> None:
    rm = Message(
        message_id="q@example.org",
        from_name="Ian Campbell",
        from_addr="ian.campbell@citrix.com",
        text=RM_QUESTION,
    )
    zombie = (
        item("[BUG] Zombie")
        if any(it.text.startswith("[BUG] Zombie") for it in SEED.items)
        else item("Zombie")
    )
    for body, status in ANSWERS:
        answer = reply(body, name="George Dunlap", addr="george.dunlap@eu.citrix.com")
        result = understand_reply(
            answer, tracker=SEED, replied_state=None, rules=RULES, today=TODAY, parent=rm
        )
        got = [(a["item"], a["value"].get("status")) for a in result.to_json()["actions"]]
        assert got == ([(zombie, status)] if status else []), body
    # the same question from someone who is not a release manager is only a question
    peer = Message(message_id="p@example.org", from_name="Jan", from_addr="j@x", text=RM_QUESTION)
    answer = reply(ANSWERS[0][0], name="George Dunlap", addr="george.dunlap@eu.citrix.com")
    result = understand_reply(
        answer, tracker=SEED, replied_state=None, rules=RULES, today=TODAY, parent=peer
    )
    assert result.actions == ()


_NESTED = (
    "On Mon, 16 Apr 2012, George Dunlap wrote:\n"
    "> On Thu, 12 Apr 2012, Ian Campbell wrote:\n"
    "> > * PoD performance improvements (George Dunlap)\n"
    ">\n"
    "> {answer}\n"
    "\n"
    "{rm}\n"
)
_OUTLOOK = (
    "> -----Original Message-----\n"
    "> From: Roger Pau Monne <roger.pau@citrix.com>\n"
    "> Sent: 16 April 2012 09:01\n"
    "> Subject: Re: Xen 4.2 TODO\n"
    ">\n"
    "> On Thu, 12 Apr 2012, Ian Campbell wrote:\n"
    "> > * libxl_domain_suspend. Nobody has looked at these at all.\n"
    ">\n"
    "> {answer}\n"
    "\n"
    "{rm}\n"
)
_UNNAMED = "> > * libxl_domain_suspend. Nobody has looked at these at all.\n>\n> {answer}\n\n{rm}\n"
_FLAT = "> * PoD performance improvements (George Dunlap)\n\n{rm}\n"


@pytest.mark.parametrize(
    ("shape", "answer", "rm", "want"),
    [
        (
            _NESTED,
            "v3 went out yesterday.",
            "Thanks, I've updated the list.",
            [("PoD", "status", "patches posted", "George Dunlap", "apply")],
        ),
        (
            _NESTED,
            "This went in this morning.",
            "Thanks George. I'll move it to the completed section.",
            [("PoD", "status", "done", "George Dunlap", "apply")],
        ),
        # the writer an Outlook header names takes the item over
        (
            _OUTLOOK,
            "I will take this one over.",
            "Thanks, I've updated the list.",
            [("libxl_domain_suspend", "claim", "Roger Pau Monne", "Roger Pau Monne", "apply")],
        ),
        # no attribution names the writer: a claim for them waits for review
        (
            _UNNAMED,
            "I will take this one over.",
            "Thanks, I've updated the list.",
            [
                (
                    "libxl_domain_suspend",
                    "claim",
                    "the quoted writer",
                    "the quoted writer",
                    "pending",
                )
            ],
        ),
        # a thanks, a promise to look or a question agrees to nothing
        (_NESTED, "v3 went out yesterday.", "Thanks.", []),
        (_NESTED, "v3 went out yesterday.", "Thanks, I'll update the list.", []),
        (_NESTED, "v3 went out yesterday.", "Thanks for the update!", []),
        # the RM's own words say what changes: the answer is not read again
        (
            _NESTED,
            "v3 went out yesterday.",
            "Thanks, I'll defer it to 4.3 then.",
            [("PoD", "status", "deferred", "Ian Campbell", "apply")],
        ),
        # an RM quoting the status mail itself: no answer above
        (_FLAT, "", "Thanks, I've updated the list.", []),
    ],
)
def test_an_rm_confirmation_agrees_to_the_quoted_answer(
    shape: str, answer: str, rm: str, want: list[tuple[str, str, str, str, str]]
) -> None:
    body = shape.format(answer=answer, rm=rm)
    message = reply(body, name="Ian Campbell", addr="ian.campbell@citrix.com")
    result = understand_reply(message, tracker=SEED, replied_state=None, rules=RULES, today=TODAY)
    got = [
        (
            a["action"],
            a["value"].get("status") or a["value"].get("owner"),
            a["who"],
            a["decision"],
            a["item"],
        )
        for a in result.to_json()["actions"]
    ]
    assert got == [(k, v, who, d, item(words)) for words, k, v, who, d in want]


def test_a_developer_confirming_agrees_to_nothing_quoted() -> None:
    body = _NESTED.format(answer="v3 went out yesterday.", rm="Thanks, I've updated the list.")
    result = understand_reply(
        reply(body), tracker=SEED, replied_state=None, rules=RULES, today=TODAY
    )
    assert result.actions == ()
