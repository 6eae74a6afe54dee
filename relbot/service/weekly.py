"""The weekly post: render and send each week's mail exactly once.

The protocol, in order:

1. Only the holder of the ``weekly-send`` lease sends, so two relbot
   processes on one database never both do.
2. The week's outbox row (week key, Message-ID, the whole message) is
   committed before anything talks to SMTP, and the row is moved to
   ``sending`` (committed) just before the hand-over.
3. Accepted: the row becomes ``sent`` and the mail is recorded as a
   STATUS_MAIL event (replies to it are recognised; its Message-ID joins the
   thread set) and as an outgoing message, in one transaction.
4. A row found in ``sending`` means a crash during the hand-over: the watched
   folder is searched for its Message-ID first, and the mail is sent again
   only when it is not there and the last attempt is older than
   ``[mail] resend_after_minutes`` (a slow or moderated list shows it late).
5. 4xx (after the transport's own retries): back to draft, tried again at
   the next tick. 5xx: ``failed``, logged, and the release managers told.
   The connection lost after the whole mail went out: the list may have it,
   so the row stays ``sending`` and step 4 decides, as after a crash.

Review: ``auto`` sends on time; ``preview`` (``relbot.service.review``) mails the
draft to the release managers ``preview_hours`` ahead and sends on time
unless held; ``approve`` sends only an approved mail.
"""

from __future__ import annotations

import datetime as dt
import logging

from relbot.core.compose import addr_specs, message_bytes, parse_message
from relbot.core.settings import Config
from relbot.core.tracker.events import Event, Kind
from relbot.edges.transport import FileTransport
from relbot.errors import DeliveryError, RelbotError
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
from relbot.service.outbox import Outbox, OutboxRow, State, reached_list
from relbot.service.review import send_preview, tell_refused
from relbot.service.verdict import PREVIEW_FIRST, send_verdict
from relbot.service.weeks import describe_time, latest_slot, week_of
from relbot.service.wiring import Service, person_name

log = logging.getLogger("relbot.service.weekly")

# -- sending --------------------------------------------------------------------


def send_weekly(
    service: Service, now: dt.datetime, *, force: bool = False, dry_run: bool = False
) -> SendResult:
    """Send this week's mail if it is due and has not gone out.

    "This week" is the latest send slot at or before ``now``. Without
    ``force`` a slot more than ``misfire_grace_hours`` ago is not sent late,
    a failed mail is not retried, and with ``review = "preview"`` a mail whose
    preview never went out is held for a release manager instead; ``force``
    (``relbot send --now``) does all three (``relbot.service.verdict``).
    Held mail and, with ``review = "approve"``, unapproved mail never go.
    ``dry_run`` writes the mail to ``<outbox_dir>/dry-run/``, says what a
    real send would do, and records nothing.
    """
    schedule = service.config.schedule
    slot = latest_slot(now, schedule)
    week = week_of(slot, schedule)
    if dry_run:
        return _dry_run(service, now, slot, week, force=force)
    holder = lease_holder()
    if not take_lease(service.store, LEASE, holder, now=now, ttl=LEASE_TTL):
        return SendResult(Outcome.BUSY, week, detail=f"{week}: another relbot process is sending")
    try:
        return _send_locked(service, now, slot, week, force=force)
    finally:
        service.store.release_lease(LEASE, holder)


def _send_locked(
    service: Service, now: dt.datetime, slot: dt.datetime, week: str, *, force: bool
) -> SendResult:
    config = service.config
    outbox = Outbox(service.store)
    for stale in outbox.rows():
        if stale.state is State.SENDING and stale.week != week:
            _recover(service, stale, now, resend_allowed=False)
    row = outbox.get(week)
    if row is not None and row.state is State.SENDING:
        recovered = _recover(service, row, now, resend_allowed=True)
        if recovered is not None:
            return recovered
        if not outbox.count_attempt(week, now):
            return result_for(Outcome.BUSY, row, f"{week}: changed while sending began")
        return _deliver(service, row, now, back_to=_ready_state(config))
    verdict = send_verdict(config, row, now, slot, force=force)
    if verdict is not None and verdict.outcome not in PREVIEW_FIRST:
        if verdict.outcome is Outcome.MISSED:
            log.warning("%s", verdict.detail)
        return verdict
    if row is None:
        msg = build_week_mail(service, now, slot)
        row = outbox.create(
            week=week,
            message_id=str(msg["Message-ID"]).strip("<>"),
            subject=str(msg["Subject"]),
            raw=message_bytes(msg),
            state=State.DRAFT,
            now=now,
            send_at=slot,
        )
    if verdict is not None:
        return _preview_first(service, row, verdict, now, slot)
    if row.state is State.DRAFT:
        row = refresh_draft(service, outbox, row, now, slot)
    if not outbox.start_sending(week, row.state, now):
        current = outbox.get(week)
        state = current.state.value if current else "gone"
        return result_for(Outcome.BUSY, row, f"{week}: changed while sending began (now {state})")
    back = State.DRAFT if row.state is State.DRAFT else State.APPROVED
    return _deliver(service, row, now, back_to=back)


