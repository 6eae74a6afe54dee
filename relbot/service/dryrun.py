"""check-config's dry run: a week's mail made with this config from the demo status
mail, rendered with the real template and composed with the real headers, never sent.

What would otherwise fail only at send time (a template that does not render, a
subject that cannot be filled in, an address or Message-ID domain that a mail
cannot carry) fails here, with the same one-line error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from email.message import EmailMessage

from relbot.core.compose import (
    blocker_owner_addresses,
    compose_status,
    message_bytes,
    status_message_id,
    subject_line,
    week_key,
)
from relbot.core.replies.message import read_message
from relbot.core.settings import Config
from relbot.core.statusmail.reader import read_status_mail
from relbot.core.tracker.events import Event, Kind, fold
from relbot.core.tracker.model import Tracker
from relbot.core.tracker.reconcile import outline_events
from relbot.edges.packaged import demo_status_mail
from relbot.service.draft import mail_settings
from relbot.service.statusmail import render_text, with_config_names


def demo_history(config: Config, now: dt.datetime) -> tuple[Event, ...]:
    """The demo mail read into events a day before ``now``, and one claim after it,
    so the mail has every part: timeline, intro, sections, volunteers, changes."""
    msg = read_message(demo_status_mail())
    year = msg.date.year if msg.date else None
    outline = read_status_mail(msg.text, config.import_hints, year=year)
    at = now - dt.timedelta(days=1)
    events = outline_events(
        outline,
        Tracker(),
        at=at,
        actor=msg.from_name or "the release manager",
        source="import",
        message_id=msg.message_id,
        subject=msg.subject,
    )
    sent = (msg.date or at).isoformat()
    events = tuple(
        dataclasses.replace(e, data={**e.data, "date": sent}) if e.kind is Kind.STATUS_MAIL else e
        for e in events
    )
    free = next((it for it in fold(events).items if not it.owners), None)
    if free is None:
        return events
    claim = Event(
        Kind.CLAIM,
        at=at + dt.timedelta(hours=1),
        actor="A. Developer",
        source="dry-run@relbot.invalid",
        item=free.id,
        data={"owner": "A. Developer"},
    )
    return (*events, claim)


def dry_run_mail(config: Config, now: dt.datetime) -> EmailMessage:
    """The demo week's mail as relbot would send it with ``config``: ConfigError if not."""
    events = demo_history(config, now)
    tracker = with_config_names(config, fold(events))
    text = render_text(config, tracker, events, today=now.date(), now=now)
    week = week_key(now.date())
    settings = mail_settings(config)
    subject = subject_line(
        config.mail.subject,
        {
            "release": tracker.release,
            "next_release": tracker.next_release,
            "date": now.date().isoformat(),
            "week": week,
        },
    )
    extra_cc: tuple[str, ...] = ()
    if config.mail.cc_blocker_owners:
        extra_cc = blocker_owner_addresses(tracker, config.people.aliases)
    msg = compose_status(
        text,
        settings=settings,
        subject=subject,
        date=now,
        message_id=status_message_id(tracker.release, week, settings),
        previous_ids=[m.message_id for m in tracker.status_mails],
        extra_cc=extra_cc,
        week=week,
    )
    message_bytes(msg)  # the headers must also serialise as a mail
    return msg
