"""Status mails in the layouts real release managers use (issue 9, class 6).

The fixtures are written for these tests in the style of real list mail: a
feature-freeze reminder with numbered requests and ``[n]URL`` footnotes, a
blocker tracker of issue paragraphs under underlined headings, a monthly list
with target tags, version deltas, non-breaking spaces and the sender's own
change log.
"""

from __future__ import annotations

import datetime as dt

from relbot.core.statusmail.reader import read_status_mail
from relbot.core.tracker.events import fold
from relbot.core.tracker.model import Status, Tracker
from relbot.core.tracker.reconcile import outline_events

REMINDER = """\
Hello community,

The Feature Freeze for 5.2 is next Friday, and a few requests are still
waiting to be merged into 5.2:

1. Rework the vIOMMU page walk [1]
2. Add a paravirtual clock source for guests [2]
3. Split the scheduler locking: [3], [4], maybe more (?)
4. Some other series I forgot.

Could the owners say whether these can still make it?

[1]https://lore.example.org/dev/20300101120000.1111-1-ana.ruiz@example.com/
[2]https://lore.example.org/dev/20300102120000.2222-1-bo.chen@example.com/

[3]https://lore.example.org/dev/20300103120000.3333-1-carl.berg@example.com/
[4]https://lore.example.org/dev/20300104120000.4444-1-carl.berg@example.com/

Thanks,
   Dana
"""

TRACKER = """\
We are a week behind, otherwise on track.

Below is the list of blockers I am tracking.

Dana.


OPEN ISSUES AND BLOCKERS
========================

Timer drift on large hosts
Information from
  Ana Ruiz <ana.ruiz@example.com>
References
  https://lists.example.org/archives/html/dev/2030-02/msg00123.html

Debug patches were sent out, waiting for results from the reporter.


Live migration of huge guests

   [PATCH v3 0/6] migration: stream dirty bitmaps in chunks
   etc.

Nice to have, not a blocker.


ISSUES BELIEVED NEWLY RESOLVED
==============================

Crash on boot with old firmware

Key participants:
  Bo Chen <bo.chen@example.com>

| F. Old firmware quirk: patch one is the fix; the others are
| cleanups for later.

It went in last week.
"""

# the 2025 monthly list: U+00A0 in the indentation, target tags, deltas, and
# the sender's change log above the list
MONTHLY = """\
Hello everyone,

Big items for the tree are listed below; reply with anything you
want in 5.2.

= Timeline =

The release schedule is on the wiki.

= Updates =

Finished since the last mail:
\u00a0 [since Mar 3 - Apr 7]:
\u00a0\u00a0 * x86:
\u00a0\u00a0\u00a0 - vPMU: drop the legacy MSR interface.
\u00a0\u00a0 * Arm:
\u00a0\u00a0\u00a0 - GICv4 direct injection.

= Projects =

== Hypervisor ==

* [5.2] console: buffer input per domain (v3)
\u00a0 -\u00a0 Eva Lind
\u00a0 - https://lore.example.org/dev/20300201000000.5555-1-eva.lind@example.com/

* [5.2?] sched: core scheduling for the null scheduler (v8 -> v9)
\u00a0 -\u00a0 Fred Moss

* [next-rel(s)] Remove the shadow paging fallback
\u00a0 -\u00a0 Gil Ortiz
"""


def read(text: str) -> Tracker:
    outline = read_status_mail(text, year=2030)
    at = dt.datetime(2030, 3, 1, tzinfo=dt.UTC)
    return fold(outline_events(outline, Tracker(), at=at, actor="rm", source="import"))


def titles(tracker: Tracker) -> list[str]:
    return [it.text for it in tracker.items]


def test_reminder_items_are_open_requests_of_the_release() -> None:
    tracker = read(REMINDER)
    assert tracker.release == "5.2"
    assert len(tracker.items) == 4
    # "to be merged into 5.2" is what is still to come, not what is done
    assert {it.status for it in tracker.items} == {Status.OPEN}


def test_footnotes_written_without_a_space_are_read() -> None:
    outline = read_status_mail(REMINDER, year=2030)
    assert [f.number for f in outline.footnotes] == [1, 2, 3, 4]
    assert outline.footnotes[2].url.endswith("3333-1-carl.berg@example.com/")


