"""A time budget for understanding one mail: past it, the work is cut off.

``Budget(seconds).run(fn)`` runs one pure step (reading a mail, understanding
it) with what is left of the budget and raises ``OverBudget`` when it runs
out. In the main thread (``relbot ingest``, ``relbot poll``) a SIGALRM timer
interrupts the step wherever it is, inside a regular expression too (the
regex engine checks for signals as it goes). In any other thread (the mail
follower of ``relbot run``) a timer thread raises ``OverBudget`` in the
working thread at its next Python instruction (``PyThreadState_SetAsyncExc``).

``OverBudget`` is a ``BaseException``: the reading code's ``except
Exception`` fallbacks (a broken MIME part read again another way) must not
swallow it. Only pure steps run under a budget, never a database call, so a
cut-off leaves no half-written state: the caller's transaction rolls back.
"""

from __future__ import annotations

import ctypes
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import TypeVar

T = TypeVar("T")


class OverBudget(BaseException):
    """The mail took longer to understand than ``[parsing] max_seconds_per_message``."""


class Budget:
    """The time left for one mail; ``run`` spends it on one step at a time."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def run(self, step: Callable[[], T]) -> T:
        left = self.left()
        if self.seconds <= 0:
            return step()  # no budget configured
        if left <= 0:
            raise OverBudget
        if threading.current_thread() is threading.main_thread() and _alarm_free():
            return _run_with_alarm(step, left)
        return _run_with_timer(step, left)


def _alarm_free() -> bool:
    """True when no one else uses SIGALRM in this process."""
    return signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0) and signal.getsignal(
        signal.SIGALRM
    ) in (signal.SIG_DFL, signal.SIG_IGN, None)


#: how often the cut-off is raised again while the step still runs: an exception
#: that arrives inside a gc or weakref callback is printed and lost there
AGAIN = 0.05


class _Alarm:
    fired = False

    def __call__(self, _signum: int, _frame: FrameType | None) -> None:
        self.fired = True
        raise OverBudget


def _run_with_alarm(step: Callable[[], T], seconds: float) -> T:
    alarm = _Alarm()
    previous = signal.signal(signal.SIGALRM, alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds, AGAIN)
        result = step()
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            # the alarm may go off just as the step returns: the handler is
            # put back whatever happens, and the OverBudget goes on up
            signal.signal(signal.SIGALRM, previous)
    if alarm.fired:
        raise OverBudget  # it went off, and something on the way swallowed it
    return result


_API = ("PyThreadState_SetAsyncExc", ctypes.pythonapi)
#: raise an exception in another thread; the same call with NULL takes it back
_raise_in = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.py_object)(_API)
_clear_in = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p)(_API)


def _run_with_timer(step: Callable[[], T], seconds: float) -> T:
    worker = threading.get_ident()
    lock = threading.Lock()
    finished = threading.Event()
    state = {"done": False, "fired": False}

    def cut_off() -> None:
        if finished.wait(seconds):
            return
        while True:
            with lock:
                if state["done"]:
                    return
                state["fired"] = True
                _raise_in(worker, OverBudget)
            if finished.wait(AGAIN):
                return

    watchdog = threading.Thread(target=cut_off, name="relbot-budget", daemon=True)
    watchdog.start()
    try:
        result = step()
    finally:
        finished.set()
        with lock:
            state["done"] = True
            if state["fired"]:
                # raised already, or about to be: clear a pending one so it
                # cannot surface later, in code the budget does not cover
                _clear_in(worker, None)
    if state["fired"]:
        raise OverBudget  # it was raised, and something on the way swallowed it
    return result
