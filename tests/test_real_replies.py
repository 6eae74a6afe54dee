"""Replies as real list mail writes them (issue 9, classes 1-5 and 7).

Every fixture here is written for these tests in the style of real replies:
MIME shapes and encodings (class 1), new work named by shape (class 2), a
pointer titled for other work (class 3), progress said as predictions,
questions and prose (class 4), interleaved answers (class 5) and a release
manager's short answers (class 7). Precision first: what the words do not
settle waits for the release manager.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from relbot.core.replies.message import Message, read_message
from relbot.core.replies.reply import ReplyResult, ReplyRules, understand_reply
from relbot.core.settings import TrustConfig
from relbot.core.statusmail.reader import read_status_mail
from relbot.core.tracker.events import fold
from relbot.core.tracker.model import Tracker
from relbot.core.tracker.reconcile import outline_events

RM = "Dana Quist <dana.quist@example.org>"
# who may apply what is sender verification's business (tests/test_trust_*): here every
# sender counts as verified, so what is tested is the reading
RULES = ReplyRules(release_managers=(RM,), trust=TrustConfig(mode="none"))
TODAY = dt.date(2030, 4, 10)

STATUS = """\
Hello community,

The Feature Freeze for 5.2 is next Friday, and a few requests are still
waiting to be merged into 5.2:

1. Rework the vIOMMU page walk [1]
2. Add a paravirtual clock source for guests [2]
3. Split the scheduler locking: [3], [4], maybe more (?)
4. Some other series I forgot.

[1]https://lore.example.org/dev/20300101120000.1111-1-ana.ruiz@example.com/
[2]https://lore.example.org/dev/20300102120000.2222-1-bo.chen@example.com/
[3]https://lore.example.org/dev/20300103120000.3333-1-carl.berg@example.com/
[4]https://lore.example.org/dev/20300104120000.4444-1-carl.berg@example.com/

Thanks,
   Dana
"""

QUOTED = """\
On 07.04.2030 09:12, Dana Quist wrote:
> 1. Rework the vIOMMU page walk [1]
> 2. Add a paravirtual clock source for guests [2]
> 3. Split the scheduler locking: [3], [4], maybe more (?)
> 4. Some other series I forgot.
"""

TRACKER = """\
Below is the list of blockers I am tracking.


OPEN ISSUES AND BLOCKERS
========================

Timer drift on large hosts
Information from
  Ana Ruiz <ana.ruiz@example.com>
References
  https://lists.example.org/archives/html/dev/2030-02/msg00123.html

Debug patches went out last week; waiting for the reporter.


Live migration of huge guests

   [PATCH v3 0/6] migration: stream dirty bitmaps in chunks
   [PATCH v2] tools: fix the restore of the dirty log
   etc.

A few loose ends remain in the tests.
"""


def tracker_of(text: str) -> Tracker:
    outline = read_status_mail(text, year=2030)
    at = dt.datetime(2030, 4, 7, tzinfo=dt.UTC)
    return fold(outline_events(outline, Tracker(), at=at, actor="rm", source="import"))


def item(tracker: Tracker, words: str) -> str:
    return next(it.id for it in tracker.items if words in it.text)


def reply(body: str, name: str = "Eva Lind", addr: str = "eva.lind@example.com") -> Message:
    return Message(
        message_id="reply@example.com",
        from_name=name,
        from_addr=addr,
        text=body,
        in_reply_to=("status@example.org",),
    )


def read(message: Message, status: str = STATUS) -> ReplyResult:
    return understand_reply(
        message, tracker=tracker_of(status), replied_state=None, rules=RULES, today=TODAY
    )


def actions(result: ReplyResult) -> list[dict[str, Any]]:
    return list(result.to_json()["actions"])


def proposed(result: ReplyResult) -> list[dict[str, Any]]:
    """What is applied or waits for the RM (not what the policy ignores)."""
    return [a for a in actions(result) if a["decision"] in ("apply", "pending")]


def applied(result: ReplyResult) -> list[dict[str, Any]]:
    return [a for a in actions(result) if a["decision"] == "apply"]


def adds(result: ReplyResult) -> list[str]:
    return [str(a["value"].get("text", "")) for a in actions(result) if a["action"] == "add"]


# -- class 1: body and sender ---------------------------------------------------------

PGP = b"""\
From: =?utf-8?q?Ana_Ru=C3=ADz?= <ana.ruiz@example.com>
To: dev@lists.example.org
Subject: Re: Feature Freeze is next Friday
Message-ID: <pgp-1@example.com>
In-Reply-To: <status@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/signed; micalg=pgp-sha256;
 protocol="application/pgp-signature"; boundary="signed"

