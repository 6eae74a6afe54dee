"""After a crash, a restart on the same host takes the send lease over at once.

Real processes hold the lease (a child python that takes it and is killed,
or sleeps on); the parent's ``send_weekly`` must send at once when the holder
is gone, wait while it lives, and never send twice.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

from test_weekly import SLOT, new_service, root, status_mails

from relbot.service.draft import LEASE, LEASE_TTL, Outcome
from relbot.service.lease import boot_id, holder_is_gone, lease_holder, pid_namespace, start_ticks
from relbot.service.weekly import send_weekly

TESTS = Path(__file__).resolve().parent
__all__ = ["root"]  # the fixture, shared with test_weekly
REPO = TESTS.parent

_HOLDER = textwrap.dedent(
    """
    import datetime as dt, os, signal, sys, time
    sys.path[:0] = [sys.argv[1], sys.argv[2]]
    from test_weekly import new_service
    from relbot.service.draft import LEASE, LEASE_TTL
    from relbot.service.lease import lease_holder, take_lease

    service = new_service(__import__("pathlib").Path(sys.argv[3]))
    now = dt.datetime.fromisoformat(sys.argv[4])
    assert take_lease(service.store, LEASE, lease_holder(), now=now, ttl=LEASE_TTL)
    print("holding", flush=True)
    if sys.argv[5] == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(120)
    """
)


def hold_lease(root: Path, now: dt.datetime, how: str) -> subprocess.Popen[str]:
    """A relbot process that takes the lease, then dies (``die``) or lives on (``live``)."""
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(TESTS), str(REPO), str(root), now.isoformat(), how],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "holding"
    return child


def finish(child: subprocess.Popen[str], *, kill: bool = False) -> int:
    if kill:
        child.kill()
    code = child.wait(30)
    assert child.stdout is not None
    child.stdout.close()
    return code


def test_a_restart_takes_over_the_lease_of_a_killed_process_at_once(root: Path) -> None:
    holder = hold_lease(root, SLOT, "die")
    assert finish(holder) == -signal.SIGKILL
    service = new_service(root)
    assert service.store.lease_holder(LEASE) is not None  # the dead process never let go
    result = send_weekly(service, SLOT + dt.timedelta(minutes=1))
    assert result.outcome is Outcome.SENT, result.detail
    assert len(status_mails(root)) == 1
    # and once only
    assert send_weekly(service, SLOT + dt.timedelta(minutes=2)).outcome is Outcome.ALREADY_SENT
    assert len(status_mails(root)) == 1


def test_a_living_holder_keeps_the_lease(root: Path) -> None:
    holder = hold_lease(root, SLOT, "live")
    try:
        service = new_service(root)
        assert send_weekly(service, SLOT + dt.timedelta(minutes=1)).outcome is Outcome.BUSY
        assert status_mails(root) == []
    finally:
        finish(holder, kill=True)
    assert send_weekly(service, SLOT + dt.timedelta(minutes=2)).outcome is Outcome.SENT
    assert len(status_mails(root)) == 1


def test_which_holders_are_gone() -> None:
    host = socket.gethostname()
    me = os.getpid()
    parent = os.getppid()
    boot, space = boot_id(), pid_namespace()
    assert not holder_is_gone(lease_holder())
    # the parent lives: its own start time, or none recorded
    assert not holder_is_gone(f"{host}:{parent}:n:{boot}:{start_ticks(parent)}:{space}")
    assert not holder_is_gone(f"{host}:{parent}:n")
    # its pid, but another start time: the pid was reused
    assert holder_is_gone(f"{host}:{parent}:n:{boot}:1:{space}")
    # a holder from before the machine restarted
    assert holder_is_gone(f"{host}:{me}:n:00000000:{start_ticks(me)}:{space}")
    # another host, another pid namespace: cannot tell, so not gone
    assert not holder_is_gone(f"elsewhere.example.org:{parent}:n:{boot}:1:{space}")
    assert not holder_is_gone(f"{host}:{parent}:n:{boot}:1:1")
    assert not holder_is_gone("dead:1")


def test_the_lease_of_another_host_still_waits_for_its_expiry(root: Path) -> None:
    service = new_service(root)
    assert service.store.acquire_lease(LEASE, "other-host:1:n", now=SLOT, ttl=LEASE_TTL)
    assert send_weekly(service, SLOT + dt.timedelta(minutes=1)).outcome is Outcome.BUSY
    assert send_weekly(service, SLOT + dt.timedelta(minutes=16)).outcome is Outcome.SENT