def test_no_release_number_is_taken_from_a_url_or_a_message_id() -> None:
    text = REMINDER.replace("for 5.2", "for the release").replace("into 5.2", "into it")
    assert read(text).release != "20300101120000.1111"


def test_blocker_tracker_paragraphs_are_items_with_their_pointers() -> None:
    tracker = read(TRACKER)
    assert titles(tracker) == [
        "Timer drift on large hosts",
        "Live migration of huge guests",
        "Crash on boot with old firmware",
    ]
    drift, migration, crash = tracker.items
    assert [x.url for x in drift.links] == [
        "https://lists.example.org/archives/html/dev/2030-02/msg00123.html"
    ]
    assert any("waiting for results" in n for n in drift.notes)
    assert migration.status is Status.OPEN
    # the heading says these are resolved
    assert crash.status is Status.DONE


def test_a_sentence_or_a_signature_is_never_an_item() -> None:
    found = titles(read(TRACKER))
    assert "It went in last week." not in found
    assert "Dana." not in found
    assert not any(t.startswith("F.") for t in found)


def test_monthly_list_target_tags_and_version_deltas() -> None:
    tracker = read(MONTHLY)
    by_title = {it.text: it for it in tracker.items}
    console = by_title["console: buffer input per domain"]
    assert console.tags == ("5.2",)
    assert console.owners == ("Eva Lind",)
    assert console.version == "v3"
    sched = by_title["sched: core scheduling for the null scheduler"]
    assert sched.tags == ("5.2?",)
    # "(v8 -> v9)": the series is at v9 now
    assert (sched.status, sched.version) == (Status.PATCHES_POSTED, "v9")
    assert by_title["Remove the shadow paging fallback"].tags == ("next-rel(s)",)


def test_the_senders_change_log_is_no_list_of_items() -> None:
    found = titles(read(MONTHLY))
    assert len(found) == 3
    assert not any(t.rstrip(":") in ("x86", "Arm") for t in found)
    assert "vPMU: drop the legacy MSR interface." not in found


def test_a_monthly_list_names_its_release_not_a_past_one() -> None:
    text = MONTHLY.replace("[since Mar 3 - Apr 7]", "[since 5.1 release - Apr 7]")
    assert read(text).release == "5.2"


COMPLETED = """\
= Projects =

== Hypervisor ==

* Page allocator scrubbing rework (v4)
\u00a0 -\u00a0 Ana Ruiz

== Completed ==

=== x86 ===

* vPMU: drop the legacy MSR interface
\u00a0 -\u00a0 Bo Chen

=== RISC-V ===

* Some early boot calls:
\u00a0 -\u00a0 Carl Berg
\u00a0 - https://lore.example.org/dev/20300105000000.6666-1-carl.berg@example.com/
"""


def test_items_under_a_completed_heading_and_its_parts_are_done() -> None:
    by_title = {it.text: it for it in read(COMPLETED).items}
    assert by_title["Page allocator scrubbing rework"].status is Status.PATCHES_POSTED
    assert by_title["vPMU: drop the legacy MSR interface"].status is Status.DONE
    # a bullet that ends in a colon is an item, not a heading
    early = next(it for it in read(COMPLETED).items if it.text.startswith("Some early boot"))
    assert (early.status, early.owners) == (Status.DONE, ("Carl Berg",))


DIFF_STYLE = """\
Second edition; new lines are marked with a + in the first column.

== Hypervisor ==

*  Page allocator scrubbing rework (v4)
   -  Ana Ruiz
+  *  Guest trace buffers (v2)
+     -  Hana Berg

+ Freeze exceptions for small fixes will be considered, but
+ large series should not count on one.

== Tools ==

+ *  Drop the old xenstore client
"""


def test_change_markers_of_a_diff_style_edition_are_not_items() -> None:
    by_title = {it.text: it for it in read(DIFF_STYLE).items}
    assert set(by_title) == {
        "Page allocator scrubbing rework",
        "Guest trace buffers",
        "Drop the old xenstore client",
    }
    assert by_title["Guest trace buffers"].owners == ("Hana Berg",)
