"""The week's mail as values the template places: render options, the views of items,
sections and the whole mail, and wrapping with a hanging indent.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """How the mail looks: the ``[render]`` config keys."""

    width: int = 72
    item_ids: bool = False
    call_for_volunteers: bool = False
    #: sections whose unclaimed items are listed (substrings of the key)
    volunteer_sections: tuple[str, ...] = ("blocker",)
    #: how "changes since" names the last mail, e.g. "16 April 2012"
    changes_label: str = ""
    #: heads the list of unclaimed items; its first words should be one of
    #: the importer's ``skip_blocks`` so a re-import leaves the list out
    volunteer_text: str = "Volunteers wanted for these unclaimed items:"
    #: show the events after this time as "changes since last week"
    changes_since: dt.datetime | None = None
    #: ``{title}`` and ``{key}`` are the section's
    heading_style: str = "{title}:"
    #: the lines under "-- " at the end; none: no signature
    signature: tuple[str, ...] = ()
    greeting: str = "Plan for a {release} release:"
    timeline_intro: str = "The time line is as follows:"
    marker: str = "<< WE ARE HERE"
    #: column of a marker on its own line; -1 puts it at the end of the milestone
    marker_column: int = 55
    #: columns before a top-level bullet, and per nesting level
    indent: int = 6
    step: int = 8
    #: how long a done or dropped item stays in the mail
    done_days: int = 7
    #: keep the RM's own line breaks while an item is unchanged
    keep_layout: bool = True
    #: most lines per person in the changes part
    max_changes: int = 20


@dataclass(frozen=True, slots=True)
class ItemView:
    id: str
    depth: int
    text: str
    owners: tuple[str, ...]
    status: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SectionView:
    key: str
    heading: str
    items: tuple[ItemView, ...]
    #: the section's free paragraphs, each a tuple of lines
    notes: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class StatusView:
    release: str
    preamble: tuple[str, ...]
    timeline: tuple[str, ...]
    intro: tuple[tuple[str, ...], ...]
    changes_heading: str
    changes: tuple[str, ...]
    volunteers: tuple[str, ...]
    sections: tuple[SectionView, ...]
    footnotes: tuple[str, ...]
    closing: tuple[str, ...]


def wrap_hanging(text: str, first: str, rest: str, width: int) -> list[str]:
    return textwrap.wrap(
        text,
        width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first.rstrip()]
