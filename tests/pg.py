"""A private PostgreSQL server for the store tests, in a temp dir on a loopback port.

Debian's ``postgresql`` package (installed by ``scripts/install-system-deps``)
puts the server binaries under ``/usr/lib/postgresql/<major>/bin``; nothing of
the system's own cluster is used or started. The data directory is made with
``initdb`` by a user that may run the server: root may not, so as root the
server runs as the ``postgres`` user the package creates. Authentication is
``trust`` on 127.0.0.1 only, and durability is off (fsync, synchronous
commit): a test database lives for one test.

Every start has its stop in a ``finally``; the server is stopped with a fast
shutdown and killed if it lingers.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.localserver import LocalServer, free_port

INSTALL_HINT = "run scripts/install-system-deps (as root) to install Debian's postgresql"
SUPERUSER = "relbot"


def find_bin_dir() -> Path:
    """The newest ``/usr/lib/postgresql/<major>/bin`` that has initdb and postgres."""
    found = []
    for candidate in Path("/usr/lib/postgresql").glob("*/bin"):
        if (candidate / "initdb").exists() and (candidate / "postgres").exists():
            with contextlib.suppress(ValueError):
                found.append((int(candidate.parent.name), candidate))
    if not found:
        raise RuntimeError(f"no PostgreSQL server under /usr/lib/postgresql: {INSTALL_HINT}")
    return max(found)[1]


def _run_as() -> dict[str, Any]:
    """Popen arguments that run the server as a user allowed to (not root)."""
    if os.getuid() != 0:
        return {}
    try:
        pw = pwd.getpwnam("postgres")
    except KeyError as exc:
        raise RuntimeError(f"no 'postgres' user to run the server as: {INSTALL_HINT}") from exc
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}


class PostgresServer(LocalServer):
    """One private PostgreSQL server; ``database()`` makes a fresh, empty database."""

    kind = "postgres"

    def __init__(self) -> None:
        self.bin = find_bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="relbot-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._proc: subprocess.Popen[bytes] | None = None
        self._names = itertools.count(1)
        self._as = _run_as()

    def _chown(self, path: Path) -> None:
        if self._as:
            os.chown(path, self._as["user"], self._as["group"])

    def start(self, timeout: float = 30.0) -> None:
        self.root.chmod(0o755)
        self._chown(self.root)
        env = {**os.environ, "LC_ALL": "C.UTF-8", "TZ": "UTC"}
        made = subprocess.run(
            [
                *(str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER),
                *("--auth=trust", "--encoding=UTF8", "--no-sync", "--no-instructions"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=self.root,
            check=False,
            **self._as,
        )
        if made.returncode != 0:
            raise RuntimeError(f"initdb failed ({made.returncode}): {made.stderr.strip()}")
        log = (self.root / "server.log").open("ab")
        self._chown(self.root / "server.log")
        settings = {
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": str(self.root),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "100",
            "shared_buffers": "32MB",
        }
        argv = [str(self.bin / "postgres"), "-D", str(self.data)]
        for key, value in settings.items():
            argv += ["-c", f"{key}={value}"]
        with log:
            self._proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=env,
                cwd=self.root,
                **self._as,
            )
        try:
            self._wait_ready(timeout, interval=0.05)
        except BaseException:
            self.stop()
            raise

    def _probe(self) -> tuple[bool, str]:
        ready = subprocess.run(
            [str(self.bin / "pg_isready"), "-h", self.host, "-p", str(self.port)],
            capture_output=True,
            text=True,
            check=False,
        )
        return ready.returncode == 0, ready.stdout.strip()

    def stop(self, timeout: float = 10.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGINT)  # fast shutdown: roll back, close, exit
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def _remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = (self.root / "server.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    # -- databases -------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL relbot's ``[store] url`` takes."""
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL with the server's own psql client; its output."""
        done = subprocess.run(
            [
                *(str(self.bin / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"),
                *("-h", self.host, "-p", str(self.port), "-U", SUPERUSER, "-d", database),
                *("-c", sql),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql: {sql}: {done.stderr.strip()}")
        return done.stdout

    def database(self) -> str:
        """A new empty database; its URL."""
        name = f"relbot_{os.getpid()}_{next(self._names)}"
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- fixtures (tests/conftest.py makes them available to every test) -------------


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A private PostgreSQL server for the session; the test errors (never skips) without one."""
    try:
        server = PostgresServer().__enter__()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def pg_url(postgres: PostgresServer) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test: its ``[store] url``."""
    url = postgres.database()
    try:
        yield url
    finally:
        postgres.drop(url)


BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store on each backend in turn: an SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'relbot.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url