def _preview_first(
    service: Service, row: OutboxRow, verdict: SendResult, now: dt.datetime, slot: dt.datetime
) -> SendResult:
    """Mail the draft to the release managers (once); a late preview also holds the mail."""
    if row.state is not State.DRAFT:  # another process moved it on meanwhile
        return send_verdict(service.config, row, now, slot, force=False) or verdict
    if not row.preview_sent:
        preview = send_preview(service, row, now, slot)
        if preview.outcome is not Outcome.PREVIEWED:
            return preview
    if verdict.outcome is Outcome.PREVIEW_LATE:
        Outbox(service.store).move(row.week, State.HELD, only_from=frozenset({State.DRAFT}))
        log.warning("%s", verdict.detail)
    return result_for(verdict.outcome, row, verdict.detail)


def _ready_state(config: Config) -> State:
    return State.APPROVED if config.schedule.review == "approve" else State.DRAFT


def _deliver(service: Service, row: OutboxRow, now: dt.datetime, *, back_to: State) -> SendResult:
    """Hand a row that is ``sending`` (committed) to the transport, then record the answer."""
    outbox = Outbox(service.store)
    msg = parse_message(row.raw)
    settings = mail_settings(service.config)
    recipients = addr_specs([*msg.get_all("To", []), *msg.get_all("Cc", [])])
    sender = addr_specs([settings.from_addr])
    try:
        transport = service.transport
    except RelbotError as exc:
        # nothing reached a server (no password, say): a plain failure that
        # `relbot status` shows and `relbot send --now` retries at once
        outbox.move(row.week, State.FAILED, only_from=frozenset({State.SENDING}), error=str(exc))
        log.error("%s: the status mail was not sent: %s", row.week, exc)
        return result_for(Outcome.FAILED, row, f"{row.week}: not sent: {exc}")
    try:
        transport.send(msg, envelope_from=sender[0] if sender else "", recipients=recipients)
    except DeliveryError as exc:
        if exc.uncertain:
            outbox.note_error(row.week, str(exc))
            log.warning("%s: %s", row.week, exc)
            return result_for(
                Outcome.UNCERTAIN,
                row,
                f"{row.week}: may be on the list already ({exc}); "
                "it is looked for there before it is sent again",
            )
        if exc.permanent:
            outbox.move(
                row.week, State.FAILED, only_from=frozenset({State.SENDING}), error=str(exc)
            )
            log.error("%s: the status mail was refused and stays in the outbox: %s", row.week, exc)
            tell_refused(service, row, str(exc), now)
            return result_for(Outcome.FAILED, row, f"{row.week}: refused: {exc}")
        outbox.move(row.week, back_to, only_from=frozenset({State.SENDING}), error=str(exc))
        log.warning("%s: not sent this time, will retry: %s", row.week, exc)
        return result_for(Outcome.RETRY_LATER, row, f"{row.week}: not sent yet: {exc}")
    record_sent(service, row, now)
    path = transport.last_path if isinstance(transport, FileTransport) else None
    where = f" (written to {path})" if path else ""
    log.info("%s: sent <%s> to %s%s", row.week, row.message_id, ", ".join(recipients), where)
    return result_for(
        Outcome.SENT, row, f"{row.week}: sent <{row.message_id}> to {', '.join(recipients)}", path
    )


