"""Reading one timeline line into a milestone, and its words into a date.

The list's timelines come in several hands (REPLIES.md):
``19 March        -- TODO list locked down`` (2012), ``* Feature freeze: 25
March 2013`` (2013), ``* Last posting date: September 13th, 2019``,
``* Last posting date: Fri Jun 28, 2024``, ``Release: Week of Jul 29, 2024``,
ISO dates, tables ``| 2024-06-21 | Feature freeze |``, and columns set apart
by runs of spaces ``Friday 15th January    Last posting date  [PASSED]`` /
``Feature freeze      Fri Sep 2, 2022   (DONE)``. Which side is the
date is decided by which side reads as one, not by the order.
"""

from __future__ import annotations

import datetime as dt
import re

from relbot.core.statusmail.outline import OutlineMilestone

_MONTHS = {
    name: i + 1
    for i, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_ARROW = re.compile(r"^(\S.*?)\s+--+>?\s+(\S.*)$")
_COLON = re.compile(r"^\s*(?:[*•-]\s+)?([^:|]{2,60}?):\s+(\S.*)$")
#: a line of table-rule characters with a dash in it ("|---|:--:|", "+-----+")
_TABLE_RULE = re.compile(r"^(?=[\s:|+=]*+-)[\s:|+=-]*+$")
_WEEKDAY = re.compile(
    r"(?i)^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|rsday|urday)?"
    r"\.?,?\s+"
)
_LEAD = re.compile(r"(?i)^(?:the\s+)?(?:week\s+of|w/c|around|about|approx\.?|~|by|on|from)\s+")
_REMARK = re.compile(r"(?:\[[^\[\]]*+\]|\([^()]*+\))\s*+$")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_MONTH = re.compile(
    r"(?i)(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([a-z]{3,9})\.?,?(?:\s+(\d{4}))?"
)
_MONTH_DAY = re.compile(r"(?i)([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?(?:\s+(\d{4}))?")
_YEAR = re.compile(r"\b(20\d\d|19\d\d)\b")
_GAP = re.compile(r"\s{2,}")
_BULLET = re.compile(r"^[*•-]\s+")


def milestone_date(when: str, year: int | None) -> dt.date | None:
    """ "19 March", "March 19", "Fri Jun 28, 2024", "Week of Jul 29", "2013-03-25"."""
    text = when.strip().rstrip(".!")
    if len(text) > 80:
        return None  # a sentence, not a date
    for _ in range(3):
        text = _REMARK.sub("", _LEAD.sub("", _WEEKDAY.sub("", text))).strip()
    m = _ISO.fullmatch(text)
    if m:
        return _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _DAY_MONTH.fullmatch(text)
    if m:
        day, month, yr = m.group(1), m.group(2), m.group(3)
    else:
        m = _MONTH_DAY.fullmatch(text)
        if not m:
            return None
        month, day, yr = m.group(1), m.group(2), m.group(3)
    number = _MONTHS.get(month[:3].lower())
    the_year = int(yr) if yr else year
    if number is None or the_year is None:
        return None
    return _date(the_year, number, int(day))


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def mail_year(whens: list[str]) -> int | None:
    """The year the timeline writes out somewhere, for its dates that leave it out."""
    for when in whens:
        m = _YEAR.search(when)
        if m:
            return int(m.group(1))
    return None


def is_table_chrome(text: str) -> bool:
    """A table's rule (``|----|----|``) or its header (``| Date | Milestone |``)."""
    if _TABLE_RULE.match(text):
        return True
    cells = _cells(text)
    return bool(cells) and all(
        c.lower() in ("date", "dates", "when", "milestone", "milestones", "event", "what", "")
        for c in cells
    )


def _cells(text: str) -> list[str]:
    stripped = text.strip()
    if not stripped.startswith("|"):
        return []
    return [c.strip() for c in stripped.strip("|").split("|")]


def read_milestone(text: str, year: int | None) -> tuple[str, str] | None:
    """(when, label) of one timeline line, or None when it is no milestone."""
    cells = [c for c in _cells(text) if c]
    if len(cells) >= 2:
        return _oriented(cells[0], " ".join(cells[1:]), year)
    m = _ARROW.match(text.strip())
    if m:
        return _oriented(m.group(1).strip(), m.group(2).strip(), year)
    m = _COLON.match(text)
    if m is None:
        return _columns(text, year)
    label, value = m.group(1).strip(), m.group(2).strip()
    bulleted = text.lstrip()[:1] in ("*", "-", "•") and len(value) <= 30
    if not (bulleted or re.search(r"\d", value) or re.search(r"\d", label)):
        return None
    when, what = _oriented(value, label, year)
    if not (bulleted or re.search(r"\d", when)):
        return None
    return when, what


def _oriented(when: str, label: str, year: int | None) -> tuple[str, str]:
    """Swap the sides when the label is the one that reads as a date."""
    if milestone_date(when, year or 2000) is None and milestone_date(label, year or 2000):
        return label, when
    return when, label


def _columns(text: str, year: int | None) -> tuple[str, str] | None:
    """A date and a label in columns; ``[PASSED]`` / ``(DONE)`` / ``(probably Tuesday)``
    remarks are left out of the label."""
    cols = [c for c in _GAP.split(_BULLET.sub("", text.strip())) if c]
    cols = [c for c in cols if not _REMARK.fullmatch(c)]
    if not 2 <= len(cols) <= 4:
        return None
    for i, col in enumerate(cols):
        if milestone_date(col, year or 2000) is not None:
            label = _REMARK.sub("", " ".join((*cols[:i], *cols[i + 1 :]))).strip()
            return (col, label) if label else None
    return None


def strip_marker(text: str, marker_words: tuple[str, ...]) -> tuple[str, bool]:
    """The line without a trailing "<< WE ARE HERE", and whether it had one."""
    low = text.lower()
    for words in marker_words:
        at = low.find(words.lower())
        if at >= 0:
            head = re.sub(r"(?<![<=>\-\s])[<=>\-\s]*+$", "", text[:at])
            return head.rstrip(), True
    return text, False


def dated_milestones(milestones: list[OutlineMilestone], year: int) -> list[OutlineMilestone]:
    """Dates written without a year take the one the timeline writes elsewhere."""
    return [
        m if m.date else OutlineMilestone(m.when, m.label, milestone_date(m.when, year), m.line)
        for m in milestones
    ]