--signed
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

On Mon, 2030-04-07 at 09:12 +0000, Dana Quist wrote:
> 1.=C2=A0Rework the vIOMMU page walk [1]

v4 is out, with the walk cache split out:
https://patchwork.example.org/project/dev/list/?series=3D4242

--signed
Content-Type: application/pgp-signature; name="signature.asc"

-----BEGIN PGP SIGNATURE-----
iQIzBAABCAAdFiEE
-----END PGP SIGNATURE-----

--signed--

--outer
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit

_______________________________________________
Dev mailing list
Dev@lists.example.org

--outer--
"""


def test_pgp_mime_reply_with_encoded_name_and_qp_url_is_read() -> None:
    message = read_message(PGP)
    assert message.from_name == "Ana Ru\u00edz"
    result = read(message)
    viommu = item(tracker_of(STATUS), "vIOMMU")
    found = {(a["action"], a["item"]) for a in actions(result)}
    assert ("status", viommu) in found
    links = [a["value"].get("url") for a in actions(result) if a["action"] == "link"]
    assert links == ["https://patchwork.example.org/project/dev/list/?series=4242"]
    assert "Dev mailing list" not in message.text


LATIN1 = (
    "From: Bo Chen <bo.chen@example.com>\n"
    "Subject: Re: Feature Freeze is next Friday\n"
    "Message-ID: <latin1-1@example.com>\n"
    "In-Reply-To: <status@example.org>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=iso-8859-1\n"
    "Content-Transfer-Encoding: 8bit\n\n"
    "> 2. Add a paravirtual clock source for guests [2]\n\n"
    "Thanks to Ren\u00e9's review, v3 is out now.\n"
).encode("latin-1")


def test_latin1_8bit_body_is_decoded() -> None:
    message = read_message(LATIN1)
    assert "Ren\u00e9's" in message.text
    clock = item(tracker_of(STATUS), "paravirtual clock")
    assert any(
        a["item"] == clock and a["value"].get("version") == "v3" for a in actions(read(message))
    )


FLOWED = b"""\
From: Eva Lind <eva.lind@example.com>
Subject: Re: Feature Freeze is next Friday
Message-ID: <flowed-1@example.com>
In-Reply-To: <status@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

On 2030-04-07 09:12, Dana Quist wrote:
> 4. Some other series I forgot.

Please track=20
https://lore.example.org/dev/20300405101010.7777-1-eva.lind@example.com/T/#t=20
for 5.2.
"""


def test_format_flowed_lines_are_joined_before_reading() -> None:
    raw = FLOWED.replace(b"=20\n", b" \n")
    message = read_message(raw)
    assert "Please track https://lore.example.org/dev/" in message.text
    assert "/T/#t for 5.2." in message.text


HTML_FIRST = b"""\
From: Fred Moss <fred.moss@example.com>
Subject: Re: Feature Freeze is next Friday
Message-ID: <html-1@example.com>
In-Reply-To: <status@example.org>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/html; charset=utf-8

<html><body><p>Not this one</p></body></html>
--alt
Content-Type: text/plain; charset=utf-8

> 1. Rework the vIOMMU page walk [1]