def record_sent(service: Service, row: OutboxRow, now: dt.datetime) -> None:
    """Mark the row sent and make the mail a status mail of the tracker, together."""
    msg = parse_message(row.raw)
    date = msg["Date"].datetime if msg["Date"] is not None else now
    store = service.store
    with store.transaction() as conn:
        Outbox(store).move(
            row.week, State.SENT, only_from=frozenset({State.SENDING}), conn=conn, sent_at=now
        )
        if store.tracker(conn).status_mail(row.message_id) is None:
            count = len(store.events(conn))
            event = Event(
                Kind.STATUS_MAIL,
                at=now,
                actor=person_name(service.config.mail.from_addr),
                source=row.message_id,
                data={
                    "message_id": row.message_id,
                    "subject": str(msg["Subject"] or ""),
                    "date": date.isoformat(),
                    "event_count": count + 1,
                    "week": row.week,
                },
            )
            store.append_events(conn, [event])
        store.record_message(
            conn,
            message_id=row.message_id,
            raw=row.raw,
            state="outgoing",
            at=now,
            origin=f"outbox:{row.week}",
            subject=str(msg["Subject"] or ""),
            from_addr=",".join(addr_specs([service.config.mail.from_addr])),
        )


# -- after a crash ------------------------------------------------------------------


def _recover(
    service: Service, row: OutboxRow, now: dt.datetime, *, resend_allowed: bool
) -> SendResult | None:
    """A row left in ``sending``: sent if the list has it; None when it may be resent."""
    try:
        found = reached_list(service, row.message_id)
    except RelbotError as exc:
        log.warning("%s: cannot check the list for <%s>: %s", row.week, row.message_id, exc)
        return result_for(
            Outcome.RETRY_LATER,
            row,
            f"{row.week}: a send was interrupted and the list cannot be checked ({exc}); "
            "not sending again until it can",
        )
    if found:
        log.info("%s: <%s> is already on the list; not sending it again", row.week, row.message_id)
        record_sent(service, row, now)
        return result_for(
            Outcome.FOUND_ON_LIST, row, f"{row.week}: already on the list, not resent"
        )
    resend_at = _resend_at(service.config, row)
    if resend_at is not None and now < resend_at:
        # a slow or moderated list may still deliver it: another copy now
        # would make two
        when = describe_time(resend_at, service.config.schedule)
        detail = (
            f"{row.week}: an interrupted send of <{row.message_id}> is not on the list yet; "
            f"not sending it again before {when} "
            f"([mail] resend_after_minutes = {service.config.mail.resend_after_minutes:g})"
        )
        log.info("%s", detail)
        return result_for(Outcome.WAITING_FOR_LIST, row, detail)
    if not resend_allowed:
        note = "interrupted while sending and not found on the list"
        Outbox(service.store).move(
            row.week, State.FAILED, only_from=frozenset({State.SENDING}), error=note
        )
        log.warning("%s: %s; left as failed", row.week, note)
        return result_for(Outcome.FAILED, row, f"{row.week}: {note}")
    log.warning(
        "%s: a send was interrupted and <%s> is not on the list; sending it again",
        row.week,
        row.message_id,
    )
    return None


def _resend_at(config: Config, row: OutboxRow) -> dt.datetime | None:
    """When a ``sending`` row that is not on the list may go again; None: at once.

    Only an SMTP list can be slow to show a mail; the file transport writes
    whole files or none.
    """
    if config.smtp.transport != "smtp" or config.mail.resend_after_minutes <= 0:
        return None
    last = row.attempted_at or row.created_at
    return last + dt.timedelta(minutes=config.mail.resend_after_minutes)


# -- helpers -------------------------------------------------------------------------


def _dry_run(
    service: Service, now: dt.datetime, slot: dt.datetime, week: str, *, force: bool
) -> SendResult:
    config = service.config
    msg = build_week_mail(service, now, slot)
    transport = FileTransport(config.path(config.smtp.outbox_dir) / "dry-run")
    transport.send(msg, envelope_from="", recipients=())
    mid = str(msg["Message-ID"]).strip("<>")
    command = "`relbot send --now`" if force else "`relbot send`"
    row = Outbox(service.store).get(week)
    if row is not None and row.state is State.SENDING:
        would = (
            f"{command} would look for an interrupted send of it on the list "
            "and send it again only if it is not there"
        )
    else:
        verdict = send_verdict(config, row, now, slot, force=force)
        if verdict is None:
            would = f"{command}: it would be sent now"
        else:
            would = f"{command}: it would not be sent: {verdict.detail}"
    return SendResult(
        Outcome.DRY_RUN,
        week,
        mid,
        f"{week}: dry run, written to {transport.last_path} (nothing recorded); {would}",
        transport.last_path,
    )
