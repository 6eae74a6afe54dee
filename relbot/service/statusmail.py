"""Importing a status mail into the store, and rendering the week's mail.

Thin glue between the core (outline reader, reconciler, renderer) and the
store and template file: the reading and deciding happen in ``relbot.core``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from relbot.core.render import build_status_view
from relbot.core.replies.headers import decode_bytes
from relbot.core.replies.message import read_message
from relbot.core.settings import Config
from relbot.core.statusmail.reader import read_status_mail
from relbot.core.tracker.events import Event, Kind, fold
from relbot.core.tracker.guard import check_import
from relbot.core.tracker.model import Milestone, Tracker
from relbot.core.tracker.reconcile import outline_events
from relbot.core.views import RenderOptions
from relbot.edges.templating import render_status
from relbot.errors import ImportFailed
from relbot.service.reread import reread_answers
from relbot.service.wiring import Service, person_name

#: an RFC 822 message starts with header lines; a bare body does not
_HEADER_LINE = re.compile(rb"^(From |[A-Za-z0-9-]{2,40}:[ \t])")


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    events: tuple[Event, ...]
    items_added: int
    items_changed: int
    message_id: str
    problems: tuple[str, ...]
    #: the items the import took out, one line each
    removed: tuple[str, ...] = ()
    #: what reading again the replies that came before the mail did
    reread: str = ""


def import_status_mail(
    service: Service, raw: bytes, *, now: dt.datetime, origin: str = "", replace: bool = False
) -> ImportOutcome:
    """Read a status mail (a bare body or a whole message) into events.

    Everything is stored in one transaction, or nothing is: a mail that is not
    a status mail raises ImportFailed with the problems, line by line. A mail
    of another release, or one that would remove more than ``[import]
    max_removed_share`` of the open items, raises ImportFailed listing what it
    would remove, unless ``replace``.
    """
    where = origin or "the mail"
    if not raw.strip():
        raise ImportFailed(f"{where}: empty, nothing to import")
    message_id = subject = ""
    actor = service.rm_name
    year: int | None = None
    sent: dt.datetime | None = None
    if _HEADER_LINE.match(raw):
        msg = read_message(raw)
        text = msg.text
        message_id, subject, sent = msg.message_id, msg.subject, msg.date
        year = sent.year if sent else None
        if msg.from_name or msg.from_addr:
            actor = msg.from_name or msg.from_addr
    else:
        text, _ = decode_bytes(raw)
    if "\x00" in text:
        raise ImportFailed(f"{where}: binary data, not a status mail")
    outline = read_status_mail(text, service.config.import_hints, year=year)
    if not outline.is_status_mail:
        raise ImportFailed(
            f"{where}: not a status mail (no timeline and no sections found)",
            outline.problems,
        )
    with service.store.transaction() as conn:
        current = service.store.tracker(conn)
        base = len(service.store.events(conn))
        events = outline_events(
            outline,
            current,
            at=now,
            actor=actor,
            source="import",
            message_id=message_id,
            subject=subject,
            base_count=base,
        )
        if sent is not None:
            # the mail went out when its Date says, not when it was imported
            events = tuple(
                dataclasses.replace(e, data={**e.data, "date": sent.isoformat()})
                if e.kind is Kind.STATUS_MAIL
                else e
                for e in events
            )
        check = check_import(
            current,
            events,
            release=outline.release,
            max_removed_share=service.config.import_hints.max_removed_share,
            configured_release=service.config.release.name,
        )
        if check.refusal and not replace:
            raise ImportFailed(
                f"{where}: {check.refusal} (listed below); "
                f"`relbot import --replace {where}` imports it anyway",
                tuple(f"would remove {line}" for line in check.removed),
            )
        stored = service.store.append_events(conn, events)
        if message_id:
            # kept whole: the preview diffs against it, and a reply to it is
            # recognised as being in its thread
            service.store.record_message(
                conn,
                message_id=message_id,
                raw=raw,
                state="status-mail",
                at=now,
                origin=origin,
                subject=subject,
                from_addr=actor,
            )
    reread = ""
    if message_id and any(e.kind is Kind.STATUS_MAIL for e in stored):
        # replies that came before their status mail could not be understood
        reread = reread_answers(service, message_id, now=now).summary()
    return ImportOutcome(
        events=tuple(stored),
        items_added=sum(e.kind is Kind.ADD for e in stored),
        items_changed=len(
            {e.item for e in stored if e.item and e.kind not in (Kind.ADD, Kind.REMOVE)}
        ),
        message_id=message_id,
        problems=outline.problems,
        removed=check.removed,
        reread=reread,
    )


def render_options(
    config: Config, *, changes_since: dt.datetime | None, changes_label: str = "", release: str = ""
) -> RenderOptions:
    """The ``[render]`` config as the renderer's options."""
    cfg = config.render
    names = {f.name for f in dataclasses.fields(RenderOptions)} - {"signature"}
    values = {k: v for k, v in dataclasses.asdict(cfg).items() if k in names}
    managers = ", ".join(person_name(x) for x in config.people.release_managers)
    signature = cfg.signature.format(release=release, release_managers=managers)
    return RenderOptions(
        **values,
        changes_since=changes_since if cfg.changes else None,
        changes_label=changes_label,
        signature=tuple(line.rstrip() for line in signature.strip("\n").splitlines()),
    )


