"""Whether this week's mail would go out now, and if not, why: one rule for `send`,
`run`, `run --once` and `send --dry-run`.

Nothing here changes anything: the verdict is read from the week's outbox row,
the clock and the config, so a dry run can say what a real send would do.
"""

from __future__ import annotations

import datetime as dt

from relbot.core.settings import Config
from relbot.service.draft import Outcome, SendResult, result_for
from relbot.service.outbox import OutboxRow, State
from relbot.service.weeks import describe_time, week_of

#: verdicts after which the release managers get the draft first
PREVIEW_FIRST = frozenset({Outcome.AWAITING_APPROVAL, Outcome.PREVIEW_LATE})


def send_verdict(
    config: Config, row: OutboxRow | None, now: dt.datetime, slot: dt.datetime, *, force: bool
) -> SendResult | None:
    """Why ``slot``'s week would not go out at ``now``; None when it would.

    ``row`` is the week's outbox row (None: not rendered yet). Without
    ``force`` a slot more than ``misfire_grace_hours`` ago is not sent late,
    a failed mail is not retried, and with ``review = "preview"`` a draft
    whose preview never went out waits for a release manager; ``force``
    (``relbot send --now``) overrides all three. Held mail and, with
    ``review = "approve"``, unapproved mail never go. A row that is
    ``sending`` is not judged here: it is looked for on the list first.
    """
    week = week_of(slot, config.schedule)
    if row is not None and row.state is State.SENT:
        when = describe_time(row.sent_at, config.schedule) if row.sent_at else "earlier"
        return result_for(Outcome.ALREADY_SENT, row, f"{week}: already sent {when}")
    late = now - slot
    past_grace = late > dt.timedelta(hours=config.schedule.misfire_grace_hours) and not force
    if row is None and past_grace:
        return missed(week, slot, late, config)
    if row is not None and row.state is State.HELD:
        return result_for(Outcome.HELD, row, f"{week}: held; `relbot approve {week}` releases it")
    if row is not None and row.state is State.FAILED and not force:
        return result_for(
            Outcome.FAILED, row, f"{week}: failed ({row.error}); `relbot send --now` retries"
        )
    if row is not None and row.state is not State.DRAFT:
        return None
    mid = row.message_id if row is not None else ""
    review = config.schedule.review
    if review == "approve":
        detail = f"{week}: waiting for a release manager: `relbot approve {week}`"
        return SendResult(Outcome.AWAITING_APPROVAL, week, mid, detail)
    if past_grace:
        return missed(week, slot, late, config)
    previewed = row is not None and row.preview_sent
    if review == "preview" and not previewed and not force and config.people.release_managers:
        detail = (
            f"{week}: its preview did not go out before the send time, so the mail is held "
            f"and the release managers get the preview now; `relbot approve {week}` sends it"
        )
        return SendResult(Outcome.PREVIEW_LATE, week, mid, detail)
    return None


def missed(week: str, slot: dt.datetime, late: dt.timedelta, config: Config) -> SendResult:
    """The verdict on a week past its misfire grace."""
    hours = late.total_seconds() / 3600
    detail = (
        f"{week}: the mail was due {describe_time(slot, config.schedule)}, {hours:.1f} h ago, "
        f"past misfire_grace_hours = {config.schedule.misfire_grace_hours:g}; "
        "`relbot send --now` sends it late"
    )
    return SendResult(Outcome.MISSED, week, detail=detail)
