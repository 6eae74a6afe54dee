"""The week's send slots: the weekly send time as a cron trigger on weekday names, the
preview time before it, the last and next slot around a moment, and a slot's week key.

``send = "mon 12:00"`` becomes ``CronTrigger(day_of_week="mon", ...)`` in the configured
time zone, never a crontab number (APScheduler 3 counts Monday as 0, so a crontab ``1``
fires on Tuesday); DST is the trigger's to handle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from relbot.core.compose import week_key
from relbot.core.settings import ScheduleConfig, parse_send_time

_WEEK_MINUTES = 7 * 24 * 60
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- the send slots ------------------------------------------------------------


def send_trigger(schedule: ScheduleConfig) -> CronTrigger:
    """``send = "mon 12:00"`` in ``timezone``, as a cron trigger on weekday names."""
    day, hour, minute = parse_send_time(schedule.send)
    return CronTrigger(
        day_of_week=day, hour=hour, minute=minute, timezone=ZoneInfo(schedule.timezone)
    )


def preview_trigger(schedule: ScheduleConfig) -> CronTrigger:
    """``preview_hours`` before the send time, on the local wall clock."""
    day, hour, minute = parse_send_time(schedule.send)
    at = _DAYS.index(day) * 1440 + hour * 60 + minute - round(schedule.preview_hours * 60)
    at %= _WEEK_MINUTES
    return CronTrigger(
        day_of_week=_DAYS[at // 1440],
        hour=at % 1440 // 60,
        minute=at % 60,
        timezone=ZoneInfo(schedule.timezone),
    )


def latest_slot(now: dt.datetime, schedule: ScheduleConfig) -> dt.datetime:
    """The last send time at or before ``now`` (local time zone)."""
    trigger = send_trigger(schedule)
    found = trigger.get_next_fire_time(None, now - dt.timedelta(days=8))
    last = found
    while found is not None and found <= now:
        last = found
        found = trigger.get_next_fire_time(found, found + dt.timedelta(seconds=1))
    assert last is not None and last <= now, "a weekly trigger fires within 8 days"
    return last  # type: ignore[no-any-return]


def next_slot(now: dt.datetime, schedule: ScheduleConfig) -> dt.datetime:
    """The first send time after ``now``."""
    found = send_trigger(schedule).get_next_fire_time(None, now + dt.timedelta(seconds=1))
    assert found is not None
    return found  # type: ignore[no-any-return]


def week_of(slot: dt.datetime, schedule: ScheduleConfig) -> str:
    """The outbox key of a slot: its ISO week in the configured time zone."""
    return week_key(slot.astimezone(ZoneInfo(schedule.timezone)).date())


def describe_time(moment: dt.datetime, schedule: ScheduleConfig) -> str:
    """``Mon 30 Nov 2026 12:00 GMT``."""
    return moment.astimezone(ZoneInfo(schedule.timezone)).strftime("%a %d %b %Y %H:%M %Z")
