"""What the tests' own servers (Dovecot, PostgreSQL) share: a loopback port, a
process started from a temp dir, a wait until it answers, and a stop that
always runs.

A subclass starts its process (``start``, which calls ``_wait_ready``), says
how to tell it answers (``_probe``), how to stop it (``stop``) and what to
remove after (``_remove``). ``with Server() as s:`` starts it, and stops it
and removes its files however the block ends.
"""

from __future__ import annotations

import abc
import socket
import subprocess
import time
from types import TracebackType
from typing import Self


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LocalServer(abc.ABC):
    host = "127.0.0.1"
    #: the name errors give the server
    kind = "server"
    _proc: subprocess.Popen[bytes] | None = None

    @abc.abstractmethod
    def start(self, timeout: float = 10.0) -> None: ...

    @abc.abstractmethod
    def stop(self, timeout: float = 10.0) -> None: ...

    @abc.abstractmethod
    def _probe(self) -> tuple[bool, str]:
        """Whether the server answers, and what it said (or the error) when not."""

    @abc.abstractmethod
    def _remove(self) -> None:
        """Remove what the server wrote (after it stopped)."""

    @abc.abstractmethod
    def log_tail(self, lines: int = 30) -> str: ...

    def _wait_ready(self, timeout: float, *, interval: float = 0.02) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"{self.kind} exited with status {self._proc.returncode}:\n{self.log_tail()}"
                )
            ready, last = self._probe()
            if ready:
                return
            time.sleep(interval)
        raise RuntimeError(f"{self.kind} not ready within {timeout} s ({last}):\n{self.log_tail()}")

    def close(self) -> None:
        try:
            self.stop()
        finally:
            self._remove()

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
