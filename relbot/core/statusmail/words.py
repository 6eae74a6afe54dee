"""The default vocabulary of status mails: status phrases, prognosis words, and
capitalised or bracketed words that are never a name or a tag.

The ``[import]`` config can replace each list (``OutlineHints``).
"""

from __future__ import annotations

#: phrase -> status. A parenthesised segment that equals a phrase or starts
#: with one ("DONE with no action required") gives the item that status.
DEFAULT_STATUS_WORDS: tuple[tuple[str, str], ...] = (
    ("patches posted", "patches posted"),
    ("patches sent", "patches posted"),
    ("patch posted", "patches posted"),
    ("patch sent", "patches posted"),
    ("posted", "patches posted"),
    ("in progress", "in progress"),
    ("wip", "in progress"),
    ("partly done", "partly done"),
    ("partially done", "partly done"),
    ("partial", "partly done"),
    ("at risk", "at risk"),
    ("stuck", "at risk"),
    ("done", "done"),
    ("fixed", "done"),
    ("merged", "done"),
    ("committed", "done"),
    ("deferred", "deferred"),
    ("defer", "deferred"),
    ("dropped", "dropped"),
    ("wontfix", "dropped"),
)

#: the 2013 mails' one-word prognosis; kept as the status note ("done" is a
#: status word as well, so it still closes the item)
DEFAULT_PROGNOSIS_WORDS: tuple[str, ...] = (
    "none",
    "very poor",
    "poor",
    "fair",
    "ok",
    "good",
    "very good",
    "excellent",
    "ready",
    "not started",
    "done",
)

#: capitalised words that open a sentence, not a name: "(So, DONE ...)"
DEFAULT_NOT_NAMES: tuple[str, ...] = (
    "So",
    "The",
    "This",
    "That",
    "These",
    "It",
    "Not",
    "No",
    "Nothing",
    "None",
    "Yes",
    "Maybe",
    "See",
    "Also",
    "Needs",
    "Need",
    "TBD",
    "TODO",
    "WIP",
    "RFC",
    "DONE",
    "Done",
    "External",
    "Optional",
    "Deferred",
    "Dropped",
    "Fixed",
    "Merged",
    "Posted",
    "Partial",
    "Unknown",
    "Nobody",
    "Anyone",
    "Someone",
    "Volunteer",
    "Volunteers",
    "I",
    "We",
)

#: bracketed words that open a patch subject, not a tag: "[PATCH] xen/arm: ..."
DEFAULT_NOT_TAGS: tuple[str, ...] = ("PATCH", "RFC", "PULL", "GIT", "RESEND")

#: headings whose open items wait for a later release ("Dropped / Deferred:");
#: read before ``DROPPED_SECTIONS``, so a heading naming both defers
DEFERRED_SECTIONS: tuple[str, ...] = ("deferred", "postponed", "next release")

#: headings whose open items are no longer tracked
DROPPED_SECTIONS: tuple[str, ...] = ("dropped", "abandoned", "cancelled", "removed")

#: header words and the item field their column holds
DEFAULT_TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("item", "text"),
    ("items", "text"),
    ("title", "text"),
    ("feature", "text"),
    ("features", "text"),
    ("description", "text"),
    ("subject", "text"),
    ("task", "text"),
    ("work item", "text"),
    ("owner", "owners"),
    ("owners", "owners"),
    ("who", "owners"),
    ("assignee", "owners"),
    ("assignees", "owners"),
    ("status", "status"),
    ("state", "status"),
    ("progress", "status"),
    ("link", "links"),
    ("links", "links"),
    ("url", "links"),
    ("series", "links"),
    ("patches", "links"),
    ("notes", "notes"),
    ("note", "notes"),
    ("comments", "notes"),
    ("comment", "notes"),
    ("remarks", "notes"),
)
