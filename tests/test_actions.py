"""Stage: plain words to actions (relbot.core.replies.actions), as a table of phrasings."""

from __future__ import annotations

import pytest
from test_context import SEED, tracker_from

from relbot.core.replies.actions import ActionKind, Reading, infer_actions
from relbot.core.replies.context import Context, build_index
from relbot.core.replies.phrases import Sentence, find_cues
from relbot.core.tracker.model import Tracker


def item_id(words: str) -> str:
    return next(it.id for it in SEED.items if it.text.startswith(words))


def read(
    text: str, item: str | None = None, tracker: Tracker = SEED
) -> list[tuple[str, dict[str, object]]]:
    ctx = Context(item, None, 1.0) if item else Context()
    reading = Reading(sender="Jane Doe", tracker=tracker, index=build_index(tracker))
    actions, _ = infer_actions(text.splitlines(), 1, ctx, reading)
    return [(a.kind.value, dict(a.value)) for a in actions]


SUSPEND = item_id("libxl_domain_suspend")
SHUTDOWN = item_id("libxl_domain_{shutdown")

# (words, expected kind, expected status or owner, or None for nothing)
TABLE = [
    ("I'm looking into this now.", "claim", "Jane Doe"),
    ("I'll pick this one up.", "claim", "Jane Doe"),
    ("Mine.", "claim", "Jane Doe"),
    ("I have a series for this I can post next week.", "claim", "Jane Doe"),
    ("Picking this up.", "claim", "Jane Doe"),
    ("Roger is working on this.", "claim", "Roger"),
    ("Roger says he is working on it.", "claim", "Roger"),
    ("I'm not working on this anymore.", "unclaim", "Jane Doe"),
    ("It's up for grabs now.", "unclaim", "Jane Doe"),
    ("v5 is out.", "status", "patches posted"),
    ("Merged.", "status", "done"),
    # "send" as a past participle, as written by many non-native speakers
    ("RFC v2 of the series has been send yesterday.", "status", "patches posted"),
    ("The v4 of the series is send out.", "status", "patches posted"),
    ("We have send the v2 of this serie last week.", "status", "patches posted"),
    ("I send the v2 next week.", None, None),
    ("Resent as v3.", "status", "patches posted"),
    ("Now at v9.", "status", "patches posted"),
    ("Reposted with the fixes.", "status", "patches posted"),
    ("2/7 committed.", "status", "partly done"),
    ("7/7 committed.", "status", "done"),
    ("Hypervisor side merged, tools part waiting for review.", "status", "partly done"),
    ("Most of it is in, a follow-up remains.", "status", "partly done"),
    ("This went in.", "status", "done"),
    ("Committed last week.", "status", "done"),
    ("Pushed, you can mark it resolved.", "status", "done"),
    ("Applied, thanks.", "status", "done"),
    ("Stop tracking this.", "status", "dropped"),
    ("This is no longer needed.", "status", "dropped"),
    ("This won't happen for this release.", "status", "deferred"),
    ("Let's defer to 4.3.", "status", "deferred"),
    ("Out of scope for this release.", "status", "deferred"),
    ("I'm stuck on the locking.", "status", "at risk"),
    ("This is unlikely to make it.", "status", "at risk"),
    ("It depends on review time.", "status", "at risk"),
    # nothing
    ("Thanks!", None, None),
    ("Acked-by: Ian Jackson <ian.jackson@eu.citrix.com>", None, None),
    ("Could Jan review this?", None, None),
    ("Has anyone tested this on AMD?", None, None),
    ("When do you plan to tag rc1?", None, None),
    ("Once this is committed we can close it.", None, None),
    ("It should be committed soon.", None, None),
    ("Not merged yet.", None, None),
    ("Otherwise I'll defer it to 4.3 next week.", None, None),
    ("I'll send v4 by Friday.", None, None),
    # held-out phrasings: a look, "the pci one", a patch to post, a time of posting
    ("I'll take a look at this one, I have the hardware.", "claim", "Jane Doe"),
    ("I can take the pci one as well.", "claim", "Jane Doe"),
    (
        "I have a patch doing the xend-style workaround in libxl, I'll post it tomorrow.",
        "claim",
        "Jane Doe",
    ),
    ("Posted it yesterday.", "status", "patches posted"),
    ("The hang is fixed with the patch I posted yesterday.", "status", "patches posted"),
    ("A BIOS update fixes it, nothing to do in Xen. Please drop it.", "status", "dropped"),
    ("You can remove this.", "status", "dropped"),
    ("This went in last week. You can remove it from the list.", "status", "done"),
    ("Realistically it won't be in 4.13.", "status", "deferred"),
    ("I don't think this will make it.", "status", "at risk"),
    ("I will not be able to work on it for 4.2. Please move it to 4.3.", "status", "deferred"),
    ("I'll have v1 out before the freeze.", None, None),
    ("I don't think it can go in as is.", None, None),
    ("Please drop it from the series.", None, None),
    ("Rahul from my team will take over.", "claim", "Rahul"),
    ("All of this has been committed now, bar the last patch.", "status", "partly done"),
    ("We ran out of time, it will have to wait for 4.3.", "status", "deferred"),
    ("FWIW, I've just pushed v9 which addresses the comments.", "status", "patches posted"),
    ("I think Tim committed these last week?", "status", "done"),
    # whole threads: a version set right, a claim offered, the RM's own "will do"
    ("Sorry, my mistake, that one was v3.", "status", "patches posted"),
    ("v20 is the one to look at, sent an hour ago.", "status", "patches posted"),
    ("There's a v3 of this by now.", "status", "patches posted"),
    ("I can do this one, it's trivial.", "claim", "Jane Doe"),
    ("Ok, will do both for next time.", None, None),
    ("Sure, will do.", None, None),
    # deferral, unclaim and new-version wordings of non-native writers
    (
        "This I will not further pursue for 4.2, so please put it to the next release.",
        "status",
        "deferred",
    ),
    ("Please put it to the next release.", "status", "deferred"),
    ("I have not the time anymore for this.", "unclaim", "Jane Doe"),
    (
        "I no longer have the bandwidth to carry this forward, please consider it unowned.",
        "unclaim",
        "Jane Doe",
    ),
    ("v14 went out this morning.", "status", "patches posted"),
    ("The series had its RFC v2 last week.", "status", "patches posted"),
]


