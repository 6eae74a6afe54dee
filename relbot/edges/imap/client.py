"""The IMAP edge: read one account's folders with imapclient, decide nothing.

It selects a folder, lists UIDs above a watermark, fetches the headers the
thread filter needs and then whole messages (``BODY.PEEK``, so \\Seen never
changes), and waits with IDLE. Every library, socket and TLS error leaves as
a MailboxError; a lost or refused connection is a ``MailboxUnavailable``
(``transient = True``) so the poller knows a reconnect may help.
"""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, Self

from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from relbot.core.settings import ImapConfig
from relbot.edges.imap.reconnect import MailboxUnavailable, is_transient
from relbot.errors import MailboxError

log = logging.getLogger("relbot.edges.imap")

#: the headers the thread filter and the loop guards look at
HEADER_FIELDS = (
    "MESSAGE-ID IN-REPLY-TO REFERENCES SUBJECT FROM DATE AUTO-SUBMITTED PRECEDENCE X-LOOP "
    "LIST-ID CONTENT-TYPE X-AUTOREPLY X-AUTORESPOND RETURN-PATH REPLY-TO X-ORIGINAL-FROM"
)
_HEADER_ITEM = f"BODY.PEEK[HEADER.FIELDS ({HEADER_FIELDS})]"
BODY_BATCH = 20


@dataclass(frozen=True, slots=True)
class FolderState:
    uidvalidity: int
    uidnext: int
    exists: int
    has_idle: bool


class MailSource(Protocol):
    """What the poller needs from an IMAP account."""

    bytes_received: int

    def select(self, folder: str) -> FolderState: ...
    def search_uids_above(self, last_uid: int) -> list[int]: ...
    def fetch_headers(
        self, uids: Sequence[int], batch_size: int = 500
    ) -> Iterator[tuple[int, bytes]]: ...
    def fetch_bodies(self, uids: Sequence[int]) -> Iterator[tuple[int, bytes]]: ...
    def search_message_id(self, message_id: str) -> list[int]: ...
    def search_replies(self, message_id: str) -> list[int]: ...
    def idle_wait(self, timeout: float, stop: Callable[[], bool] | None = None) -> bool: ...
    def close(self) -> None: ...


def tls_context(verify: bool, ca_file: str) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=ca_file or None)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


#: seconds between looks at the caller's stop flag while in IDLE
STOP_CHECK = 0.5