def changes_since(events: Sequence[Event], before: dt.datetime) -> tuple[dt.datetime | None, str]:
    """When the last status mail dated before ``before`` was recorded, and its date.

    The "changes since last week" part lists the events after that moment:
    the recording time, not the mail's Date, so the events of the import or
    send that recorded the mail are never listed as changes.
    """
    last: dt.datetime | None = None
    label = ""
    for e in events:
        if e.kind is not Kind.STATUS_MAIL:
            continue
        date = e.data.get("date")
        sent = dt.datetime.fromisoformat(date) if isinstance(date, str) and date else e.at
        if sent < before:
            last = e.at
            label = f"the mail of {sent.day} {sent:%B %Y}"
    return last, label


def render_week(service: Service, *, today: dt.date, now: dt.datetime | None = None) -> str:
    """The status mail's body for the week of ``today``."""
    moment = now or dt.datetime.combine(today, dt.time(23, 59), tzinfo=dt.UTC)
    events = service.store.events()  # read once: the tracker is their fold
    return render_text(service.config, fold(events), events, today=today, now=moment)


def render_text(
    config: Config,
    tracker: Tracker,
    events: Sequence[Event],
    *,
    today: dt.date,
    now: dt.datetime,
) -> str:
    """The body for ``today`` of the mail of ``tracker`` (made by ``events``), as of ``now``."""
    tracker = with_config_names(config, tracker)
    tracker = dataclasses.replace(tracker, milestones=dated_milestones(config, tracker))
    since, label = changes_since(events, now)
    options = render_options(
        config, changes_since=since, changes_label=label, release=tracker.release
    )
    view = build_status_view(tracker, events, today=today, options=options)
    return render_status(view, template_path(config))


def with_config_names(config: Config, tracker: Tracker) -> Tracker:
    """The tracker, named by config.toml's ``[release]`` where no mail named it."""
    return dataclasses.replace(
        tracker,
        release=tracker.release or config.release.name,
        next_release=tracker.next_release or config.release.next_release,
    )


def template_path(config: Config) -> Path | None:
    """The RM's template file, or None for the built-in one."""
    return config.path(config.render.template) if config.render.template else None


def dated_milestones(config: Config, tracker: Tracker) -> tuple[Milestone, ...]:
    """The tracker's timeline, with dates from config.toml where the mail had none.

    A hand-written timeline says "2 April" or "Mid/Late April"; the config
    knows the year and what "Mid/Late" means, so its date wins for a
    milestone it names (by its "when" or its label). With no timeline in the
    tracker, the config's is used as it is.
    """
    configured = config.release.milestones
    if not tracker.milestones:
        return tuple(Milestone(m.when, m.label, m.date) for m in configured)
    by_key: dict[str, dt.date] = {}
    for m in configured:
        if m.date is not None:
            by_key[_key(m.when)] = m.date
            by_key[_key(m.label)] = m.date
    return tuple(
        dataclasses.replace(m, date=by_key.get(_key(m.when)) or by_key.get(_key(m.label)) or m.date)
        for m in tracker.milestones
    )


def _key(text: str) -> str:
    return " ".join(text.lower().split())
