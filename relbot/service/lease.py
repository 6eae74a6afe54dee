"""The ``weekly-send`` lease: one relbot process at a time acts on the outbox.

A holder names its process: ``host:pid:nonce:boot:start:pidns`` (the
kernel's boot id, the process's start time in clock ticks, its pid
namespace). A lease runs out after ``LEASE_TTL``; before that, a process on
the same host takes it over at once when the holder is gone: the host was
restarted since (another boot id), no process has that pid, the pid's
process is a zombie, or it started at another time (the pid was reused).
When it cannot tell (another host or pid namespace, or no ``/proc``), it
waits for the lease to run out, as before.

Taking over never sends twice: the outbox protocol (``relbot.service.weekly``)
finds a mail the dead holder left ``sending`` and looks for it on the list
before any second attempt.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from pathlib import Path

from relbot.edges.store.store import Store

log = logging.getLogger("relbot.service.lease")

PROC = Path("/proc")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return ""


def boot_id() -> str:
    """This boot of the machine, as the kernel names it ('' where unknown)."""
    return _read(PROC / "sys" / "kernel" / "random" / "boot_id")[:8]


def _stat(pid: int) -> list[str]:
    """Fields of /proc/PID/stat after the command name (state first), [] if none."""
    text = _read(PROC / str(pid) / "stat")
    return text.rpartition(")")[2].split() if text else []


def start_ticks(pid: int) -> str:
    """When process ``pid`` started, in clock ticks after boot ('' where unknown)."""
    fields = _stat(pid)
    return fields[19] if len(fields) > 19 else ""


def pid_namespace() -> str:
    try:
        link = os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""
    return "".join(c for c in link if c.isdigit())


def lease_holder() -> str:
    """This process, as the holder of a lease."""
    pid = os.getpid()
    return ":".join(
        (
            socket.gethostname(),
            str(pid),
            uuid.uuid4().hex[:8],
            boot_id(),
            start_ticks(pid),
            pid_namespace(),
        )
    )


def holder_is_gone(holder: str) -> bool:
    """True when the process ``holder`` names surely no longer runs."""
    host, _, rest = holder.partition(":")
    parts = rest.split(":")
    if host != socket.gethostname() or not parts[0].isdigit():
        return False  # another machine: only the lease's expiry tells
    pid = int(parts[0])
    boot, started, namespace = [*parts[2:5], "", "", ""][:3]
    if namespace and namespace != pid_namespace():
        return False  # another container: its pids are not ours to look up
    if boot and boot_id() and boot != boot_id():
        return True  # the machine restarted since: every process of then is gone
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # a process of another user has the pid
    fields = _stat(pid)
    if fields and fields[0] in ("Z", "X"):
        return True  # exited; only its parent has not reaped it yet
    return bool(started and fields and start_ticks(pid) != started)


def take_lease(
    store: Store, name: str, holder: str, *, now: dt.datetime, ttl: dt.timedelta
) -> bool:
    """Take or renew ``name``; also from a holder on this host whose process is gone."""
    if store.acquire_lease(name, holder, now=now, ttl=ttl):
        return True
    current = store.lease_holder(name)
    if current is None or not holder_is_gone(current):
        return False
    if store.take_over_lease(name, current, holder, now=now, ttl=ttl):
        log.warning("took over the %s lease from %s, which is no longer running", name, current)
        return True
    return False  # another restart took it first
