"""The mails that answers follow: kept slim from the run, else read once from the store.

An answer under a release manager's question takes its meaning from the
question, so a reply's parent is read with it. Answers follow their parent
within a few messages, so the last ``keep`` members read are kept, each with
only what an answer reads of it (its text and sender; the header mapping
goes); an older parent is read from the store and kept in turn. A parent no
release manager can have written (``asks``, on its header fields) is read as
its header only: a small reply to a 10 MB mail does not read the 10 MB.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from types import MappingProxyType

from sqlalchemy.engine import Connection

from relbot.core.identity import header_fields
from relbot.core.replies.headers import header_block
from relbot.core.replies.message import Message, read_header_fields, read_message
from relbot.edges.store.store import Store


class Parents:
    """The last ``keep`` messages read, by Message-ID, and the store behind them."""

    def __init__(
        self,
        store: Store,
        *,
        keep: int,
        asks: Callable[[Sequence[tuple[str, str]]], bool] = lambda fields: True,
    ) -> None:
        self.store = store
        self.keep_count = keep
        self.asks = asks
        self._kept: dict[str, Message] = {}
        #: ids of parents read as their header only (no question of theirs counts)
        self.header_only: set[str] = set()

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
            if self.asks(header_fields(header_block(raw))):
                kept = read_message(raw)
            else:
                kept = read_header_fields(raw)
                self.header_only.add(kept.message_id)
            self.keep(kept)
        return kept
