"""The week's mail as a draft: what a send or a preview produces (``SendResult``), the
mail rendered from the tracker for a slot's week, a draft rendered again just before it
goes, and the ``weekly-send`` lease that lets one relbot process at a time act on the
outbox.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from relbot.core.compose import (
    MailSettings,
    blocker_owner_addresses,
    compose_status,
    message_bytes,
    status_message_id,
    subject_line,
)
from relbot.core.settings import Config
from relbot.service.outbox import Outbox, OutboxRow
from relbot.service.statusmail import render_week
from relbot.service.weeks import week_of
from relbot.service.wiring import Service

LEASE = "weekly-send"
#: longer than any send with the transport's retries; a crashed holder's
#: lease runs out after this (on the same host it is taken over at once:
#: relbot.service.lease)
LEASE_TTL = dt.timedelta(minutes=15)


class Outcome(StrEnum):
    SENT = "sent"
    #: after a crash: the mail was already on the list, so it was not resent
    FOUND_ON_LIST = "found on the list"
    ALREADY_SENT = "already sent"
    PREVIEWED = "previewed"
    NOT_DUE = "not due"
    MISSED = "missed"
    HELD = "held"
    AWAITING_APPROVAL = "awaiting approval"
    #: review = "preview" and the preview never went out: held, previewed now
    PREVIEW_LATE = "preview late"
    RETRY_LATER = "retry later"
    #: an interrupted send that is not on the list yet, tried too recently to
    #: send again (``[mail] resend_after_minutes``)
    WAITING_FOR_LIST = "waiting for the list"
    #: the connection was lost after the whole mail went out: it stays
    #: ``sending`` and is looked for on the list before any second attempt
    UNCERTAIN = "uncertain"
    FAILED = "failed"
    BUSY = "busy"
    DRY_RUN = "dry run"


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: Outcome
    week: str
    message_id: str = ""
    #: one line for the log and the command line
    detail: str = ""
    #: where the file transport wrote the mail
    path: Path | None = None


def mail_settings(config: Config) -> MailSettings:
    m = config.mail
    return MailSettings(
        from_addr=m.from_addr,
        to=m.to,
        domain=m.message_id_domain,
        cc=m.cc,
        reply_to=m.reply_to,
        subject=m.subject,
        threading=m.threading,
    )


def build_week_mail(service: Service, now: dt.datetime, slot: dt.datetime) -> EmailMessage:
    """The status mail for ``slot``'s week, rendered from the tracker as of ``now``."""
    config = service.config
    zone = ZoneInfo(config.schedule.timezone)
    week = week_of(slot, config.schedule)
    tracker = service.tracker()
    release = tracker.release or config.release.name
    settings = mail_settings(config)
    text = render_week(service, today=now.astimezone(zone).date(), now=now)
    subject = subject_line(
        config.mail.subject,
        {
            "release": release,
            "next_release": tracker.next_release or config.release.next_release,
            "date": slot.astimezone(zone).date().isoformat(),
            "week": week,
        },
    )
    message_id = status_message_id(release, week, settings)
    floor = dt.datetime.min.replace(tzinfo=dt.UTC)
    earlier = sorted(tracker.status_mails, key=lambda m: m.date or floor)
    previous = [m.message_id for m in earlier if m.message_id != message_id]
    extra_cc: tuple[str, ...] = ()
    if config.mail.cc_blocker_owners:
        extra_cc = blocker_owner_addresses(tracker, config.people.aliases)
    return compose_status(
        text,
        settings=settings,
        subject=subject,
        date=now,
        message_id=message_id,
        previous_ids=previous,
        extra_cc=extra_cc,
        week=week,
    )


def refresh_draft(
    service: Service, outbox: Outbox, row: OutboxRow, now: dt.datetime, slot: dt.datetime
) -> OutboxRow:
    """Render a draft again just before it goes: the mail shows the latest state."""
    msg = build_week_mail(service, now, slot)
    if str(msg["Message-ID"]).strip("<>") != row.message_id:
        # the release name changed since the draft: keep the id the row has
        del msg["Message-ID"]
        msg["Message-ID"] = f"<{row.message_id}>"
    outbox.update_draft(row.week, raw=message_bytes(msg), subject=str(msg["Subject"]))
    return outbox.get(row.week) or row


def result_for(
    outcome: Outcome, row: OutboxRow, detail: str, path: Path | None = None
) -> SendResult:
    """The result of acting on ``row``."""
    return SendResult(outcome, row.week, row.message_id, detail, path)
