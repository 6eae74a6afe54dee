"""Following the status threads in a mailbox: IMAP, or a local maildir/mbox.

Each IMAP poll remembers (folder, UIDVALIDITY, last UID) and asks only for
UIDs above it. It fetches just the header fields that decide thread
membership, in batches, and then the full bodies of members only, with
``BODY.PEEK[]`` so nothing is marked \\Seen. Every member is committed with
the watermark at its UID, so a crash re-reads at most the message it was on,
and deduplication by Message-ID makes that harmless. A UIDVALIDITY change
rescans the folder from the start; again nothing is applied twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Connection

from relbot.core.replies.threads import Membership
from relbot.edges.imap.client import FolderState, MailSource
from relbot.edges.imap.reconnect import Backoff, is_transient, reconnecting
from relbot.edges.mailbox import (
    RawMail,
    is_maildir,
    iter_paths,
    maildir_files,
    read_maildir_file,
)
from relbot.edges.store.seen import SeenFiles
from relbot.errors import MailboxError, RelbotError
from relbot.service.ingest import Ingestor
from relbot.service.ingest_report import IngestReport
from relbot.service.wiring import Service

log = logging.getLogger("relbot.service.poll")

#: seconds between syncs while IDLE reports nothing
RECHECK = 60.0

#: maildir files marked read per transaction, for those that are not thread members
MARK_BATCH = 500

#: called with (done, total) while a long first sync runs
Progress = Callable[[int, int], None]


@dataclass
class PollReport:
    ingest: IngestReport
    bytes_fetched: int = 0
    seconds: float = 0.0
    #: the server offers IDLE on the folder left selected
    can_idle: bool = False

    def summary(self) -> str:
        kb = self.bytes_fetched / 1024
        return f"{self.ingest.summary()}; fetched {kb:.1f} KiB in {self.seconds:.2f} s"


def sync_folder(
    source: MailSource,
    ingestor: Ingestor,
    folder: str,
    *,
    batch_size: int = 500,
    progress: Progress | None = None,
) -> FolderState:
    """Read what is new in one folder into the store; the folder's state."""
    store = ingestor.store
    state = source.select(folder)
    remembered = store.sync_state(folder)
    last_uid = 0
    if remembered is not None:
        validity, last_uid = remembered
        if validity != state.uidvalidity:
            log.warning(
                "%s: UIDVALIDITY changed from %d to %d; rescanning the folder "
                "(messages already read are recognised by Message-ID)",
                folder,
                validity,
                state.uidvalidity,
            )
            last_uid = 0
    uids = source.search_uids_above(last_uid)
    if not uids:
        if remembered is None or remembered[0] != state.uidvalidity:
            with store.transaction() as conn:
                store.set_sync_state(conn, folder, state.uidvalidity, last_uid)
        return state
    members: list[tuple[int, str, Membership]] = []
    for done, (uid, header) in enumerate(source.fetch_headers(uids, batch_size), start=1):
        msgid, membership = ingestor.screen(header)
        if membership.member:
            members.append((uid, msgid, membership))
            # a reply to this reply may sit in the same batch
            ingestor.thread_ids.add(msgid)
        if progress is not None and done % 200 == 0:
            progress(done, len(uids))
    if progress is not None:
        progress(len(uids), len(uids))

    def watermark(uid: int) -> Callable[[Connection], None]:
        return lambda conn: store.set_sync_state(conn, folder, state.uidvalidity, uid)

    if members:
        wanted = {uid: (msgid, m) for uid, msgid, m in members}
        for uid, raw in source.fetch_bodies(list(wanted)):
            msgid, membership = wanted[uid]
            ingestor.take(
                RawMail(f"imap:{folder}:{uid}", raw),
                msgid,
                membership,
                on_commit=watermark(uid),
            )
    with store.transaction() as conn:
        watermark(max(uids))(conn)
    return state


def poll_imap_once(
    service: Service,
    *,
    now: Callable[[], dt.datetime],
    source: MailSource | None = None,
    progress: Progress | None = None,
) -> PollReport:
    """One sync of every configured folder."""
    started = time.perf_counter()
    ingestor = Ingestor(service, now=now)
    own = source is None
    src = source if source is not None else service.imap_source()
    before = src.bytes_received
    can_idle = False
    try:
        for folder in service.config.imap.folders:
            state = sync_folder(
                src, ingestor, folder, batch_size=service.config.imap.batch_size, progress=progress
            )
            can_idle = state.has_idle
    finally:
        if own:
            src.close()
    return PollReport(
        ingestor.report, src.bytes_received - before, time.perf_counter() - started, can_idle
    )