v5 is out.
--alt--
"""


def test_html_first_alternative_reads_the_plain_part() -> None:
    message = read_message(HTML_FIRST)
    assert message.text.startswith("> 1. Rework")
    viommu = item(tracker_of(STATUS), "vIOMMU")
    assert any(a["item"] == viommu for a in actions(read(message)))


def test_nbsp_in_the_quote_and_after_full_stops_matches_like_a_space() -> None:
    body = (
        "> 2.\u00a0Add a paravirtual\u00a0clock source for guests [2]\n\n"
        "This went in.\u00a0 Thanks.\n"
    )
    clock = item(tracker_of(STATUS), "paravirtual clock")
    assert any(
        a["item"] == clock and a["value"].get("status") == "done"
        for a in actions(read(reply(body)))
    )


# -- class 2: new items named by shape ----------------------------------------------


def test_numbered_paragraph_titles_are_proposed_as_new_items() -> None:
    body = (
        "Features:\n\n"
        "1) Grant table v3 fixes.\n\n"
        "Entirely bugfixing.  Developed by me, awaiting feedback on v2.\n\n"
        "2) Guest trace buffers.\n\n"
        "Development by Hana.  Depends on 1).\n\n"
        "Bugs:\n\n"
        "1) Watchdog fires early on some laptops.  I've posted a fix.\n"
    )
    result = read(reply(body))
    assert adds(result)[:2] == ["Grant table v3 fixes", "Guest trace buffers"]
    owners = [a["value"]["owners"] for a in actions(result) if a["action"] == "add"]
    assert owners[:2] == [["Eva Lind"], ["Hana"]]
    assert not applied(result)


def test_paragraph_leads_under_the_mails_invitation_are_new_items() -> None:
    body = (
        QUOTED
        + "\nFixes for the new Gen12 parts.  Half of it is written, the rest follows soon.\n\n"
        "Cleanup for new toolchains.  A few posted patches need a refresh.\n\n"
        "Both of these are low risk.\n\n~Eva\n"
    )
    result = read(reply(body))
    assert adds(result) == ["Fixes for the new Gen12 parts", "Cleanup for new toolchains"]
    forgot = item(tracker_of(STATUS), "Some other series")
    # the invitation itself is not done, partly done or noted
    assert not any(a["item"] == forgot for a in actions(result))


def test_a_url_alone_under_the_invitation_is_a_new_item() -> None:
    body = (
        QUOTED
        + "\nHi Dana,\n\nI'd like to see "
        + "https://lore.example.org/dev/20300405101010.7777-1-eva.lind@example.com/T/#t"
        + " merged for 5.2, it is at v2.\n"
    )
    result = read(reply(body))
    new = [a for a in actions(result) if a["action"] in ("add", "candidate-bug")]
    assert new and all(a["decision"] == "pending" for a in new)
    assert any("7777-1-eva.lind" in str(a["value"]) for a in new)
    assert not any(a["action"] == "link" for a in actions(result))


def test_asked_whether_to_add_a_titled_series() -> None:
    body = (
        QUOTED + "\nShould we add the following to the list?\n"
        "- Allow the toolstack to build without libfoo\n"
        "https://lore.example.org/dev/20300406111111.8888-1-eva.lind@example.com/\n"
    )
    result = read(reply(body))
    assert any("build without libfoo" in t for t in adds(result))
    assert not applied(result)


def test_a_quoted_title_no_item_carries_is_a_new_item() -> None:
    body = (
        QUOTED + '\n"Per-domain grant limits" has been pending for quite a while, and '
        "really ought to make it.\n"
    )
    assert "Per-domain grant limits" in adds(read(reply(body)))


def test_an_item_lost_from_the_list_is_asked_back_unless_that_was_right() -> None:
    body = (
        QUOTED + "\nWhile the order is right, Memory tagging was lost as an item.  "
        "(Cache QoS was dropped too, but that is intended.)  "
        "Hypercall buffers (being worked on by Gil) are also entirely missing.\n"
    )
    found = adds(read(reply(body)))
    assert "Memory tagging" in found
    assert any(t.startswith("Hypercall buffers") for t in found)
    assert not any("Cache QoS" in t for t in found)


# -- class 3: a pointer belongs to the work it names ----------------------------------


def test_a_link_titled_for_other_work_is_not_the_quoted_items() -> None:
    body = (
        "> 1. Rework the vIOMMU page walk [1]\n\n"
        "- Teach the balloon driver about huge pages "
        "https://lore.example.org/dev/20300407121212.9999-1-eva.lind@example.com/\n"
    )
    result = read(reply(body))
    viommu = item(tracker_of(STATUS), "vIOMMU")
    assert not any(a["action"] == "link" and a["item"] == viommu for a in actions(result))
    assert any("9999-1-eva.lind" in str(a["value"]) for a in actions(result))


def test_a_link_already_on_the_item_by_another_address_is_not_proposed() -> None:
    body = (
        "> 1. Rework the vIOMMU page walk [1]\n\n"
        "The series [1] is here:\n\n"
        "[1] https://lore.example.org/dev/20300101120000.1111-1-ana.ruiz@example.com/\n"
    )
    status = STATUS.replace(
        "1. Rework the vIOMMU page walk [1]",
        "1. Rework the vIOMMU page walk\n   https://lore.example.org/dev/"
        "20300101120000.1111-1-ana.ruiz@example.com/",
    )
    result = read(reply(body), status)
    assert not any(a["action"] == "link" for a in proposed(result))


# -- class 4: how progress is reported -------------------------------------------------


def test_a_prediction_of_not_making_it_waits_as_at_risk() -> None:
    body = (
        "> 2. Add a paravirtual clock source for guests [2]\n\n"
        "To be honest I don't expect this to make 5.2, unless reviewers appear.\n"
    )
    clock = item(tracker_of(STATUS), "paravirtual clock")
    [said] = [a for a in actions(read(reply(body))) if a["action"] == "status"]
    assert (said["item"], said["value"]["status"], said["decision"]) == (
        clock,
        "at risk",
        "pending",
    )


def test_superseded_and_withdrawn_read_as_drops_and_a_question_waits() -> None:
    clock = item(tracker_of(STATUS), "paravirtual clock")
    stated = read(
        reply("> 2. Add a paravirtual clock source for guests [2]\n\nThat one was superseded.\n")
    )
    asked = read(
        reply("> 2. Add a paravirtual clock source for guests [2]\n\nWasn't that withdrawn?\n")
    )
    for result in (stated, asked):
        assert any(
            a["item"] == clock and a["value"].get("status") == "dropped" for a in actions(result)
        )
    assert not applied(asked)


def test_parts_gone_in_is_partly_done_not_done() -> None:
    body = (
        "> 3. Split the scheduler locking: [3], [4], maybe more (?)\n\n"
        "Some parts have landed, more are about to be committed.\n"
    )
    statuses = [a["value"]["status"] for a in actions(read(reply(body))) if a["action"] == "status"]
    assert statuses == ["partly done"]


def test_one_named_part_committed_is_partly_done() -> None:
    body = (
        "> Live migration of huge guests\n>    [PATCH v3 0/6] migration: stream dirty bitmaps"
        " in chunks\n>    [PATCH v2] tools: fix the restore of the dirty log\n\n"
        "The tools thing is already committed (3fe1a2b4c5d6).\n"
    )
    statuses = [
        a["value"]["status"] for a in actions(read(reply(body), TRACKER)) if a["action"] == "status"
    ]
    assert statuses == ["partly done"]


def test_its_v2_is_a_version() -> None:
    body = "> 2. Add a paravirtual clock source for guests [2]\n\nIt's v2 now, v1 had an RFC.\n"
    assert any(a["value"].get("version") == "v2" for a in actions(read(reply(body))))


# -- class 5: interleaved answers ------------------------------------------------------


def test_each_answer_goes_to_the_item_above_it_and_prose_waits_as_a_note() -> None:
    body = (
        "On 07.04.2030 09:12, Dana Quist wrote:\n"
        "> OPEN ISSUES AND BLOCKERS\n> ========================\n>\n"
        "> Timer drift on large hosts\n> Information from\n>   Ana Ruiz <ana.ruiz@example.com>\n\n"
        "Still bisecting.\n\n"
        "> Live migration of huge guests\n>\n"
        "> A few loose ends remain in the tests.\n\n"
        "Plan A won't work.  Plan B needs a tweak in the test harness.\n\n"
        "Carl\n"
    )
    tracker = tracker_of(TRACKER)
    result = read(reply(body), TRACKER)
    notes = {a["item"]: a["value"]["text"] for a in actions(result) if a["action"] == "note"}
    assert notes == {
        item(tracker, "Timer drift"): "Still bisecting.",
        item(tracker, "Live migration"): "Plan A won't work. Plan B needs a tweak in the test "
        "harness.",
    }
    assert not applied(result)


def test_thanks_and_questions_under_an_item_are_no_notes() -> None:
    body = (
        "> 1. Rework the vIOMMU page walk [1]\n\nThanks.\n\n"
        "> 2. Add a paravirtual clock source for guests [2]\n\nConfirmation from the maintainer?\n"
    )
    assert actions(read(reply(body))) == []


# -- class 7: answers of the release manager -------------------------------------------


def test_the_release_manager_writes_no_notes_and_asking_accepts_nothing() -> None:
    body = (
        "> 2. Add a paravirtual clock source for guests [2]\n\n"
        "Ana, do you have time to post a new version of it?\n"
    )
    result = read(reply(body, "Dana Quist", "dana.quist@example.org"))
    assert applied(result) == []
    assert not any(a["action"] == "note" for a in actions(result))


def test_these_two_under_several_quoted_items_notes_the_last_two() -> None:
    body = (
        QUOTED.rsplit("> 4.", 1)[0]
        + "\nAs I said in the mail sent on Monday, these two need a decision on the\n"
        "approach first.\n\nCarl\n\n> 4. Some other series I forgot.\n"
    )
    tracker = tracker_of(STATUS)
    result = read(reply(body))
    noted = {a["item"] for a in actions(result) if a["action"] == "note"}
    assert noted == {item(tracker, "paravirtual clock"), item(tracker, "scheduler locking")}
    # "the mail sent on Monday" is no series posted
    assert not any(a["action"] == "status" for a in actions(result))


def test_one_note_a_paragraph_and_a_footnoted_series_posted() -> None:
    body = (
        "> 3. Split the scheduler locking: [3], [4], maybe more (?)\n\n"
        "That's all there is on the list.  An update to [3] is almost ready.\n\n"
        "I still have no time on real hardware, so it stays experimental.\n"
    )
    notes = [a["value"]["text"] for a in actions(read(reply(body))) if a["action"] == "note"]
    assert len(notes) == 2 and notes[1].startswith("I still have no time")
    posted = (
        "> 2. Add a paravirtual clock source for guests [2]\n\nThe v5 series [1] has been posted.\n"
    )
    found = [a["value"] for a in actions(read(reply(posted))) if a["action"] == "status"]
    assert found == [{"status": "patches posted", "version": "v5"}]


# -- class 7, by reply: the answered mail is quoted ---------------------------------

ANSWERED = (
    "On 08.04.2030 10:00, Eva Lind wrote:\n"
    "> On 07.04.2030 09:12, Dana Quist wrote:\n"
    ">> 2. Add a paravirtual clock source for guests [2]\n"
    ">\n"
    "> Some parts have landed, more are about to be committed.\n\n"
)


def test_a_release_managers_sounds_good_accepts_the_quoted_answer() -> None:
    result = read(reply(ANSWERED + "Sounds good to me.\n", "Dana Quist", "dana.quist@example.org"))
    clock = item(tracker_of(STATUS), "paravirtual clock")
    assert [(a["item"], a["value"].get("status")) for a in applied(result)] == [
        (clock, "partly done")
    ]


def test_a_committers_yes_and_a_release_managers_question_accept_nothing() -> None:
    committer = read(reply(ANSWERED + "Yes, I need it too.\n"))
    assert applied(committer) == []
    asking = read(
        reply(
            ANSWERED + "Sounds good, but when will the rest land?\n",
            "Dana Quist",
            "dana.quist@example.org",
        )
    )
    assert applied(asking) == []


HTML_ONLY = b"""\
From: Gil Ortiz <gil.ortiz@example.com>
Subject: RE: Feature Freeze is next Friday
Message-ID: <html-only-1@example.com>
In-Reply-To: <status@example.org>
MIME-Version: 1.0
Content-Type: text/html; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