@pytest.mark.parametrize(("words", "kind", "what"), TABLE, ids=[t[0] for t in TABLE])
def test_phrasing(words: str, kind: str | None, what: str | None) -> None:
    got = read(words, SUSPEND)
    if kind is None:
        assert got == []
        return
    assert got, f"nothing read from {words!r}"
    first_kind, value = got[0]
    assert first_kind == kind
    assert what in (value.get("status"), value.get("owner"))


@pytest.mark.parametrize(
    ("words", "factor"),
    [("I think this is fixed?", 0.6), ("Isn't this done?", 0.6), ("Maybe this went in.", 0.7)],
)
def test_hedges_and_questions_lower_confidence(words: str, factor: float) -> None:
    reading = Reading(sender="J", tracker=SEED, index=build_index(SEED))
    actions, _ = infer_actions([words], 1, Context(SUSPEND, None, 1.0), reading)
    assert actions and all(a.confidence <= factor for a in actions)


def test_versions_and_releases_are_read() -> None:
    assert read("Resent as v3.", SUSPEND)[0][1]["version"] == "v3"
    assert read("Let's defer to 4.3.", SUSPEND)[0][1]["release"] == "4.3"
    # the release being made is not the target of a deferral
    assert read("Won't happen for 4.2.", SUSPEND)[0][1]["release"] == "4.3"
    # a release named as missed is not the target either, even when the tracker has none
    unnamed = tracker_from("2024_oleksii.eml")
    assert read("Not going to happen for 4.19.", "T5", unnamed)[0][1]["release"] == "4.20"
    assert read("This is 4.20 material.", "T5", unnamed)[0][1]["release"] == "4.20"
    assert read("FWIW, I've just pushed v9.", SUSPEND)[0][1]["version"] == "v9"


@pytest.mark.parametrize(
    ("words", "version"),
    [
        ("Sorry, my mistake, that one was v3. v4 still needs work, will send it soon.", "v3"),
        ("Sorry, my bad, v19 had a build issue. v20 is the one to look at, sent today.", "v20"),
        ("Resent as v5, not v4 as I said before.", "v5"),
        ("There's a v3 of this by now, with some patches already in.", "v3"),
    ],
)
def test_a_version_set_right_is_the_one_stood_by(words: str, version: str) -> None:
    got = read(words, SUSPEND)
    assert got and got[0][1].get("version") == version


def test_a_bare_subjects_tag_gives_the_version() -> None:
    words = "[PATCH v4 0/3] xen/arm: add FF-A notifications https://lore.kernel.org/x/1@y.org/"
    got = [v for kind, v in read(words, SUSPEND) if kind == "status"]
    assert got == [{"status": "patches posted", "version": "v4"}]


