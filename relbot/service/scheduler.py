"""When things run: the weekly send, the preview before it, and the poll.

APScheduler 3.11 with its SQLAlchemy job store in relbot's own database, so
a restart knows what was due while it was down. The send time is a
``CronTrigger`` built from weekday *names* (``from_crontab`` counts Monday as
0, so a crontab ``1`` would fire on Tuesday), with ``coalesce=True`` and a
misfire grace from ``[schedule] misfire_grace_hours``: a week missed while
relbot was down is sent once on restart within the grace, never twice
(APScheduler's default grace of one second would silently skip it).

Jobs are ``"module:function"`` references (the job store keeps only those);
they reach the running ``Runner`` through ``active_runner()``, which also
holds the clock, so tests can run the jobs against a clock of their own.

``relbot run`` also follows the mailbox in a thread of its own
(``relbot.service.poll.watch``: IMAP IDLE where the server has it), so a reply is
read within a second or so of its delivery rather than at the next poll.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import signal
import threading
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from relbot.errors import RelbotError, StoreError
from relbot.service.draft import Outcome, SendResult
from relbot.service.outbox import Outbox, State
from relbot.service.poll import PollReport, poll_once, watch
from relbot.service.review import preview_weekly
from relbot.service.runguard import RunGuard
from relbot.service.verdict import send_verdict
from relbot.service.weekly import send_weekly
from relbot.service.weeks import (
    Clock,
    describe_time,
    latest_slot,
    preview_trigger,
    send_trigger,
    utc_now,
    week_of,
)
from relbot.service.wiring import Service

log = logging.getLogger("relbot.service.scheduler")

SEND_JOB = "weekly-send"
PREVIEW_JOB = "weekly-preview"
POLL_JOB = "poll"
#: seconds to wait for the mail thread at shutdown (an IDLE wakes every 5 s)
FOLLOWER_JOIN = 15.0
#: seconds before following the mailbox again after an unexpected error
FOLLOWER_RETRY = 30.0
# -- the running scheduler -------------------------------------------------------


class _Scheduler(BackgroundScheduler):  # type: ignore[misc]
    """APScheduler's background scheduler, minus one pass at shutdown.

    On shutdown APScheduler 3 wakes its loop once more with the executors
    already closed: a job due at that moment fails to start, yet its next run
    time is moved on, so the week would be lost. Stopping leaves due jobs in
    the store for the next start instead.
    """

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        wait: float | None = super()._process_jobs()
        return wait


_active: Runner | None = None
_active_lock = threading.Lock()


def active_runner() -> Runner:
    with _active_lock:
        if _active is None:
            raise RuntimeError("no relbot scheduler is running in this process")
        return _active


class Runner:
    """The scheduler of one relbot process, with its jobs and its clock.

    With ``follow_mail`` (``relbot run``) a thread follows the mailbox with
    ``relbot.service.poll.watch`` (IDLE where the server has it) while the
    scheduler runs; the poll job then only catches up on a due preview or
    send, and runs at once after each batch of new thread mail, as it did
    after reading mail itself.
    """

    def __init__(
        self,
        service: Service,
        *,
        clock: Clock = utc_now,
        follow_mail: bool = False,
        guard: RunGuard | None = None,
    ) -> None:
        self.service = service
        self.clock = clock
        self.follow_mail = follow_mail
        #: ``relbot run``'s hold on the store, taken in ``serve``
        self.guard = guard
        if not logging.getLogger().isEnabledFor(logging.DEBUG):
            # APScheduler logs two INFO lines for every run of every job
            logging.getLogger("apscheduler").setLevel(logging.WARNING)
        schedule = service.config.schedule
        self.scheduler = _Scheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=service.store.engine)},
            # one worker: the poll and the send never run at the same time here
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": max(1, round(schedule.misfire_grace_hours * 3600)),
            },
            timezone=ZoneInfo(schedule.timezone),
        )

    def add_jobs(self) -> None:
        """Put the jobs in the store, replacing what an earlier run stored.

        A job whose trigger is unchanged keeps its stored next run time: that
        is how a send missed while relbot was down still runs on restart
        (``add_job`` alone would compute the next run from now and lose it).
        """
        schedule = self.service.config.schedule
        grace = max(1, round(schedule.misfire_grace_hours * 3600))
        self._add(
            "relbot.service.scheduler:send_job",
            send_trigger(schedule),
            SEND_JOB,
            grace,
            name="send the weekly status mail",
        )
        if schedule.review == "auto":
            if self.scheduler.get_job(PREVIEW_JOB) is not None:
                self.scheduler.remove_job(PREVIEW_JOB)
        else:
            self._add(
                "relbot.service.scheduler:preview_job",
                preview_trigger(schedule),
                PREVIEW_JOB,
                grace,
                name="mail the draft to the release managers",
            )
        interval = max(1.0, schedule.poll_interval)
        self.scheduler.add_job(
            "relbot.service.scheduler:poll_job",
            IntervalTrigger(seconds=interval),
            id=POLL_JOB,
            name="read new mail",
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=max(1, round(interval)),
        )

    def _add(self, func: str, trigger: CronTrigger, job_id: str, grace: int, *, name: str) -> None:
        kept: dict[str, Any] = {}
        old = self.scheduler.get_job(job_id)
        same = old is not None and str(old.trigger) == str(trigger)
        if same and str(old.trigger.timezone) == str(trigger.timezone) and old.next_run_time:
            kept["next_run_time"] = old.next_run_time
        self.scheduler.add_job(
            func,
            trigger,
            id=job_id,
            name=name,
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=grace,
            max_instances=1,
            **kept,
        )

    def start(self, *, paused: bool = False) -> None:
        """Start the scheduler: jobs stored, then (unless ``paused``) due ones run."""
        global _active
        with _active_lock:
            if _active is not None and _active is not self:
                raise RuntimeError("a relbot scheduler is already running in this process")
            _active = self
        try:
            # paused first: the stored jobs must be read before anything runs
            self.scheduler.start(paused=True)
            self.add_jobs()
            if not paused:
                self.scheduler.resume()
        except BaseException:
            self.shutdown(wait=False)
            raise

    def shutdown(self, *, wait: bool = True) -> None:
        """Let a running job finish (with ``wait``), then stop."""
        try:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=wait)
        finally:
            self._forget()

    def next_send_time(self) -> dt.datetime | None:
        job = self.scheduler.get_job(SEND_JOB)
        return job.next_run_time if job is not None else None

    def serve(self, stop: threading.Event | None = None) -> None:
        """Run until SIGTERM or SIGINT (or ``stop`` is set), then shut down cleanly."""
        stop = stop or threading.Event()

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            log.info("%s: stopping after the running job", signal.Signals(signum).name)
            stop.set()

        previous: dict[signal.Signals, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, on_signal)
        follower: threading.Thread | None = None
        keeper: threading.Thread | None = None
        if self.guard is not None:
            try:
                acquired = self.guard.acquire(stop)
            except BaseException:
                _restore(previous)
                raise
            if not acquired:  # stopped while standing by
                _restore(previous)
                log.info("stopped")
                return
            keeper = threading.Thread(
                target=self.guard.keep, args=(stop,), name="relbot-lease", daemon=True
            )
            keeper.start()
        try:
            self.start()
            when = self.next_send_time()
            log.info(
                "running; next send %s",
                describe_time(when, self.service.config.schedule) if when else "not scheduled",
            )
            if self.follow_mail:
                log.info("%s", self._following())
                follower = threading.Thread(
                    target=self._follow_mail, args=(stop,), name="relbot-mail", daemon=True
                )
                follower.start()
            while not stop.wait(1.0):
                pass
        finally:
            stop.set()
            if follower is not None:
                follower.join(FOLLOWER_JOIN)
                if follower.is_alive():
                    log.warning("the mailbox did not let go within %g s", FOLLOWER_JOIN)
            self.shutdown(wait=True)
            if keeper is not None:
                keeper.join(FOLLOWER_JOIN)  # a renewal under way must not outlive the release
            if self.guard is not None:
                try:
                    self.guard.release()
                except StoreError as exc:
                    log.warning("could not give up the run lease (it runs out by itself): %s", exc)
            _restore(previous)
            log.info("stopped")
        if self.guard is not None and self.guard.lost:
            raise StoreError(
                "another `relbot run` took this store over (this one had not renewed its hold "
                "in time: was it paused, or cut off from the database?); stopped"
            )

    def _following(self) -> str:
        config = self.service.config
        every = f"every {config.schedule.poll_interval:g} s"
        if config.mailbox.source != "imap":
            return f"reading mail from {config.path(config.mailbox.path)} {every}"
        folders = ", ".join(config.imap.folders)
        idle = "IDLE where the server has it, else " if config.imap.idle else ""
        return f"reading mail from {config.imap.host} {folders} ({idle}{every})"

    def _follow_mail(self, stop: threading.Event) -> None:
        """Read new mail as it arrives until ``stop``; an unexpected error restarts it."""

        first = True

        def on_report(report: PollReport) -> None:
            # one line per poll that read something (and for the first): what it read
            # and what each thread member changed; a poll that found nothing is quiet
            nonlocal first
            line = "; ".join([report.summary(), *report.ingest.lines])
            log.log(
                logging.INFO if first or report.ingest.scanned else logging.DEBUG, "mail: %s", line
            )
            first = False
            if report.ingest.members:
                self.wake()

        while not stop.is_set():
            try:
                watch(self.service, now=self.clock, stop=stop, on_report=on_report)
            except Exception:
                log.exception("following the mailbox failed; again in %g s", FOLLOWER_RETRY)
                stop.wait(FOLLOWER_RETRY)

    def wake(self) -> None:
        """Run the poll job now (new mail may have approved or held a mail)."""
        with contextlib.suppress(JobLookupError):
            self.scheduler.modify_job(POLL_JOB, next_run_time=dt.datetime.now(dt.UTC))

    def _forget(self) -> None:
        global _active
        with _active_lock:
            if _active is self:
                _active = None


def _restore(handlers: dict[signal.Signals, Any]) -> None:
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


# -- the jobs --------------------------------------------------------------------


def send_job() -> None:

    runner = active_runner()
    result = send_weekly(runner.service, runner.clock())
    log.info("weekly send: %s", result.detail)


def preview_job() -> None:

    runner = active_runner()
    result = preview_weekly(runner.service, runner.clock())
    log.info("preview: %s", result.detail)


def poll_job() -> None:
    """Read new mail (unless a thread follows it), then catch up on a due preview or send."""
    runner = active_runner()
    if not runner.follow_mail:
        poll_mail(runner.service)
    for result in tick(runner.service, runner.clock()):
        log.info("%s", result.detail)


# -- the regular tick ---------------------------------------------------


def tick(service: Service, now: dt.datetime, *, explain: bool = False) -> list[SendResult]:
    """What the poll job does after reading mail: a due preview, a due or retried send.

    With ``explain`` (``relbot run --once``) the results also say why the
    week's mail was not sent: past its grace, held, failed or already sent.
    """
    results: list[SendResult] = []
    schedule = service.config.schedule
    if schedule.review != "auto":
        preview = preview_weekly(service, now)
        if preview.outcome is not Outcome.NOT_DUE:
            results.append(preview)
    slot = latest_slot(now, schedule)
    row = Outbox(service.store).get(week_of(slot, schedule))
    within = now - slot <= dt.timedelta(hours=schedule.misfire_grace_hours)
    retry = row is not None and row.state in (State.DRAFT, State.APPROVED, State.SENDING)
    if (row is None and within) or retry:
        result = send_weekly(service, now)
        if explain or result.outcome is not Outcome.AWAITING_APPROVAL:
            results.append(result)
    elif explain:
        why = send_verdict(service.config, row, now, slot, force=False)
        if why is not None:
            results.append(why)
    return results


def poll_mail(service: Service) -> None:
    """Read new mail into the store; a failure is logged, the schedule goes on."""
    try:
        report = poll_once(service, now=utc_now)
    except RelbotError as exc:
        log.warning("reading mail failed: %s", exc)
        return
    log.info("mail: %s", report.summary())