<html><body><div>Hi Dana,</div>
<div>The toolstack side was merged last week; the hypervisor part is still =
waiting for review.</div>
<blockquote><pre data-start=3D"12">2.&nbsp;Add a paravirtual clock source for g=
uests [2]</pre></blockquote>
<div>Gr=FC=DFe, Gil</div></body></html>
"""


def test_html_only_outlook_reply_is_read_as_text() -> None:
    message = read_message(HTML_ONLY)
    assert "Gr\u00fc\u00dfe" in message.text
    assert "\u00a0" not in message.text
    result = read(message)
    assert not applied(result)


def test_a_version_superseded_by_the_next_is_no_drop_and_a_drop_waits() -> None:
    quote = "> 2. Add a paravirtual clock source for guests [2]\n\n"
    newer = read(reply(quote + "v2 was superseded by v3 yesterday.\n"))
    assert not any(a["value"].get("status") == "dropped" for a in actions(newer))
    # even the release manager's own word waits: superseded series may live on
    gone = read(reply(quote + "That one was superseded.\n", "Dana Quist", "dana.quist@example.org"))
    assert [a["decision"] for a in actions(gone) if a["action"] == "status"] == ["pending"]


def test_a_version_delta_in_a_reply_is_where_the_series_is_now() -> None:
    body = "> 2. Add a paravirtual clock source for guests [2]\n\nThe series is out (v8 -> v9).\n"
    versions = {a["value"].get("version") for a in actions(read(reply(body)))}
    assert versions == {"v9"}


def test_a_link_titled_for_another_tracked_item_goes_to_that_item_and_waits() -> None:
    body = (
        "> 1. Rework the vIOMMU page walk [1]\n\n"
        "- Paravirtual clock source for guests "
        "https://lore.example.org/dev/20300408080808.1212-1-bo.chen@example.com/\n"
    )
    tracker = tracker_of(STATUS)
    links = [
        (a["item"], a["decision"]) for a in actions(read(reply(body))) if a["action"] == "link"
    ]
    assert links == [(item(tracker, "paravirtual clock"), "pending")]


def test_a_numbered_new_item_keeps_its_version_and_pointer() -> None:
    body = (
        "Features:\n\n"
        "1) Grant table fixes.  Posted as v2:\n"
        "https://lore.example.org/dev/20300409090909.3434-1-eva.lind@example.com/\n\n"
        "Reasonably well acked.\n"
    )
    result = read(reply(body))
    [add] = [a for a in actions(result) if a["action"] == "add"]
    assert add["value"]["text"] == "Grant table fixes"
    assert add["value"]["version"] == "v2"
    assert [x["url"] for x in add["value"]["links"]] == [
        "https://lore.example.org/dev/20300409090909.3434-1-eva.lind@example.com/"
    ]
    # the pointer is the new item's, not a second proposal of its own
    assert not any(a["action"] == "candidate-bug" for a in actions(result))


def test_a_quoted_phrase_is_no_title() -> None:
    body = QUOTED + '\nAs for "the plan", I am currently working on the second one.\n'
    assert adds(read(reply(body))) == []


STANZA_STATUS = """\
Hello,