def test_a_pointer_after_an_add_request_is_the_new_items() -> None:
    # under a quoted item, the request moved away from it: the address is news of the new one
    words = (
        'Also, could you please add "SCMI mediator for Xen on ARM"? RFC was posted last'
        " month: https://lore.kernel.org/xen-devel/cover.1587998012.git.om@epam.com/"
    )
    got = read(words, SUSPEND)
    assert [k for k, _ in got] == ["add"]
    assert "cover.1587998012" in str(got[0][1]["links"])


def test_correction_only_for_an_item_that_moved_on() -> None:
    got = read("No, that one wasn't merged yet.", SHUTDOWN)
    assert got == [("correction", {"status": "patches posted", "was": "done"})]
    got = read("Small correction: this isn't fully in. Only patch 1 was committed.", SHUTDOWN)
    assert got[0] == ("correction", {"status": "patches posted", "was": "done"})


def test_a_request_told_over_several_sentences() -> None:
    # "add the following:" then the item; "add it under x86, with me as owner"
    got = read(
        "Could you please add the following to the tools blockers section?\n"
        "  * [PATCH v3 0/4] libxl: add shared memory between domains\n"
    )
    assert [k for k, _ in got] == ["add"]
    assert str(got[0][1]["text"]).endswith("libxl: add shared memory between domains")
    assert got[0][1]["section"] == "tools, blockers"
    got = read("You're missing the kexec work. Please add it as a tools blocker, with me as owner.")
    assert [k for k, _ in got] == ["add"]
    assert got[0][1]["text"] == "the kexec work" and got[0][1]["owners"] == ["Jane Doe"]
    assert got[0][1]["section"] == "tools, blockers"
    url = "http://lists.xen.org/archives/html/xen-devel/2013-04/msg01789.html"
    got = read(f"Please add nested EPT to the list. The v3 patchset has been posted: {url}")
    assert [k for k, _ in got] == ["add"]
    assert got[0][1]["status"] == "patches posted" and got[0][1]["links"] == [{"url": url}]


def test_a_patch_subject_beside_its_address_is_one_link() -> None:
    got = read(
        "New version posted:\n[PATCH v3] libxl: vif rate\n<4F8C2A11.5050302@iweb.com>", SUSPEND
    )
    assert [v for k, v in got if k == "link"] == [{"message_id": "4F8C2A11.5050302@iweb.com"}]


def test_off_list_remarks_claim_nothing() -> None:
    words = "The CI build fails. Not related to anything on this list; I'm looking into it."
    assert read(words) == []
    assert read("Not a release item, but could someone look at my series? http://x.org/a") == []


def test_pointers_link_or_become_candidate_bugs() -> None:
    url = "http://lists.xen.org/archives/html/xen-devel/2012-04/msg00601.html"
    assert read(f"The report is here: {url}", SUSPEND) == [("link", {"url": url})]
    kind, value = read(f"xl crashes on boot, see {url}")[0]
    assert kind == "candidate-bug" and value["url"] == url and "crashes" in str(value["title"])


def test_add_requests() -> None:
    kind, value = read("Could you please add the kexec breakage to the hypervisor blockers list?")[
        0
    ]
    assert kind == "add" and value["text"] == "the kexec breakage"
    assert value["section"] == "hypervisor, blockers"
    kind, value = read("Wasn't the NUMA placement work on this list before?")[0]
    assert kind == "add" and "NUMA" in str(value["text"])


def test_new_item_in_the_mails_format() -> None:
    reading = Reading(sender="Konrad", tracker=SEED, index=build_index(SEED))
    lines = ["* [BUG] IGD passthrough fails (Konrad Wilk)"]
    actions, _ = infer_actions(lines, 1, Context(None, "hypervisor, blockers", 0.9), reading)
    assert [(a.kind, a.value["owners"], a.value["tags"]) for a in actions] == [
        (ActionKind.ADD, ["Konrad Wilk"], ["BUG"])
    ]


def test_negation_and_condition_guards() -> None:
    assert find_cues(Sentence("This has not been committed.", 1))[0].cue.value == "not-done"
    assert find_cues(Sentence("Once this is merged I will close it.", 1)) == []


def test_budget_limits_sentences() -> None:
    reading = Reading(sender="J", tracker=SEED, index=build_index(SEED))
    _, read_count = infer_actions(["Hello. " * 50], 1, Context(), reading, budget=10)
    assert read_count == 10


