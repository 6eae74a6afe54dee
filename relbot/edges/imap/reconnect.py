"""Losing the IMAP server and finding it again: which failures are worth another try, and
exponential backoff with full jitter between the tries.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from relbot.errors import MailboxError

log = logging.getLogger("relbot.edges.imap")

T = TypeVar("T")


class MailboxUnavailable(MailboxError):
    """The server could not be reached or dropped the connection; retrying may help."""

    transient = True


def is_transient(exc: BaseException) -> bool:
    return bool(getattr(exc, "transient", False))


# -- reconnecting ------------------------------------------------------------------


class Backoff:
    """Exponential backoff with full jitter: sleep ``rand() * min(cap, base * 2**n)``."""

    def __init__(
        self,
        base: float = 1.0,
        cap: float = 300.0,
        *,
        rand: Callable[[], float] = random.random,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base = base
        self.cap = cap
        self.rand = rand
        self.sleep = sleep
        self.attempts = 0

    def next_delay(self) -> float:
        delay = self.rand() * min(self.cap, self.base * 2.0**self.attempts)
        self.attempts += 1
        return delay

    def wait(self) -> float:
        delay = self.next_delay()
        self.sleep(delay)
        return delay

    def reset(self) -> None:
        self.attempts = 0


def reconnecting(
    connect: Callable[[], T], *, backoff: Backoff | None = None, max_attempts: int | None = None
) -> T:
    """Call ``connect`` until it succeeds; retry only transient MailboxErrors.

    ``max_attempts`` bounds the calls (None: keep trying). Each retry is
    logged with the reason and the delay.
    """
    backoff = backoff or Backoff()
    calls = 0
    while True:
        calls += 1
        try:
            result = connect()
        except MailboxError as exc:
            if not is_transient(exc) or (max_attempts is not None and calls >= max_attempts):
                raise
            delay = backoff.next_delay()
            log.warning("%s; reconnecting in %.1f s (attempt %d)", exc, delay, calls + 1)
            backoff.sleep(delay)
            continue
        if calls > 1:
            log.info("reconnected after %d attempts", calls)
        backoff.reset()
        return result
