"""The event history as far as one process has read it, and its fold.

Reading a reply needs the tracker as stored now (and the state the status
mail it answers showed); folding every event again for each of a backfill's
hundreds of replies would cost more than reading them. ``History`` loads only
what was stored since its last read.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.engine import Connection

from relbot.core.tracker.events import Event, Kind, apply_event, fold, undo_targets
from relbot.core.tracker.model import Tracker
from relbot.edges.store.store import Store


class History:
    """The event history as far as this process has read it, and its fold.

    Each read loads only the events stored since the last one and applies
    them to the folded tracker; an undo (which can take back any earlier
    event) folds everything again. If the store holds other events than the
    ones read (another writer's transaction committed out of seq order), the
    history is read afresh. The state each status mail showed, the fold of
    its first ``event_count`` events, is kept once computed.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.events: list[Event] = []
        self.tracker = Tracker()
        #: seqs named by undo events, which a fold leaves out
        self._undo_targets: set[int] = set()
        self._shown: dict[int, Tracker] = {}

    def current(self, conn: Connection | None = None) -> Tracker:
        """The tracker as stored now; call it inside the transaction that writes."""
        if conn is None:
            with self.store.transaction(readonly=True) as c:
                return self.current(c)
        last = self.events[-1].seq if self.events else 0
        new = self.store.events_after(last, conn)
        if self.store.event_count(conn) != len(self.events) + len(new):
            self.events = self.store.events(conn)
            self._shown.clear()
            self._refold()
        elif new:
            self.events.extend(new)
            undo = any(e.kind is Kind.UNDO or e.seq in self._undo_targets for e in new)
            if undo:
                self._refold()
            else:
                self.tracker = apply_all(self.tracker, new)
        return self.tracker

    def shown(self, event_count: int) -> Tracker | None:
        """The state a status mail showed, ``fold(events[:event_count])``."""
        if not event_count:
            return None
        state = self._shown.get(event_count)
        if state is None:
            state = fold(self.events[:event_count])
            if event_count <= len(self.events):  # a shorter prefix may still grow
                self._shown[event_count] = state
        return state

    def _refold(self) -> None:
        self.tracker = fold(self.events)
        self._undo_targets = {
            seq for e in self.events if e.kind is Kind.UNDO for seq in undo_targets(e)
        }


def apply_all(tracker: Tracker, events: Iterable[Event]) -> Tracker:
    for event in events:
        tracker = apply_event(tracker, event)
    return tracker
