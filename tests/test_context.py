"""Stage: which item each block of new text answers (relbot.core.replies.context)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from relbot.core.replies.context import Context, attribute_blocks, build_index, match_chunk
from relbot.core.replies.message import read_message
from relbot.core.replies.naming import named_items
from relbot.core.replies.quotes import BlockKind, split_body
from relbot.core.statusmail.reader import read_status_mail
from relbot.core.tracker.events import fold
from relbot.core.tracker.model import Tracker
from relbot.core.tracker.reconcile import outline_events

STATUS = Path(__file__).parent / "replies" / "status"


def tracker_from(name: str) -> Tracker:
    message = read_message((STATUS / name).read_bytes())
    assert message.date is not None
    outline = read_status_mail(message.text, year=message.date.year)
    events = outline_events(
        outline,
        Tracker(),
        at=message.date,
        actor="t",
        source="import",
        message_id=message.message_id,
    )
    return fold(events)


SEED = tracker_from("2012_seed.eml")


def text_of(item_id: str | None, tracker: Tracker = SEED) -> str | None:
    item = tracker.item(item_id) if item_id else None
    return item.text if item else None


def contexts(body: str, tracker: Tracker = SEED) -> list[Context]:
    blocks = split_body(body)
    found = attribute_blocks(blocks, build_index(tracker))
    return [c for b, c in zip(blocks, found, strict=True) if b.kind is BlockKind.TEXT and c]


CASES = [
    (
        "partial rewrapped quote of a long item",
        "> * [BUG] Zombie driver domains. There's a bug where PV guests with devices\n"
        "> passed through with xl hang around\n\nI'm on it.\n",
        "Zombie driver domains",
        None,
    ),
    (
        "nested quote: the innermost item, not the replier's words",
        "> > * Safe fork vs. fd handling hooks. Involves API changes\n"
        "> > (Ian J, patches posted)\n>\n> This went in.\n\nThanks.\n",
        "Safe fork vs. fd handling hooks",
        None,
    ),
    (
        "several items quoted: the last one",
        ">       * libxl_domain_suspend. Nobody has looked at these\n"
        ">         at all. A volunteer would be appreciated.\n"
        ">       * libxl_domain_create_{new,restore} -- IanJ has\n"
        ">         patches as part of event series.\n\nv4 posted.\n",
        "libxl_domain_create_{new,restore}",
        None,
    ),
    (
        "a heading alone means the section",
        "> tools, nice to have:\n\n* New thing (Me)\n",
        None,
        "tools, nice to have",
    ),
    (
        "the same bullet twice in the mail: the heading above decides",
        "> tools, nice to have:\n> [...]\n>       * xl compatibility with xm:\n\nnone left?\n",
        "xl compatibility with xm:",
        "tools, nice to have",
    ),
    (
        "bullets, owners and NBSP padding do not get in the way",
        ">\u00a0 \u00a0 \u00a0 * PoD performance improvements (George Dunlap)\n\ndefer it\n",
        "PoD performance improvements",
        None,
    ),
    (
        "top-posted with an explicit id",
        "T12 is mine.\n\n> unrelated\n",
        "libxl_domain_suspend",
        None,
    ),
    (
        "top-posted by title words",
        "The autospawning vncviewer patches were committed.\n",
        "xl support for autospawning vncviewer",
        None,
    ),
    ("no quote and no item words", "Thanks for the update!\n", None, None),
    (
        "a quote of the intro: no item",
        "> Please refer me to any should or must be fixed bugs (best way it by\n"
        "> responding to this mail with a pointer\n\nHere is one.\n",
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("name", "body", "item_words", "section"), CASES, ids=[c[0] for c in CASES]
)
def test_attribution(name: str, body: str, item_words: str | None, section: str | None) -> None:
    ctx = contexts(body)[0]
    got = text_of(ctx.item_id)
    if item_words is None:
        assert ctx.item_id is None, got
    else:
        assert got is not None and got.startswith(item_words), (ctx, got)
    if section is not None:
        assert ctx.section == section


def test_each_text_block_gets_the_quote_above_it() -> None:
    body = (
        "> * libxl_cdrom_insert. Should be easy once\n\nMine.\n\n"
        "> * libxl_fork -- IanJ's event series removes all\n\nDone.\n"
    )
    got = [text_of(c.item_id) or "" for c in contexts(body)]
    assert got[0].startswith("libxl_cdrom_insert") and got[1].startswith("libxl_fork")


def test_other_layouts() -> None:
    tracker = tracker_from("2019_juergen.eml")
    ctx = contexts("> === x86 ===\n\n*  New thing (v1)\n  -  Me\n", tracker)[0]
    assert ctx.item_id is None and ctx.section == "hypervisor / x86"
    ctx = contexts(">*  Core scheduling (v2)\n>  -  Juergen Gross\n\nv3 out\n", tracker)[0]
    assert (text_of(ctx.item_id, tracker) or "").startswith("Core scheduling")


def test_a_quoted_url_names_its_item() -> None:
    tracker = tracker_from("2024_oleksii.eml")
    body = "> * Hyperlaunch [\n> https://gitlab.com/xen-project/xen/-/issues/173\n> ]\n\nv3 out\n"
    assert text_of(contexts(body, tracker)[0].item_id, tracker) == "Hyperlaunch"


def test_remarks_nested_in_a_quoted_item_count_as_the_item() -> None:
    body = (
        ">       * [BUG] Zombie driver domains.  There's a bug where PV guests with\n"
        ">         devices passed through with xl hang around as zombies.\n"
        ">               * One of several recent reports of Zombie domains, which\n"
        "\nPatch sent.\n"
    )
    assert (text_of(contexts(body)[0].item_id) or "").startswith("Zombie driver domains")
    # quoted alone, a nested work item is still the one answered
    body = ">       * Interfaces which may need to be async:\n>  * libxl_domain_suspend.\n\nMine.\n"
    assert (text_of(contexts(body)[0].item_id) or "").startswith("libxl_domain_suspend")


def test_a_quoted_answer_with_an_address_stays_with_its_item() -> None:
    # the words of an address (a company, a list) name no item, and a short
    # line with an address is someone's answer, not the mail's own prose
    tracker = tracker_from("2019_juergen.eml")
    body = (
        "> > *  Hypervisor-based fuzzing: add support for AFL (v5)\n"
        "> >   -  Tamas K Lengyel\n> >\n"
        "> > v6 was sent last week:\n"
        "> > https://lore.kernel.org/xen-devel/cover.158.git.tamas.lengyel@intel.com/\n"
        ">\n> Thanks, updated.\n\nv7 is the one to look at.\n"
    )
    ctx = contexts(body, tracker)[0]
    assert (text_of(ctx.item_id, tracker) or "").startswith("Hypervisor-based fuzzing")
    index = build_index(tracker)
    assert match_chunk(index, "see https://x.example/intel/sgx/sgx/ for it") is None


def test_match_chunk_rejects_unrelated_text() -> None:
    index = build_index(SEED)
    assert match_chunk(index, "We will release when it is ready, as always.") is None
    assert match_chunk(index, "") is None


def test_whole_mail_quote_is_fast() -> None:
    seed = read_message((STATUS / "2012_seed.eml").read_bytes()).text
    body = "\n".join("> " + line for line in seed.splitlines()) + "\nok\n"
    build_index(SEED)
    start = time.perf_counter()
    for _ in range(10):
        contexts(body)
    assert (time.perf_counter() - start) / 10 < 0.05


def test_index_is_built_once_per_tracker() -> None:
    assert build_index(SEED) is build_index(SEED)
    empty = build_index(Tracker())
    assert match_chunk(empty, "anything at all") is None


def test_the_mails_own_prose_after_items_makes_the_answer_section_wide() -> None:
    body = (
        "> hypervisor, nice to have:\n"
        ">       * Sharing support for AMD (Tim, Andres).\n"
        ">       * PoD performance improvements (George Dunlap)\n"
        ">\n"
        "> It seems that none of the above are going to happen for 4.2?\n"
        "\nThe AMD one won't.\n"
    )
    ctx = contexts(body)[0]
    assert ctx.item_id is None and ctx.section == "hypervisor, nice to have"
    assert ctx.question.startswith("It seems that none")
    shown = {text_of(i) or "" for i in ctx.candidates}
    assert any(t.startswith("Sharing support for AMD") for t in shown)
    # a developer's words under the item, quoted back by the RM, are not the mail's
    nested = (
        "> >       * PoD performance improvements (George Dunlap)\n"
        ">\n> Right, I will not get to this one in time for the release.\n\nOK.\n"
    )
    assert (text_of(contexts(nested)[0].item_id) or "").startswith("PoD performance")


def test_a_one_word_sub_item_is_part_of_its_item() -> None:
    tracker = tracker_from("2013_george.eml")
    body = "> * Persistent grants for blk (external)\n>  - Linux\n\nNot merged yet.\n"
    assert (text_of(contexts(body, tracker)[0].item_id, tracker) or "").startswith("Persistent")


NAMING = [
    ("the AMD sharing one", "Sharing support for AMD"),
    ("Remus will have to wait", None),  # one rare word: only among what a quote showed
    ("the pci add/remove one", "libxl_device_pci_"),
    ("the /usr/local default", None),  # not an item of this mail
    ("the build is red", None),  # one common word names nothing
]


@pytest.mark.parametrize(("words", "item"), NAMING, ids=[n[0] for n in NAMING])
def test_items_named_by_title_words(words: str, item: str | None) -> None:
    found = named_items(build_index(SEED), words)
    if item is None:
        assert found == ()
    else:
        assert next(text_of(i) or "" for i in found).startswith(item), found


def test_one_rare_word_names_an_item_the_quote_showed() -> None:
    shown = frozenset(it.id for it in SEED.items if it.section == "tools, nice to have")
    found = named_items(build_index(SEED), "Remus will have to wait", shown)
    assert [text_of(i) or "" for i in found] == [
        "Initial xl support for Remus (memory checkpoint, blackholing)"
    ]


def test_a_name_inside_another_is_the_weaker_reading() -> None:
    # "sharing" alone is in the paging item's title too; "AMD sharing" is one item
    got = named_items(build_index(SEED), "AMD sharing won't happen")
    assert [text_of(i) for i in got] == ["Sharing support for AMD."]