If you are working on a feature you want in 5.2 please tell me about it,
ideally with a little stanza like this:

S: feature name
O: feature owner (proponent) name
E: feature owner (proponent) email address
P: your estimate of the probability it makes 5.2, as a %age

  Friday 15th March    Last posting date
  Friday 29th March    Feature freeze
"""


def test_answers_under_the_mails_template_prompts_are_one_new_item() -> None:
    body = (
        "On 07.03.30 10:00, Dana Quist wrote:\n"
        "> Ideally with a little stanza like this:\n>\n> S: feature name\n\n"
        "The thread is called:\nVirtio sound on Arm\n"
        "https://lists.example.org/archives/html/dev/2030-02/msg00777.html\n\n"
        "> O: feature owner (proponent) name\n> E: feature owner (proponent) email address\n\n"
        "Ana started it, I carry it on:\nAna Ruiz <ana.ruiz@example.com>\n"
        "Eva Lind <eva.lind@example.com>\n\n"
        "> P: your estimate of the probability it makes 5.2, as a %age\n\n"
        "Hard to say, v3 is out and v4 is in the works.\n"
    )
    result = read(reply(body), STANZA_STATUS)
    [add] = [a for a in actions(result) if a["action"] == "add"]
    assert add["value"]["text"] == "Virtio sound on Arm"
    assert add["value"]["owners"] == ["Ana Ruiz", "Eva Lind"]
    assert [x["url"] for x in add["value"]["links"]] == [
        "https://lists.example.org/archives/html/dev/2030-02/msg00777.html"
    ]
    assert add["decision"] == "pending"
    assert not any(a["action"] == "candidate-bug" for a in actions(result))