def poll_local_once(service: Service, *, now: Callable[[], dt.datetime]) -> PollReport:
    """Read the configured maildir or mbox (messages already read are skipped).

    A maildir is read incrementally: only files not read before are opened
    (``relbot.edges.store.seen``). An mbox that changed since it was last read
    is read whole (each message once, by Message-ID); one that did not is not
    opened.
    """
    started = time.perf_counter()
    path = service.config.path(service.config.mailbox.path)
    if not path.exists():
        raise MailboxError(f"[mailbox] path {path}: no such file or folder (run `relbot init`)")
    if is_maildir(path):
        report, size = _read_new_files(service, path, now)
        return PollReport(report, size, time.perf_counter() - started)
    # an mbox is read again only when it changed: its (mtime, size) is kept
    # after a complete read, in the sync state under the file's path
    key = f"mbox:{path.resolve()}"
    try:
        stat = path.stat()
    except OSError as exc:
        raise MailboxError(f"[mailbox] path {path}: {exc.strerror or exc}") from exc
    stamp = (stat.st_mtime_ns, stat.st_size)
    if path.is_file() and service.store.sync_state(key) == stamp:
        return PollReport(IngestReport(), 0, time.perf_counter() - started)
    ingestor = Ingestor(service, now=now)
    size = 0
    with ingestor.units.batched():
        for mail in iter_paths([path]):
            size += len(mail.raw)
            ingestor.offer(mail)
    with service.store.transaction() as conn:
        service.store.set_sync_state(conn, key, *stamp)
    return PollReport(ingestor.report, size, time.perf_counter() - started)


def _read_new_files(
    service: Service, path: Path, now: Callable[[], dt.datetime]
) -> tuple[IngestReport, int]:
    """Ingest the maildir files not read before; (report, bytes read).

    A thread member's file is marked read in the transaction that stores it;
    the others are marked in batches (a crash before a batch only means
    screening those headers again), and screened again once the store knows
    another status mail. Names whose files are gone are forgotten.
    """
    seen = SeenFiles(service.store, str(path.resolve()))
    seen.renew_for(seen.status_mark())
    known = seen.names()
    files = maildir_files(path)
    gone = known.difference(files)
    fresh = sorted((name, Path(file)) for name, file in files.items() if name not in known)
    if gone:
        seen.forget(gone)
    if not fresh:
        return IngestReport(), 0
    ingestor = Ingestor(service, now=now)
    size = 0
    batch: list[str] = []
    for name, file in fresh:
        raw = read_maildir_file(file)
        if raw is None:
            continue  # deleted since the listing: nothing to read
        size += len(raw)
        msgid, member = ingestor.screen(raw)
        if member.member:
            ingestor.take(
                RawMail(str(file), raw),
                msgid,
                member,
                on_commit=_marker(seen, name),
            )
        else:
            batch.append(name)
        if len(batch) >= MARK_BATCH:
            _mark(seen, batch)
    _mark(seen, batch)
    return ingestor.report, size


def _marker(seen: SeenFiles, name: str) -> Callable[[Connection], None]:
    return lambda conn: seen.mark(conn, [name], member=True)


def _mark(seen: SeenFiles, names: list[str]) -> None:
    if names:
        with seen.store.transaction() as conn:
            seen.mark(conn, names)
        names.clear()


def poll_once(
    service: Service, *, now: Callable[[], dt.datetime], progress: Progress | None = None
) -> PollReport:
    if service.config.mailbox.source == "imap":
        return poll_imap_once(service, now=now, progress=progress)
    return poll_local_once(service, now=now)


def watch(
    service: Service,
    *,
    now: Callable[[], dt.datetime],
    stop: threading.Event,
    on_report: Callable[[PollReport], None] | None = None,
    backoff: Backoff | None = None,
) -> None:
    """Poll until ``stop`` is set: IDLE where the server has it, else every interval.

    A dropped connection or a restarted server is met with reconnects, with
    exponential backoff and jitter; each one is logged. Nothing else ends the
    loop either: an unexpected error is logged with its traceback and the next
    sync starts from the watermark (a mail that fails is kept by the ingest
    path and passed, so one mail cannot make every sync fail).
    """
    cfg = service.config
    backoff = backoff or Backoff(base=1.0, cap=300.0)
    if cfg.mailbox.source != "imap":
        while not stop.is_set():
            try:
                report = poll_local_once(service, now=now)
                if on_report:
                    on_report(report)
            except Exception:
                log.exception("reading the mailbox failed; trying again")
            stop.wait(cfg.schedule.poll_interval)
        return
    while not stop.is_set():
        try:
            source = reconnecting(lambda: service.imap_source(), backoff=backoff)
        except MailboxError as exc:
            log.error("%s", exc)
            stop.wait(backoff.next_delay())
            continue
        try:
            while not stop.is_set():
                report = poll_imap_once(service, now=now, source=source)
                if on_report:
                    on_report(report)
                if cfg.imap.idle and report.can_idle:
                    # IDLE on the folder the sync left selected (selecting it
                    # again would swallow mail that arrived since the search);
                    # a fresh sync at least every RECHECK seconds bounds a
                    # missed announcement and stays inside the server's
                    # 30-minute IDLE limit.
                    source.idle_wait(min(cfg.imap.idle_renew, RECHECK), stop=stop.is_set)
                else:
                    stop.wait(cfg.schedule.poll_interval)
        except MailboxError as exc:
            if not is_transient(exc):
                log.error("%s", exc)
                stop.wait(backoff.next_delay())
            else:
                log.warning("%s; reconnecting", exc)
        except RelbotError as exc:
            # the store was busy or failed: nothing was half-applied (one
            # transaction per message), so the next sync picks up from the
            # watermark
            log.error("%s; trying again", exc)
            stop.wait(backoff.next_delay())
        except Exception:
            log.exception("the sync failed; trying again")
            stop.wait(backoff.next_delay())
        finally:
            source.close()
