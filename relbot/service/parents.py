"""The mails that answers follow: kept slim from the run, else read once from the store.

An answer under a release manager's question takes its meaning from the
question, so a reply's parent is read with it. Answers follow their parent
within a few messages, so the last ``keep`` members read are kept, each with
only what an answer reads of it (its text and sender; the header mapping
goes); an older parent is read from the store and kept in turn.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from sqlalchemy.engine import Connection

from relbot.core.replies.message import Message, read_message
from relbot.edges.store.store import Store


class Parents:
    """The last ``keep`` messages read, by Message-ID, and the store behind them."""

    def __init__(self, store: Store, *, keep: int) -> None:
        self.store = store
        self.keep_count = keep
        self._kept: dict[str, Message] = {}

    def keep(self, msg: Message) -> None:
        self._kept[msg.message_id] = replace(msg, headers=MappingProxyType({}))
        while len(self._kept) > self.keep_count:
            del self._kept[next(iter(self._kept))]

    def get(self, message_id: str, conn: Connection) -> Message | None:
        kept = self._kept.get(message_id)
        if kept is None:
            raw = self.store.message_raw(message_id, conn)
            if raw is None:
                return None
            kept = read_message(raw)
            self.keep(kept)
        return kept
