"""`relbot run` (or any relbot command) as a real child process, its stderr read as it comes."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Self

REPO = Path(__file__).resolve().parents[1]


class RelbotProcess:
    """One ``python -m relbot --config CONFIG ARGS...`` child; ``lines`` is its stderr so far."""

    def __init__(self, config: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.args = args
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "relbot", "--config", str(config), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONWARNINGS": "error", "PYTHONPATH": str(REPO), **(env or {})},
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        out = self.proc.stdout
        assert out is not None
        for line in out:
            self._queue.put(line)

    def _drain(self, timeout: float = 0.0) -> bool:
        try:
            self.lines.append(self._queue.get(timeout=timeout))
        except queue.Empty:
            return False
        while True:
            try:
                self.lines.append(self._queue.get_nowait())
            except queue.Empty:
                return True

    @property
    def output(self) -> str:
        self._drain()
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 30.0, *, start: int = 0) -> int:
        """Wait until a line (from index ``start`` on) contains ``text``; that line's index."""
        deadline = time.monotonic() + timeout
        checked = start
        while True:
            for i in range(checked, len(self.lines)):
                if text in self.lines[i]:
                    return i
            checked = max(checked, len(self.lines))
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"relbot {' '.join(self.args)}: no {text!r} within {timeout} s:\n{self.output}"
                )
            if not self._drain(0.1) and self.proc.poll() is not None and self._queue.empty():
                self._reader.join(1)
                if not self._drain():
                    raise AssertionError(
                        f"relbot {' '.join(self.args)} exited ({self.proc.returncode}) "
                        f"before {text!r}:\n{self.output}"
                    )

    def wait(self, timeout: float = 30.0) -> int:
        """Wait for the process to exit; its exit status."""
        code = self.proc.wait(timeout=timeout)
        self._reader.join(5)
        self._drain()
        return code

    def running(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, then wait; SIGKILL if it does not stop."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        """Crash it: SIGKILL, as a power cut or the OOM killer would."""
        if self.proc.poll() is None:
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.wait(10)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def edit_config(config: Path, *swaps: tuple[str, str]) -> None:
    """Replace lines of a project's config.toml; each ``old`` must be there."""
    text = config.read_text(encoding="utf-8")
    for old, new in swaps:
        if old not in text:
            raise AssertionError(f"{config}: no {old!r} to replace")
        text = text.replace(old, new)
    config.write_text(text, encoding="utf-8")


def use_store(config: Path, url: str) -> None:
    """Point a project made from the repository's config.toml at the store ``url``."""
    edit_config(config, ('url = "sqlite:///var/relbot.db"', f'url = "{url}"'))


def fill_maildir(maildir: Path, mails: list[Path]) -> None:
    """Deliver files the maildir way (written in tmp/, renamed into new/), in order."""
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for n, mail in enumerate(mails):
        name = f"{1334580000 + n}.M{n}P1.host"
        (maildir / "tmp" / name).write_bytes(mail.read_bytes())
        (maildir / "tmp" / name).rename(maildir / "new" / name)