class ImapSource:
    """One logged-in IMAP connection; ``with ImapSource(cfg, pw) as src: ...``."""

    def __init__(self, config: ImapConfig, password: str, *, noop_interval: float = 30.0) -> None:
        self.config = config
        self.where = f"IMAP {config.host}:{config.port}"
        self.noop_interval = noop_interval
        self.bytes_received = 0
        #: RFC822.SIZE of every message whose headers were fetched since select()
        self.sizes: dict[int, int] = {}
        self.folder = ""
        self._has_idle = False
        self._client = self._connect(password)

    # -- connection --------------------------------------------------------------

    def _connect(self, password: str) -> IMAPClient:
        cfg = self.config
        ctx = tls_context(cfg.verify, cfg.ca_file) if cfg.tls != "none" else None
        with self._errors("connect"):
            client = IMAPClient(
                cfg.host, cfg.port, ssl=cfg.tls == "ssl", ssl_context=ctx, timeout=cfg.timeout
            )
        try:
            if cfg.tls == "starttls":
                with self._errors("STARTTLS"):
                    if not client.has_capability("STARTTLS"):
                        raise MailboxError(
                            f'{self.where}: the server does not offer STARTTLS; use tls = "ssl"'
                        )
                    client.starttls(ctx)
            self._login(client, password)
            with self._errors("CAPABILITY"):
                self._has_idle = cfg.idle and client.has_capability("IDLE")
        except BaseException:
            with suppress(Exception):
                client.shutdown()
            raise
        return client

    def _login(self, client: IMAPClient, password: str) -> None:
        user = self.config.username
        try:
            with self._errors("LOGIN"):
                resp = client.login(user, password)
        except LoginError as exc:
            text = _unrepr(str(exc))
            cls = MailboxUnavailable if "[UNAVAILABLE]" in text else MailboxError
            raise cls(
                f"{self.where}: login failed for {user}: {text} — check [imap] username "
                f"and the password from password_env / password_command"
            ) from exc
        text = _unrepr(str(resp))
        if "initialization failed" in text.lower():
            raise MailboxError(
                f"{self.where}: logged in as {user}, but the server could not open the "
                f"mailbox: {text} — see the server's log"
            )

    def close(self) -> None:
        """LOGOUT, or just drop the socket when the connection is already gone."""
        client = self._client
        try:
            client.logout()
        except Exception:
            with suppress(Exception):
                client.shutdown()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn library, socket and TLS errors into MailboxError, once."""
        where = self.where
        try:
            yield
        except (MailboxError, LoginError):
            raise
        except ssl.SSLCertVerificationError as exc:
            raise MailboxError(
                f"{where}: certificate verification failed ({exc.verify_message}); set "
                f"[imap] ca_file to the server's CA, or verify = false for a test server"
            ) from exc
        except ssl.SSLError as exc:
            raise MailboxError(
                f"{where}: TLS failed during {action} ({exc.reason}) — "
                f'is tls = "{self.config.tls}" right for port {self.config.port}?'
            ) from exc
        except ConnectionRefusedError as exc:
            raise MailboxUnavailable(
                f"{where}: connection refused — is the server running?"
            ) from exc
        except TimeoutError as exc:
            raise MailboxUnavailable(
                f"{where}: no answer within {self.config.timeout:g} s during {action}"
            ) from exc
        except imaplib.IMAP4.abort as exc:
            raise MailboxUnavailable(
                f"{where}: connection lost during {action}: {_unrepr(str(exc))}"
            ) from exc
        except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError) as exc:
            raise MailboxUnavailable(
                f"{where}: connection lost during {action}: {exc.strerror or exc}"
            ) from exc
        except OSError as exc:
            raise MailboxUnavailable(f"{where}: {action}: {exc.strerror or exc}") from exc
        except imaplib.IMAP4.error as exc:
            raise MailboxError(f"{where}: {action} failed: {_unrepr(str(exc))}") from exc

    # -- reading -----------------------------------------------------------------

    def select(self, folder: str) -> FolderState:
        """EXAMINE ``folder`` (read-only: nothing relbot does changes flags)."""
        try:
            with self._errors(f"SELECT {folder}"):
                info = self._client.select_folder(folder, readonly=True)
        except MailboxError as exc:
            if is_transient(exc):
                raise
            raise MailboxError(f"{exc} — check [imap] folders") from exc.__cause__
        self.folder = folder
        self.sizes.clear()
        self._take_announcements()  # the counts are in the answer
        return FolderState(
            uidvalidity=int(info[b"UIDVALIDITY"]),
            uidnext=int(info.get(b"UIDNEXT", 0)),
            exists=int(info.get(b"EXISTS", 0)),
            has_idle=self._has_idle,
        )

    def search_uids_above(self, last_uid: int) -> list[int]:
        """UIDs greater than ``last_uid``, ascending."""
        # what the server announced before the search is covered by it; from
        # here on an announcement means mail the caller has not seen
        self._take_announcements()
        with self._errors("UID SEARCH"):
            found = self._client.search(["UID", f"{last_uid + 1}:*"])
        # "n:*" always matches the highest UID, even when it is below n
        return sorted(uid for uid in found if uid > last_uid)

    def search_message_id(self, message_id: str) -> list[int]:
        """UIDs of messages whose Message-ID header contains ``message_id``."""
        with self._errors("SEARCH HEADER Message-ID"):
            return sorted(self._client.search(["HEADER", "Message-ID", message_id]))

    def search_replies(self, message_id: str) -> list[int]:
        """UIDs of messages whose In-Reply-To or References header names ``message_id``."""
        query = ["OR", "HEADER", "In-Reply-To", message_id, "HEADER", "References", message_id]
        with self._errors("SEARCH HEADER In-Reply-To/References"):
            return sorted(self._client.search(query))

    def fetch_headers(
        self, uids: Sequence[int], batch_size: int = 500
    ) -> Iterator[tuple[int, bytes]]:
        """``(uid, header block)`` for the thread filter; sizes go to ``self.sizes``."""
        for batch in _batches(uids, batch_size):
            with self._errors("FETCH headers"):
                got = self._client.fetch(batch, [_HEADER_ITEM, "RFC822.SIZE"])
            for uid in sorted(got):
                item = got[uid]
                raw = _header_value(item)
                self.bytes_received += len(raw)
                if b"RFC822.SIZE" in item:
                    self.sizes[uid] = int(item[b"RFC822.SIZE"])
                yield uid, raw

    def fetch_bodies(
        self, uids: Sequence[int], batch_size: int = BODY_BATCH
    ) -> Iterator[tuple[int, bytes]]:
        """``(uid, whole message)``; expunged UIDs are skipped."""
        for batch in _batches(uids, batch_size):
            with self._errors("FETCH BODY.PEEK[]"):
                got = self._client.fetch(batch, ["BODY.PEEK[]"])
            for uid in sorted(got):
                raw = got[uid].get(b"BODY[]")
                if raw is None:
                    continue
                self.bytes_received += len(raw)
                yield uid, bytes(raw)

    # -- waiting -----------------------------------------------------------------

    def idle_wait(self, timeout: float, stop: Callable[[], bool] | None = None) -> bool:
        """Wait up to ``timeout`` s; True when the server reported new mail.

        ``stop`` is asked twice a second while the connection stays in one
        IDLE, so a long wait ends promptly on shutdown without IDLE/DONE
        round trips every few seconds.

        Mail the server announced since the last search counts too, whenever
        it was announced: in the answer to a later FETCH, to a NOOP sent
        first (Dovecot announces mail that arrived before IDLE began only when
        IDLE ends), or before IDLE's continuation. May return early, True or
        False (a spurious wake-up); the caller searches either way and renews
        the wait before the server's IDLE limit.
        """
        if not self._has_idle:
            return self._noop_wait(timeout)
        client = self._client
        deadline = time.monotonic() + timeout
        with self._errors("NOOP"):
            client.noop()
        if self._take_announcements():
            return True
        with self._errors("IDLE"):
            new = self._start_idle()
            try:
                while not new:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    chunk = min(remaining, STOP_CHECK) if stop is not None else remaining
                    started = time.monotonic()
                    responses = client.idle_check(timeout=chunk)
                    if not responses:
                        if stop is None or stop():
                            break  # timeout, or EOF: IDLE DONE below tells which
                        if time.monotonic() - started < chunk / 2:
                            break  # back at once with nothing: the connection is gone
                        continue
                    new = _has_new_mail(responses)
                    _raise_on_bye(responses)
            finally:
                _text, tail = client.idle_done()
        return new or _has_new_mail(tail)

    def _start_idle(self) -> bool:
        """Enter IDLE; True when new mail was announced before the continuation."""
        client = self._client
        imap = client._imap
        try:
            client.idle()
        except imaplib.IMAP4.error as exc:
            # imapclient reads a single line and expects the "+"; an untagged
            # response may come first (imaplib files it), then the "+" follows
            tag = getattr(client, "_idle_tag", None)
            if tag is None or imap.tagged_commands.get(tag) or "Unexpected IDLE" not in str(exc):
                raise
            while imap._get_response() is not None:
                if imap.tagged_commands.get(tag):
                    raise
        return self._take_announcements()

    def _take_announcements(self) -> bool:
        """Clear the EXISTS/RECENT responses imaplib has filed; True if there were any.

        imapclient leaves untagged responses that come with another command's
        answer (a FETCH, a NOOP) in imaplib's store, where nothing else looks.
        """
        filed = self._client._imap.untagged_responses
        found = [filed.pop(key, None) for key in ("EXISTS", "RECENT")]
        return any(found)

    def _noop_wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            with self._errors("NOOP"):
                _text, responses = self._client.noop()
            if _has_new_mail(responses):
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(self.noop_interval, remaining))


def _batches(uids: Sequence[int], size: int) -> Iterator[list[int]]:
    if size < 1:
        raise ValueError(f"batch size must be at least 1, got {size}")
    ordered = sorted(uids)
    for i in range(0, len(ordered), size):
        yield ordered[i : i + size]


def _header_value(item: dict[bytes, Any]) -> bytes:
    # The server names the item BODY[HEADER.FIELDS (...)], echoing our field
    # list in its own spelling: match on the prefix, not the exact key.
    for key, value in item.items():
        if isinstance(key, bytes) and key.upper().startswith(b"BODY[HEADER.FIELDS"):
            return bytes(value) if value is not None else b""
    return b""


def _has_new_mail(responses: Sequence[Any]) -> bool:
    return any(
        isinstance(r, tuple) and len(r) >= 2 and r[1] in (b"EXISTS", b"RECENT") for r in responses
    )


def _raise_on_bye(responses: Sequence[Any]) -> None:
    for r in responses:
        if isinstance(r, tuple) and r and r[0] == b"BYE":
            text = r[1].decode("utf-8", "replace") if len(r) > 1 else ""
            raise imaplib.IMAP4.abort(f"server said BYE {text}".strip())


def _unrepr(text: str) -> str:
    """imapclient puts ``b'...'`` reprs into its messages; show the text."""
    m = re.fullmatch(r"b(['\"])(.*)\1", text.strip(), re.S)
    return m.group(2) if m else text
