"""The schedule: weekday names, DST, slots, and a persistent job store across restarts.

The restart tests run APScheduler for real on a SQLite job store: the send
job's stored next run time is put in the past (relbot was down when it was
due), and a new process starts on the same database. The job itself runs
against an injected clock, so the send it makes is deterministic.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobEvent
from apscheduler.triggers.cron import CronTrigger
from servers import Dovecot
from test_weekly import RM, SLOT, new_service, outbox_files, seed, status_mails

from relbot.core.settings import ScheduleConfig
from relbot.service.draft import Outcome
from relbot.service.outbox import Outbox, State
from relbot.service.scheduler import (
    POLL_JOB,
    PREVIEW_JOB,
    SEND_JOB,
    Runner,
    active_runner,
    tick,
)
from relbot.service.weekly import send_weekly
from relbot.service.weeks import (
    latest_slot,
    next_slot,
    preview_trigger,
    send_trigger,
    week_of,
)

LONDON = ZoneInfo("Europe/London")
SCHEDULE = ScheduleConfig(send="mon 12:00", timezone="Europe/London")


# -- triggers and slots ------------------------------------------------------------


def test_weekday_names_fire_on_monday_where_a_crontab_1_fires_on_tuesday() -> None:
    start = dt.datetime(2026, 11, 26, tzinfo=LONDON)  # a Thursday
    ours = send_trigger(SCHEDULE).get_next_fire_time(None, start)
    assert ours == dt.datetime(2026, 11, 30, 12, 0, tzinfo=LONDON)
    assert ours.strftime("%a") == "Mon"
    # the pitfall the names avoid: APScheduler 3 counts Monday as 0
    crontab = CronTrigger.from_crontab("0 12 * * 1", timezone=LONDON)
    assert crontab.get_next_fire_time(None, start).strftime("%a") == "Tue"


def test_the_send_time_follows_daylight_saving() -> None:
    trigger = send_trigger(SCHEDULE)
    first = trigger.get_next_fire_time(None, dt.datetime(2027, 3, 20, tzinfo=LONDON))
    second = trigger.get_next_fire_time(first, first + dt.timedelta(seconds=1))
    assert first.isoformat() == "2027-03-22T12:00:00+00:00"
    assert second.isoformat() == "2027-03-29T12:00:00+01:00"


def test_slots_and_weeks() -> None:
    thursday = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
    assert latest_slot(thursday, SCHEDULE) == SLOT
    assert next_slot(thursday, SCHEDULE) == SLOT + dt.timedelta(days=7)
    assert latest_slot(SLOT, SCHEDULE) == SLOT  # at the slot, it is this week's
    assert next_slot(SLOT, SCHEDULE) == SLOT + dt.timedelta(days=7)
    assert week_of(SLOT, SCHEDULE) == "2026-W49"
    sunday_late = ScheduleConfig(send="sun 23:30", timezone="Pacific/Auckland")
    slot = latest_slot(thursday, sunday_late)
    assert slot.astimezone(ZoneInfo("Pacific/Auckland")).strftime("%a %H:%M") == "Sun 23:30"
    assert week_of(slot, sunday_late) == "2026-W48"


@pytest.mark.parametrize(
    ("send", "hours", "expected"),
    [
        ("mon 12:00", 24, "Sun 12:00"),
        ("mon 12:00", 1.5, "Mon 10:30"),
        ("mon 00:30", 1, "Sun 23:30"),
        ("fri 09:00", 0, "Fri 09:00"),
    ],
)
def test_preview_time(send: str, hours: float, expected: str) -> None:
    trigger = preview_trigger(ScheduleConfig(send=send, timezone="UTC", preview_hours=hours))
    fire = trigger.get_next_fire_time(None, dt.datetime(2026, 11, 26, tzinfo=dt.UTC))
    assert fire.strftime("%a %H:%M") == expected


# -- the persistent job store -------------------------------------------------------


def test_jobs_are_stored_with_coalesce_and_the_configured_grace(tmp_path: Path) -> None:
    service = new_service(tmp_path, schedule={"review": "preview"})
    runner = Runner(service, clock=lambda: SLOT)
    runner.start(paused=True)
    try:
        send = runner.scheduler.get_job(SEND_JOB)
        assert send.coalesce and send.misfire_grace_time == 6 * 3600 and send.max_instances == 1
        assert send.func_ref == "relbot.service.scheduler:send_job"
        assert runner.scheduler.get_job(PREVIEW_JOB) is not None
        # a local maildir: polled every 30 s unless config.toml says otherwise
        assert runner.scheduler.get_job(POLL_JOB).trigger.interval.total_seconds() == 30
        assert runner.next_send_time() == send_trigger(SCHEDULE).get_next_fire_time(
            None, dt.datetime.now(LONDON)
        )
        assert active_runner() is runner
    finally:
        runner.shutdown()
    with pytest.raises(RuntimeError, match="no relbot scheduler"):
        active_runner()


def _down_while_due(root: Path, missed_by: dt.timedelta, **tables: dict[str, Any]) -> None:
    """A first run stores the jobs; the send then falls due while nothing runs."""
    runner = Runner(new_service(root, **tables), clock=lambda: SLOT)
    runner.start(paused=True)
    try:
        due = dt.datetime.now(dt.UTC) - missed_by
        runner.scheduler.modify_job(SEND_JOB, next_run_time=due)
    finally:
        runner.shutdown()


def _restart(root: Path, world_now: dt.datetime, **tables: dict[str, Any]) -> list[JobEvent]:
    """Start on the same database, wait for the send job's verdict, stop."""
    runner = Runner(new_service(root, **tables), clock=lambda: world_now)
    seen: queue.Queue[JobEvent] = queue.Queue()
    runner.scheduler.add_listener(seen.put, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    runner.start()
    try:
        first = seen.get(timeout=20)
        assert runner.next_send_time() > dt.datetime.now(dt.UTC)
    finally:
        runner.shutdown(wait=True)
    events = [first]
    while not seen.empty():
        events.append(seen.get())
    return [e for e in events if e.job_id == SEND_JOB]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    service = new_service(tmp_path)
    seed(service)
    service.close()
    return tmp_path


def test_down_at_send_time_sends_once_on_restart_within_the_grace(root: Path) -> None:
    _down_while_due(root, dt.timedelta(hours=2))
    [event] = _restart(root, SLOT + dt.timedelta(hours=2))
    assert event.code == EVENT_JOB_EXECUTED
    assert len(status_mails(root)) == 1
    # and a second restart does not send again: the next run is next week
    runner = Runner(new_service(root), clock=lambda: SLOT + dt.timedelta(hours=3))
    runner.start()
    try:
        assert runner.next_send_time() > dt.datetime.now(dt.UTC)
    finally:
        runner.shutdown()
    assert len(status_mails(root)) == 1


def test_down_longer_than_the_grace_skips_the_week(root: Path) -> None:
    _down_while_due(root, dt.timedelta(hours=7))
    [event] = _restart(root, SLOT + dt.timedelta(hours=7))
    assert event.code == EVENT_JOB_MISSED
    assert status_mails(root) == []


def test_weeks_missed_in_a_row_coalesce_into_one_send(root: Path) -> None:
    # a grace over a week, so the latest missed Monday is always within it
    long_grace = {"schedule": {"misfire_grace_hours": 8 * 24}}
    _down_while_due(root, dt.timedelta(days=21), **long_grace)
    events = _restart(root, SLOT + dt.timedelta(hours=1), **long_grace)
    assert [e.code for e in events] == [EVENT_JOB_EXECUTED]
    assert len(status_mails(root)) == 1


def test_serve_stops_cleanly_when_asked(root: Path) -> None:
    runner = Runner(new_service(root), clock=lambda: SLOT - dt.timedelta(days=1))
    stop = threading.Event()
    timer = threading.Timer(0.2, stop.set)
    timer.start()
    runner.serve(stop)
    timer.join()
    assert not runner.scheduler.running
    with pytest.raises(RuntimeError):
        active_runner()


# -- the poll job's tick -------------------------------------------------------------


def test_tick_sends_a_due_mail_once_and_stays_quiet_after_the_grace(root: Path) -> None:
    service = new_service(root)
    assert tick(service, SLOT - dt.timedelta(hours=1)) == []
    [result] = tick(service, SLOT + dt.timedelta(minutes=5))
    assert result.outcome is Outcome.SENT
    assert tick(service, SLOT + dt.timedelta(minutes=10)) == []
    assert tick(service, SLOT + dt.timedelta(days=7, hours=7)) == []  # missed: no noise
    assert [r.week for r in Outbox(service.store).rows()] == ["2026-W49"]


def test_tick_previews_ahead_in_preview_mode(root: Path) -> None:
    service = new_service(root, schedule={"review": "preview"})
    [preview] = tick(service, SLOT - dt.timedelta(hours=3))
    assert preview.outcome is Outcome.PREVIEWED
    assert tick(service, SLOT - dt.timedelta(hours=2)) == []


# -- following the mailbox -------------------------------------------------------------


def test_an_approval_by_mail_sends_at_once_when_the_mailbox_is_followed(
    tmp_path: Path, dovecot: Dovecot
) -> None:
    """`relbot run`: the reply is read as it arrives, and the tick runs right after it."""
    tables: dict[str, Any] = {
        "schedule": {"review": "approve", "poll_interval": 3600},
        # the approval below is unsigned; a signed one is tests/test_trust_mail.py's
        "trust": {"mode": "none"},
        "mailbox": {"source": "imap"},
        "imap": {
            "host": dovecot.host,
            "port": dovecot.imap_port,
            "tls": "none",
            "username": dovecot.user,
            "password_command": f"echo {dovecot.password}",
            "folders": ["INBOX"],
            "timeout": 5.0,
        },
    }
    service = new_service(tmp_path, **tables)
    seed(service)
    assert send_weekly(service, SLOT).outcome is Outcome.AWAITING_APPROVAL
    [preview] = outbox_files(tmp_path)
    dovecot.deliver_lmtp(
        (
            f"From: {RM}\nTo: relbot <relbot@example.org>\nSubject: Re: {preview['Subject']}\n"
            f"Message-ID: <ok@example.org>\nIn-Reply-To: {preview['Message-ID']}\n"
            f"References: {preview['Message-ID']}\n\n#relbot approve\n"
        ).encode()
    )
    runner = Runner(
        new_service(tmp_path, **tables),
        clock=lambda: SLOT + dt.timedelta(hours=1),
        follow_mail=True,
    )
    stop = threading.Event()
    serving = threading.Thread(target=runner.serve, args=(stop,))
    serving.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not status_mails(tmp_path):
            time.sleep(0.1)
    finally:
        stop.set()
        serving.join(30)
    assert not serving.is_alive()
    [mail] = status_mails(tmp_path)  # not an hour later at the next poll_interval
    assert mail["X-Relbot-Week"] == "2026-W49"
    row = Outbox(service.store).get("2026-W49")
    assert row is not None and row.state is State.SENT