def read_under(
    text: str, ctx: Context, tracker: Tracker = SEED, sender: str = "Jane Doe"
) -> list[tuple[str, str | None, dict[str, object]]]:
    reading = Reading(sender=sender, tracker=tracker, index=build_index(tracker))
    actions, _ = infer_actions(text.splitlines(), 1, ctx, reading)
    return [(a.kind.value, a.item, dict(a.value)) for a in actions]


AMD = item_id("Sharing support for AMD")
POD = item_id("PoD performance")
PCI = item_id("Upstream qemu PCI passthrough")
SAVE = item_id("Upstream qemu save restore")
PAGING = item_id("solid implementation of sharing")
PERMISSIVE = item_id('expose PCI back "permissive"')
NICE = frozenset({PAGING, AMD, POD})
SECTION = Context(None, "hypervisor, nice to have", 0.9, "", NICE)
QUESTION = "It seems that none of the above are going to happen for 4.2?"

# (words, context, expected (kind, item, status) for each action)
NAMED = [
    (
        "I'm afraid the AMD sharing one won't, at least not from our side.",
        Context(None, "hypervisor, nice to have", 0.9, "", NICE, QUESTION),
        [("status", AMD, "deferred")],
    ),
    (
        "Right, AMD sharing won't happen for 4.2.  The waitqueue work for paging is in better "
        "shape but I'm stuck on the domain_lock callers.",
        SECTION,
        [("status", AMD, "deferred"), ("status", PAGING, "at risk")],
    ),
    (
        "The PoD performance work won't happen for 4.2. Please defer it to 4.3.",
        SECTION,
        [("status", POD, "deferred")],
    ),
    (
        "Both the PCI passthrough and the save/restore patches went in yesterday.",
        Context(SAVE, "tools, nice to have", 1.0, "", frozenset({PCI, SAVE})),
        [("status", PCI, "done"), ("status", SAVE, "done")],
    ),
    (
        # the quoted item's one word ("PCI") is a part of another's name
        "Both the PCI passthrough and the save/restore patches went in yesterday.",
        Context(PERMISSIVE, "tools, nice to have", 1.0, "", frozenset({PCI, SAVE, PERMISSIVE})),
        [("status", PCI, "done"), ("status", SAVE, "done")],
    ),
    (
        # under one quoted item, words of another item do not move the answer
        "This is in now, it was needed by the PCI passthrough patches.",
        Context(SAVE, "tools, nice to have", 1.0, "", frozenset({SAVE})),
        [("status", SAVE, "done")],
    ),
    (
        # "both" under a quote of two items: each of them
        "Both are now merged upstream in QEMU.",
        Context(
            SAVE, "tools, nice to have", 1.0, "", frozenset({PCI, SAVE}), "", frozenset({PCI, SAVE})
        ),
        [("status", PCI, "done"), ("status", SAVE, "done")],
    ),
    (
        "Neither of these two is going to make it for 4.2, let's push them out to 4.3.",
        Context(
            SAVE, "tools, nice to have", 1.0, "", frozenset({PCI, SAVE}), "", frozenset({PCI, SAVE})
        ),
        [("status", PCI, "deferred"), ("status", SAVE, "deferred")],
    ),
    (
        # "both" needs two items quoted: under one, the one
        "Both are now merged.",
        Context(SAVE, "tools, nice to have", 1.0, "", frozenset({SAVE}), "", frozenset({SAVE})),
        [("status", SAVE, "done")],
    ),
    (
        # a second item named in its own clause of the same sentence
        "The save/restore work is at v9 now, and PCI passthrough had its v2 last week.",
        Context(
            SAVE, "tools, nice to have", 1.0, "", frozenset({PCI, SAVE}), "", frozenset({PCI, SAVE})
        ),
        [("status", SAVE, "patches posted"), ("status", PCI, "patches posted")],
    ),
    (
        "The CI build fails in x86_emulator. I'm looking into it, not related to anything on "
        "this list.",
        Context(),
        [],
    ),
]


@pytest.mark.parametrize(("words", "ctx", "want"), NAMED, ids=[n[0][:40] for n in NAMED])
def test_items_named_in_words(words: str, ctx: Context, want: list[tuple[str, str, str]]) -> None:
    got = read_under(words, ctx)
    assert [(k, i, v.get("status")) for k, i, v in got] == want


