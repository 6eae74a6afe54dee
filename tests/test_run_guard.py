"""One `relbot run` per store: a second refuses, or stands by; a dead one is taken over.

Real processes on a real store, SQLite and PostgreSQL alike: two schedulers on
one store would each poll, each tick and share APScheduler's job store, which
APScheduler 3 does not allow.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from runproc import RelbotProcess, use_store

from relbot.edges.store.leases import read_lease, take_over_lease
from relbot.edges.store.store import Store
from relbot.errors import StoreError
from relbot.service.runguard import NAME, TTL, RunGuard
from tests.clirun import Project

RUNNING = "running; next send"


@pytest.fixture
def project(tmp_path: Path, store_url: str) -> Project:
    p = Project.create(tmp_path / "rm")
    use_store(p.root / "config.toml", store_url)
    p.ok("init")
    return p


def config(p: Project) -> Path:
    return p.root / "config.toml"


def test_a_second_run_on_the_same_store_refuses_to_start(project: Project) -> None:
    assert "relbot run:" not in project.ok("status")
    with RelbotProcess(config(project), "run") as first:
        first.wait_for(RUNNING)
        assert f"relbot run:        pid {first.proc.pid} on host" in project.ok("status")
        with RelbotProcess(config(project), "run") as second:
            assert second.wait(timeout=60) == 1, second.output
        out = second.output
        assert "already running" in out, out
        assert f"pid {first.proc.pid}" in out, out
        assert "--standby" in out, out
        assert "Traceback" not in out, out
        assert first.running()
        assert first.stop() == 0, first.output


def test_a_run_whose_process_died_is_taken_over_at_once(project: Project) -> None:
    with RelbotProcess(config(project), "run") as first:
        first.wait_for(RUNNING)
        first.kill()
    with RelbotProcess(config(project), "run") as second:
        second.wait_for(RUNNING, timeout=30)
        out = second.output
        assert f"pid {first.proc.pid}" in out and "no longer running" in out, out
        assert second.stop() == 0, second.output


def test_a_standby_run_takes_over_when_the_first_stops(project: Project) -> None:
    with RelbotProcess(config(project), "run") as first:
        first.wait_for(RUNNING)
        with RelbotProcess(config(project), "run", "--standby") as standby:
            standby.wait_for("standing by", timeout=60)
            assert RUNNING not in standby.output
            assert first.stop() == 0, first.output
            standby.wait_for(RUNNING, timeout=30)
            assert standby.stop() == 0, standby.output


# -- the lease itself, on each backend -----------------------------------------------


def _hold(store: Store, holder: str, expires_in: dt.timedelta) -> None:
    now = dt.datetime.now(dt.UTC)
    assert store.acquire_lease(NAME, holder, now=now - TTL, ttl=TTL + expires_in)


def test_another_hosts_run_is_refused_until_its_lease_runs_out(store_url: str) -> None:
    store = Store(store_url)
    try:
        _hold(store, "build-02.example.org:4242:123:abcd", dt.timedelta(seconds=30))
        with pytest.raises(StoreError, match=r"pid 4242 on host build-02\.example\.org"):
            RunGuard(store).acquire(threading.Event())
        _hold(store, "build-02.example.org:4242:123:abcd", -dt.timedelta(seconds=1))
        guard = RunGuard(store)
        assert guard.acquire(threading.Event())
        assert read_lease(store, NAME).holder == str(guard.me)  # type: ignore[union-attr]
        guard.release()
        assert read_lease(store, NAME) is None
    finally:
        store.close()


def test_a_dead_pid_on_this_host_is_taken_over_and_a_live_one_is_not(store_url: str) -> None:
    store = Store(store_url)
    try:
        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait()
        host = socket.gethostname()
        _hold(store, f"{host}:{gone.pid}:1:dead", dt.timedelta(minutes=5))
        assert RunGuard(store).acquire(threading.Event())
        alive = RunGuard(store)
        with pytest.raises(StoreError, match=f"pid {os.getpid()} on host"):
            alive.acquire(threading.Event())
    finally:
        store.close()


def test_a_standby_that_is_stopped_gives_up_quietly(store_url: str) -> None:
    store = Store(store_url)
    try:
        _hold(store, "build-02.example.org:4242:123:abcd", dt.timedelta(minutes=5))
        stop = threading.Event()
        threading.Timer(0.5, stop.set).start()
        guard = RunGuard(store, standby=True)
        assert guard.acquire(stop) is False
        assert not guard.held
    finally:
        store.close()


def test_a_run_that_lost_its_hold_stops(store_url: str) -> None:
    store = Store(store_url)
    try:
        guard = RunGuard(store, renew=0.05)
        assert guard.acquire(threading.Event())
        # a standby elsewhere took over (this process was paused past the TTL, say)
        assert take_over_lease(
            store,
            NAME,
            "build-02.example.org:4242:123:abcd",
            previous=str(guard.me),
            now=dt.datetime.now(dt.UTC),
            ttl=TTL,
        )
        stop = threading.Event()
        keeper = threading.Thread(target=guard.keep, args=(stop,))
        keeper.start()
        keeper.join(10)
        assert stop.is_set() and guard.lost and not guard.held
        guard.release()  # leaves the new holder alone
        assert read_lease(store, NAME).holder.startswith("build-02")  # type: ignore[union-attr]
    finally:
        store.close()
