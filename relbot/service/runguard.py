"""One ``relbot run`` per store: a lease named ``relbot-run``, kept alive while it runs.

Two schedulers on one store would each poll and each tick, and would share
APScheduler's job store, which APScheduler 3 does not support. So ``relbot
run`` holds this lease (SQLite or PostgreSQL alike) and renews it every
``RENEW`` seconds. A second ``relbot run`` on the same store refuses to start
and names the first; with ``--standby`` it waits and takes over when the
first stops. A holder that died takes no manual clean-up: on the same host a
dead (or reused) pid is taken over at once, and from another host the lease
runs out ``TTL`` after its last renewal.

This lease is not the ``weekly-send`` lease: that one guards a single send
(from ``relbot send`` as much as from ``relbot run``) and has rules of its own.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from relbot.edges.store.leases import Lease, read_lease, take_over_lease
from relbot.edges.store.store import Store
from relbot.errors import StoreError

log = logging.getLogger("relbot.service.runguard")

NAME = "relbot-run"
#: a holder that stopped renewing (crashed on another host) holds the store this long
TTL = dt.timedelta(seconds=60)
#: seconds between renewals, and between tries of a standby
RENEW = 15.0
STANDBY_RETRY = 2.0


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds the lease: host, pid and the pid's start time (to see a reused pid)."""

    host: str
    pid: int
    started: str
    nonce: str

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.started}:{self.nonce}"

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        parts = text.rsplit(":", 3)
        if len(parts) != 4 or not parts[1].isdigit():
            return None
        return cls(parts[0], int(parts[1]), parts[2], parts[3])

    def describe(self) -> str:
        return f"pid {self.pid} on host {self.host}"


def this_process() -> Holder:
    pid = os.getpid()
    return Holder(socket.gethostname(), pid, process_start(pid), uuid.uuid4().hex[:8])


def process_start(pid: int) -> str:
    """The pid's start time in clock ticks since boot (Linux), or "-" where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "-"
    fields = stat[stat.rindex(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else "-"


def is_dead(holder: Holder) -> bool:
    """True only when ``holder`` is on this host and its process is gone (or a zombie,
    or its pid now belongs to another process); another host's process is never judged."""
    if holder.host != socket.gethostname():
        return False
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, owned by another user
    try:
        stat = Path(f"/proc/{holder.pid}/stat").read_text()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields and fields[0] == "Z":
        return True
    return holder.started not in ("-", process_start(holder.pid))


def _now() -> dt.datetime:
    # the lease is about real time, whatever clock the scheduler is given
    return dt.datetime.now(dt.UTC)


class RunGuard:
    """The ``relbot-run`` lease of one store for this process."""

    def __init__(
        self,
        store: Store,
        *,
        standby: bool = False,
        ttl: dt.timedelta = TTL,
        renew: float = RENEW,
    ) -> None:
        self.store = store
        self.standby = standby
        self.ttl = ttl
        self.renew = renew
        self.me = this_process()
        self.held = False
        #: another process took the lease over while this one ran
        self.lost = False

    def acquire(self, stop: threading.Event) -> bool:
        """Take the lease; refuse (StoreError) or, standing by, wait. False if stopped."""
        announced = False
        while not stop.is_set():
            current = self._try()
            if current is None:
                self.held = True
                return True
            holder = Holder.parse(current.holder)
            who = holder.describe() if holder else current.holder
            if not self.standby:
                raise StoreError(
                    f"`relbot run` is already running on this store ({who}); stop it first, "
                    "or start this one with --standby to take over when it stops"
                )
            if not announced:
                log.info("standing by: `relbot run` %s has the store; taking over after it", who)
                announced = True
            stop.wait(STANDBY_RETRY)
        return False

    def _try(self) -> Lease | None:
        """None when this process now holds the lease, else the lease that stops it."""
        now = _now()
        if self.store.acquire_lease(NAME, str(self.me), now=now, ttl=self.ttl):
            return None
        current = read_lease(self.store, NAME)
        if current is None:
            return self._try()  # released meanwhile
        holder = Holder.parse(current.holder)
        if (
            holder is not None
            and is_dead(holder)
            and take_over_lease(
                self.store, NAME, str(self.me), previous=current.holder, now=now, ttl=self.ttl
            )
        ):
            log.warning(
                "took the store over from `relbot run` %s, which is no longer running",
                holder.describe(),
            )
            return None
        return current

    def keep(self, stop: threading.Event) -> None:
        """Renew the lease every ``renew`` seconds until ``stop``; lost, it sets ``stop``."""
        while not stop.wait(self.renew):
            try:
                kept = self.store.acquire_lease(NAME, str(self.me), now=_now(), ttl=self.ttl)
            except StoreError as exc:
                log.warning("could not renew the run lease: %s", exc)
                continue
            if not kept:
                try:
                    current = read_lease(self.store, NAME)
                except StoreError:
                    current = None
                holder = Holder.parse(current.holder) if current else None
                log.error(
                    "another `relbot run` (%s) took the store over; stopping",
                    holder.describe() if holder else "unknown",
                )
                self.held = False
                self.lost = True
                stop.set()

    def release(self) -> None:
        if self.held:
            self.store.release_lease(NAME, str(self.me))
            self.held = False


def running(store: Store) -> str | None:
    """Which ``relbot run`` holds the store now ("pid N on host H"), or None."""
    lease = read_lease(store, NAME)
    if lease is None or lease.expires_at < _now():
        return None
    holder = Holder.parse(lease.holder)
    if holder is None:
        return lease.holder
    return None if is_dead(holder) else holder.describe()