def test_one_action_per_item_named_with_no_quote() -> None:
    tracker = tracker_from("2013_george.eml")
    got = read_under(
        "Neither the multi-vector MSI nor the 16TiB scalability work is going to make it for 4.3.",
        Context(),
        tracker,
    )
    texts = [tracker.item(i).text[:11] for _, i, _ in got if i and tracker.item(i)]  # type: ignore[union-attr]
    assert texts == ["Multi-vecto", "Scalability"]
    assert {v["status"] for _, _, v in got} == {"deferred"}


@pytest.mark.parametrize(
    ("words", "text", "extra"),
    [
        (
            "FWIW the NUMA placement series (v3) is out too, see http://x.org/a.html\n"
            "Could you add it to the tools nice-to-have list?",
            "NUMA placement series",
            {
                "version": "v3",
                "section": "tools, nice to have",
                "links": [{"url": "http://x.org/a.html"}],
            },
        ),
        (
            "There is also the blkback discard series I posted last week:\n"
            "[PATCH 0/3] xen-blkback: discard support\n"
            "Please track this under tools nice to have.",
            "[PATCH 0/3] xen-blkback: discard support",
            {"section": "tools, nice to have"},
        ),
        (
            'I\'ve just sent "x86/vpci: MSI-X table handling" (v2).\n\n'
            "It would be nice to have it, could you add that one?",
            "x86/vpci: MSI-X table handling",
            {"version": "v2"},
        ),
        (
            "You are missing Mukesh's PVH series, v8 posted last week: http://x.org/b\n"
            "Could you add that one?",
            "PVH series",
            {"version": "v8", "links": [{"url": "http://x.org/b"}]},
        ),
    ],
)
def test_a_pronoun_in_an_add_request_is_what_was_named_before(
    words: str, text: str, extra: dict[str, object]
) -> None:
    # what was said of the new thing is not said of the quoted item
    got = read_under(words, Context(SAVE, "tools, nice to have", 1.0, "", frozenset({SAVE})))
    assert [k for k, _, _ in got] == ["add"]
    value = got[0][2]
    assert value["text"] == text
    for key, want in extra.items():
        assert value[key] == want


def test_release_manager_confirmations() -> None:
    assert read("Thanks, marked as done.", SUSPEND)[0] == ("status", {"status": "done"})
    assert read("These are now all committed.", SUSPEND)[0] == ("status", {"status": "done"})
    assert read("I can pick up the pci add/remove one.", SUSPEND)[0][0] == "claim"


def test_a_bare_series_subject_is_linked_only_with_the_rms_word() -> None:
    reading = Reading(sender="J", tracker=SEED, index=build_index(SEED))
    lines = ["Posted this morning as", "  [PATCH 3/5] libxl: make libxl_cdrom_insert async"]
    actions, _ = infer_actions(lines, 1, Context(SUSPEND, None, 1.0), reading)
    links = [a for a in actions if a.kind is ActionKind.LINK]
    assert links and all(a.confidence < 0.8 for a in links)


XL_PAGING = item_id("Configure/control paging via xl")
TWO_QUOTED = Context(
    XL_PAGING,
    "hypervisor, nice to have",
    1.0,
    "",
    frozenset({POD, XL_PAGING}),
    "",
    frozenset({POD, XL_PAGING}),
)


@pytest.mark.parametrize(
    ("words", "sender", "ctx", "want"),
    [
        (
            "I can't speak for Olaf's one, but mine is not going to make it for 4.2.",
            "George Dunlap",
            TWO_QUOTED,
            [("status", POD, "deferred")],
        ),
        ("My one went in yesterday.", "George Dunlap", TWO_QUOTED, [("status", POD, "done")]),
        # the sender owns neither of those quoted: the quote's own item
        ("My one went in yesterday.", "Jane Doe", TWO_QUOTED, [("status", XL_PAGING, "done")]),
        # "that one is mine" claims; it does not point at what the sender has
        ("That one is mine.", "George Dunlap", TWO_QUOTED, [("claim", XL_PAGING, None)]),
        # one item quoted: it is the one meant
        (
            "My one went in yesterday.",
            "George Dunlap",
            Context(XL_PAGING, None, 1.0, "", frozenset({XL_PAGING}), "", frozenset({XL_PAGING})),
            [("status", XL_PAGING, "done")],
        ),
    ],
)
def test_mine_among_several_quoted(
    words: str, sender: str, ctx: Context, want: list[tuple[str, str, str | None]]
) -> None:
    got = read_under(words, ctx, sender=sender)
    assert [(k, i, v.get("status")) for k, i, v in got] == want
