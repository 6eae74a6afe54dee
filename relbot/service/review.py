"""Review before the weekly mail goes out: the preview to the release managers.

``[schedule] review``: ``auto`` sends on time with no preview; ``preview``
mails the draft privately to the release managers ``preview_hours`` ahead
and it goes out on time unless one of them holds it (``relbot hold``, or
``#relbot hold`` in a reply to the preview); ``approve`` mails the draft
and sends only after ``relbot approve`` or an RM's ``#relbot approve``.
The preview shows a diff against last week's mail. Holding and approving
move the week's outbox row (``relbot.service.outbox``); the send itself is
``relbot.service.weekly``'s, which tells the release managers here when the list
refuses a mail for good.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Literal

from relbot.core.compose import (
    addr_specs,
    compose_notice,
    compose_preview,
    draft_text,
    message_bytes,
    parse_message,
)
from relbot.errors import RelbotError
from relbot.service.draft import (
    LEASE,
    LEASE_TTL,
    Outcome,
    SendResult,
    build_week_mail,
    mail_settings,
    refresh_draft,
    result_for,
)
from relbot.service.lease import lease_holder, take_lease
from relbot.service.outbox import Outbox, OutboxRow, State
from relbot.service.weeks import describe_time, next_slot, week_of
from relbot.service.wiring import Service

log = logging.getLogger("relbot.service.review")


def preview_weekly(service: Service, now: dt.datetime) -> SendResult:
    """Mail the next week's draft to the release managers once it is ``preview_hours`` away."""
    schedule = service.config.schedule
    slot = next_slot(now, schedule)
    week = week_of(slot, schedule)
    if schedule.review == "auto":
        return SendResult(Outcome.NOT_DUE, week, detail='review = "auto": no preview')
    opens = slot - dt.timedelta(hours=schedule.preview_hours)
    if now < opens:
        return SendResult(
            Outcome.NOT_DUE, week, detail=f"{week}: preview at {describe_time(opens, schedule)}"
        )
    holder = lease_holder()
    if not take_lease(service.store, LEASE, holder, now=now, ttl=LEASE_TTL):
        return SendResult(Outcome.BUSY, week, detail=f"{week}: another relbot process is sending")
    try:
        row = draft_for(service, now, slot)
        if row.preview_sent:
            return result_for(Outcome.NOT_DUE, row, f"{week}: preview already sent")
        if row.state not in (State.DRAFT, State.HELD, State.APPROVED):
            return result_for(Outcome.NOT_DUE, row, f"{week}: {row.state.value}, no preview needed")
        return send_preview(service, row, now, slot)
    finally:
        service.store.release_lease(LEASE, holder)


def draft_for(service: Service, now: dt.datetime, slot: dt.datetime) -> OutboxRow:
    """The outbox row for ``slot``'s week; a fresh draft is rendered again."""
    outbox = Outbox(service.store)
    week = week_of(slot, service.config.schedule)
    row = outbox.get(week)
    if row is None:
        msg = build_week_mail(service, now, slot)
        return outbox.create(
            week=week,
            message_id=str(msg["Message-ID"]).strip("<>"),
            subject=str(msg["Subject"]),
            raw=message_bytes(msg),
            state=State.DRAFT,
            now=now,
            send_at=slot,
        )
    if row.state is State.DRAFT:
        return refresh_draft(service, outbox, row, now, slot)
    return row


def send_preview(
    service: Service, row: OutboxRow, now: dt.datetime, slot: dt.datetime
) -> SendResult:
    """Mail ``row``'s draft, with a diff against last week's, to the release managers."""
    config = service.config
    managers = config.people.release_managers
    outbox = Outbox(service.store)
    if not managers:
        log.warning("%s: no [people] release_managers to preview the mail to", row.week)
        outbox.mark_previewed(row.week)
        return result_for(Outcome.PREVIEWED, row, f"{row.week}: nobody to preview to")
    review: Literal["preview", "approve"] = (
        "approve" if config.schedule.review == "approve" else "preview"
    )
    preview = compose_preview(
        parse_message(row.raw),
        previous_text=previous_text(service, row.week),
        settings=mail_settings(config),
        to=managers,
        date=now,
        send_at=describe_time(slot, config.schedule),
        review=review,
        week=row.week,
    )
    sender = addr_specs([config.mail.from_addr])
    try:
        service.transport.send(
            preview, envelope_from=sender[0] if sender else "", recipients=addr_specs(managers)
        )
    except RelbotError as exc:  # a DeliveryError, or no password for the transport
        log.warning("%s: the preview could not be sent: %s", row.week, exc)
        outbox.note_error(row.week, f"preview not sent: {exc}")  # `relbot status` shows it
        return result_for(Outcome.RETRY_LATER, row, f"{row.week}: preview not sent: {exc}")
    if row.error.startswith("preview not sent"):
        outbox.note_error(row.week, "")
    outbox.mark_previewed(row.week)
    return result_for(Outcome.PREVIEWED, row, f"{row.week}: preview sent to {', '.join(managers)}")


def previous_text(service: Service, week: str) -> str:
    """The body of the last mail before ``week``: ours, or the imported one."""
    last = Outbox(service.store).last_sent(before_week=week)
    if last is not None:
        return draft_text(parse_message(last.raw))
    floor = dt.datetime.min.replace(tzinfo=dt.UTC)
    mails = sorted(service.tracker().status_mails, key=lambda m: m.date or floor)
    for mail in reversed(mails):
        raw = service.store.message_raw(mail.message_id)
        if raw:
            return draft_text(parse_message(raw))
    return ""


# -- a refused mail --------------------------------------------------------------------


def tell_refused(service: Service, row: OutboxRow, error: str, now: dt.datetime) -> None:
    """Tell the release managers that the week's mail was refused for good."""
    config = service.config
    managers = config.people.release_managers
    if not managers:
        return
    text = (
        f"The status mail for {row.week} (<{row.message_id}>) was refused:\n\n"
        f"  {error}\n\n"
        "It stays in relbot's outbox. Fix the cause, then run `relbot send --now`.\n"
    )
    notice = compose_notice(
        settings=mail_settings(config),
        to=managers,
        date=now,
        subject=f"[relbot] the {row.week} status mail was not sent",
        text=text,
    )
    sender = addr_specs([config.mail.from_addr])
    try:
        service.transport.send(
            notice, envelope_from=sender[0] if sender else "", recipients=addr_specs(managers)
        )
    except RelbotError as exc:  # a DeliveryError, or no password for the transport
        log.error("%s: could not tell the release managers either: %s", row.week, exc)
