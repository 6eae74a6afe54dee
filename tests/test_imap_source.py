"""ImapSource against a real Dovecot on loopback."""

from __future__ import annotations

import dataclasses
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from email.parser import BytesHeaderParser
from typing import Any

import pytest
from servers import BROKEN_USER, Dovecot, TlsCert, free_port

from relbot.core.settings import ImapConfig
from relbot.edges.imap.client import FolderState, ImapSource
from relbot.edges.imap.reconnect import Backoff, MailboxUnavailable, reconnecting
from relbot.errors import MailboxError

FOLDER = "lists/dev"


def mail(n: int, *, extra: str = "", body: str = "body text\r\n") -> bytes:
    return (
        f"From: Dev {n} <dev{n}@example.org>\r\n"
        f"To: dev@lists.example.org\r\n"
        f"Subject: Re: 4.2 Release Plan / TODO ({n})\r\n"
        f"Date: Mon, 2 Apr 2012 12:00:00 +0000\r\n"
        f"Message-ID: <m{n}@example.org>\r\n"
        f"In-Reply-To: <plan@example.org>\r\n"
        f"References: <plan@example.org>\r\n"
        f"X-Unrelated: not fetched\r\n"
        f"{extra}"
        f"\r\n"
        f"{body}"
    ).encode()


def config(server: Dovecot, **changes: Any) -> ImapConfig:
    base = ImapConfig(
        host=server.host, port=server.imap_port, tls="none", username="relbot", timeout=5.0
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture
def source(dovecot: Dovecot) -> Iterator[ImapSource]:
    with ImapSource(config(dovecot), "secret") as src:
        yield src


def later(delay: float, action: Callable[[], object]) -> threading.Thread:
    """Run ``action`` in ``delay`` seconds, from another thread."""

    def run() -> None:
        time.sleep(delay)
        action()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


# -- connecting ---------------------------------------------------------------------


def test_login_and_select_give_the_folder_state(dovecot: Dovecot, source: ImapSource) -> None:
    dovecot.append(FOLDER, mail(1))
    dovecot.append(FOLDER, mail(2))
    state = source.select(FOLDER)
    assert state == FolderState(
        uidvalidity=dovecot.uidvalidity(FOLDER), uidnext=3, exists=2, has_idle=True
    )


def test_connection_refused_is_clear_and_transient() -> None:
    port = free_port()
    cfg = ImapConfig(host="127.0.0.1", port=port, tls="none", username="relbot")
    with pytest.raises(MailboxUnavailable) as info:
        ImapSource(cfg, "secret")
    assert str(info.value) == (
        f"IMAP 127.0.0.1:{port}: connection refused — is the server running?"
    )
    assert info.value.transient


def test_bad_password_names_the_user(dovecot: Dovecot) -> None:
    with pytest.raises(MailboxError) as info:
        ImapSource(config(dovecot), "wrong")
    message = str(info.value)
    assert message.startswith(f"IMAP 127.0.0.1:{dovecot.imap_port}: login failed for relbot: ")
    assert "[AUTHENTICATIONFAILED]" in message
    assert "b'" not in message
    assert not getattr(info.value, "transient", False)


def test_logged_in_but_initialization_failed_is_an_error(dovecot: Dovecot) -> None:
    # Dovecot answers OK to LOGIN, then cannot start the session (no uid).
    with pytest.raises(MailboxError, match=r"logged in as broken, but .*initialization failed"):
        ImapSource(config(dovecot, username=BROKEN_USER), "secret")


def test_missing_folder_names_the_config_key(source: ImapSource) -> None:
    with pytest.raises(MailboxError, match=r"SELECT lists/nope failed: .* check \[imap\] folders"):
        source.select("lists/nope")


def test_tls_on_a_plaintext_port_says_what_to_check(dovecot: Dovecot) -> None:
    with pytest.raises(MailboxError, match=r'TLS failed during connect .* is tls = "ssl" right'):
        ImapSource(config(dovecot, tls="ssl"), "secret")


def test_starttls_refused_when_the_server_does_not_offer_it(dovecot: Dovecot) -> None:
    with pytest.raises(MailboxError, match="does not offer STARTTLS"):
        ImapSource(config(dovecot, tls="starttls"), "secret")


@pytest.mark.parametrize("tls", ["ssl", "starttls"])
def test_tls_with_the_servers_ca(dovecot_tls: Dovecot, tls_cert: TlsCert, tls: str) -> None:
    port = dovecot_tls.imaps_port if tls == "ssl" else dovecot_tls.imap_port
    cfg = config(dovecot_tls, tls=tls, port=port, ca_file=str(tls_cert.cert))
    dovecot_tls.append("INBOX", mail(1))
    with ImapSource(cfg, "secret") as src:
        assert src.select("INBOX").exists == 1


def test_tls_with_the_wrong_ca_fails_verification(
    dovecot_tls: Dovecot, other_cert: TlsCert
) -> None:
    cfg = config(dovecot_tls, tls="ssl", port=dovecot_tls.imaps_port, ca_file=str(other_cert.cert))
    with pytest.raises(MailboxError, match=r"certificate verification failed .*ca_file"):
        ImapSource(cfg, "secret")
    with ImapSource(dataclasses.replace(cfg, verify=False), "secret") as src:
        assert src.select("INBOX").exists == 0


# -- reading ------------------------------------------------------------------------


def test_search_above_a_watermark(dovecot: Dovecot, source: ImapSource) -> None:
    for n in range(1, 4):
        dovecot.append(FOLDER, mail(n))
    source.select(FOLDER)
    assert source.search_uids_above(0) == [1, 2, 3]
    assert source.search_uids_above(2) == [3]
    # "4:*" matches UID 3 (the highest) on the wire; nothing is above 3
    assert source.search_uids_above(3) == []
    assert source.search_uids_above(10) == []


def test_headers_are_fetched_in_batches_with_the_thread_fields(
    dovecot: Dovecot, source: ImapSource
) -> None:
    extra = "Auto-Submitted: auto-replied\r\nList-Id: <dev.lists.example.org>\r\n"
    for n in range(1, 8):
        dovecot.append(FOLDER, mail(n, extra=extra if n == 5 else ""))
    source.select(FOLDER)
    got = list(source.fetch_headers(source.search_uids_above(0), batch_size=3))
    assert [uid for uid, _ in got] == list(range(1, 8))
    parser = BytesHeaderParser()
    for uid, raw in got:
        headers = parser.parsebytes(raw)
        assert headers["Message-ID"] == f"<m{uid}@example.org>"
        assert headers["In-Reply-To"] == "<plan@example.org>"
        assert headers["References"] == "<plan@example.org>"
        assert headers["Subject"] == f"Re: 4.2 Release Plan / TODO ({uid})"
        assert headers["From"] == f"Dev {uid} <dev{uid}@example.org>"
        assert headers["Date"] is not None
        assert headers["X-Unrelated"] is None
        assert b"body text" not in raw
        assert source.sizes[uid] == len(mail(uid, extra=extra if uid == 5 else ""))
    assert parser.parsebytes(got[4][1])["Auto-Submitted"] == "auto-replied"
    assert parser.parsebytes(got[4][1])["List-Id"] == "<dev.lists.example.org>"
    assert source.bytes_received == sum(len(raw) for _, raw in got)


def test_body_fetch_leaves_seen_unchanged(dovecot: Dovecot, source: ImapSource) -> None:
    unseen = dovecot.append(FOLDER, mail(1))
    seen = dovecot.append(FOLDER, mail(2), flags=[r"\Seen"])
    source.select(FOLDER)
    before = source.bytes_received
    bodies = dict(source.fetch_bodies([unseen, seen]))
    assert bodies == {unseen: mail(1), seen: mail(2)}
    assert source.bytes_received - before == len(mail(1)) + len(mail(2))
    assert b"\\Seen" not in dovecot.flags(FOLDER, unseen)
    assert b"\\Seen" in dovecot.flags(FOLDER, seen)


def test_fetch_skips_uids_that_do_not_exist(dovecot: Dovecot, source: ImapSource) -> None:
    dovecot.append(FOLDER, mail(1))
    source.select(FOLDER)
    assert [uid for uid, _ in source.fetch_bodies([1, 7])] == [1]
    assert [uid for uid, _ in source.fetch_headers([1, 7])] == [1]


def test_search_by_message_id(dovecot: Dovecot, source: ImapSource) -> None:
    for n in range(1, 4):
        dovecot.append(FOLDER, mail(n))
    source.select(FOLDER)
    assert source.search_message_id("<m2@example.org>") == [2]
    assert source.search_message_id("<never-sent@example.org>") == []


def test_uidvalidity_change_is_visible_on_select(dovecot: Dovecot) -> None:
    dovecot.append(FOLDER, mail(1))
    with ImapSource(config(dovecot), "secret") as src:
        old = src.select(FOLDER).uidvalidity
    new = dovecot.change_uidvalidity(FOLDER)
    with ImapSource(config(dovecot), "secret") as src:
        assert src.select(FOLDER).uidvalidity == new != old


# -- waiting ------------------------------------------------------------------------


def test_idle_wakes_soon_after_an_lmtp_delivery(dovecot: Dovecot, source: ImapSource) -> None:
    dovecot.create(FOLDER)
    source.select(FOLDER)
    later(0.2, lambda: dovecot.deliver_lmtp(mail(1), FOLDER))
    start = time.monotonic()
    assert source.idle_wait(10.0) is True
    assert time.monotonic() - start < 2.0
    assert source.search_uids_above(0) == [1]


def test_idle_times_out_without_mail(dovecot: Dovecot, source: ImapSource) -> None:
    dovecot.create(FOLDER)
    source.select(FOLDER)
    start = time.monotonic()
    assert source.idle_wait(0.5) is False
    assert 0.4 < time.monotonic() - start < 2.0
    # the connection is usable after IDLE is done
    assert source.search_uids_above(0) == []


def test_noop_polling_when_idle_is_off(dovecot: Dovecot) -> None:
    dovecot.create(FOLDER)
    with ImapSource(config(dovecot, idle=False), "secret", noop_interval=0.05) as src:
        assert src.select(FOLDER).has_idle is False
        assert src.idle_wait(0.2) is False
        later(0.2, lambda: dovecot.deliver_lmtp(mail(1), FOLDER))
        start = time.monotonic()
        assert src.idle_wait(10.0) is True
        assert time.monotonic() - start < 2.0


@pytest.mark.parametrize("crash", ["kill", "stop"])
def test_server_gone_during_idle_then_reconnect_misses_nothing(
    dovecot: Dovecot, caplog: pytest.LogCaptureFixture, crash: str
) -> None:
    dovecot.append(FOLDER, mail(1))
    src = ImapSource(config(dovecot), "secret")
    try:
        state = src.select(FOLDER)
        watermark = src.search_uids_above(0)[-1]
        gone = later(0.3, getattr(dovecot, crash))  # SIGKILL, or a clean shutdown (BYE)
        start = time.monotonic()
        with pytest.raises(MailboxUnavailable) as info:
            src.idle_wait(10.0)
        assert time.monotonic() - start < 5.0
        gone.join()
        assert info.value.transient
        assert f"IMAP 127.0.0.1:{dovecot.imap_port}: connection lost during IDLE" in str(info.value)
    finally:
        src.close()  # must not raise on a dead connection

    # mail that arrives while the server is down, and a restart during the backoff
    dovecot.write_maildir(FOLDER, [mail(2)])
    sleeps: list[float] = []

    def sleep(delay: float) -> None:
        sleeps.append(delay)
        if len(sleeps) == 2:
            dovecot.start()

    backoff = Backoff(base=0.5, cap=10.0, rand=lambda: 1.0, sleep=sleep)
    caplog.set_level(logging.INFO, logger="relbot.edges.imap.client")
    src = reconnecting(lambda: ImapSource(config(dovecot), "secret"), backoff=backoff)
    with src:
        again = src.select(FOLDER)
        assert again.uidvalidity == state.uidvalidity
        new = src.search_uids_above(watermark)
        assert [raw for _, raw in src.fetch_bodies(new)] == [mail(2)]
    assert sleeps == [0.5, 1.0]
    assert backoff.attempts == 0  # reset after success
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "connection refused — is the server running?; reconnecting in 0.5 s" in warnings[0]


def test_reconnecting_gives_up_on_permanent_errors(dovecot: Dovecot) -> None:
    sleeps: list[float] = []
    backoff = Backoff(sleep=sleeps.append)
    with pytest.raises(MailboxError, match="login failed"):
        reconnecting(lambda: ImapSource(config(dovecot), "wrong"), backoff=backoff)
    assert sleeps == []


def test_reconnecting_stops_after_max_attempts() -> None:
    cfg = ImapConfig(host="127.0.0.1", port=free_port(), tls="none", username="relbot")
    sleeps: list[float] = []
    with pytest.raises(MailboxUnavailable):
        reconnecting(
            lambda: ImapSource(cfg, "secret"),
            backoff=Backoff(rand=lambda: 0.5, sleep=sleeps.append),
            max_attempts=3,
        )
    assert sleeps == [0.5, 1.0]


def test_backoff_is_exponential_with_full_jitter_and_a_cap() -> None:
    full = Backoff(base=1.0, cap=5.0, rand=lambda: 1.0, sleep=lambda _: None)
    assert [full.next_delay() for _ in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    zero = Backoff(base=1.0, cap=5.0, rand=lambda: 0.0, sleep=lambda _: None)
    assert zero.wait() == 0.0
    full.reset()
    assert full.next_delay() == 1.0


class ScriptedImap:
    """A loopback IMAP server that sends an untagged EXISTS before IDLE's "+".

    RFC 3501 allows untagged data at any time; Dovecot happens not to send
    any there, so this server does, to show relbot takes it as new mail.
    """

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.commands: list[str] = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn, conn.makefile("rwb") as io:

            def send(*lines: str) -> None:
                io.write(b"".join(f"{line}\r\n".encode() for line in lines))
                io.flush()

            send("* OK [CAPABILITY IMAP4rev1 IDLE] ready")
            idle_tag = ""
            for raw in io:
                tag, _, rest = raw.decode().strip().partition(" ")
                command = rest.split(" ")[0].upper()
                self.commands.append(command or tag)
                if tag == "DONE":
                    send(f"{idle_tag} OK Idle completed")
                elif command == "IDLE":
                    idle_tag = tag
                    send("* 2 EXISTS", "+ idling")
                elif command == "EXAMINE":
                    send(
                        "* 1 EXISTS",
                        "* OK [UIDVALIDITY 7] UIDs valid",
                        "* OK [UIDNEXT 2] Predicted next UID",
                        f"{tag} OK [READ-ONLY] Examine completed",
                    )
                elif command == "UID":
                    send("* SEARCH 1", f"{tag} OK Search completed")
                elif command == "LOGOUT":
                    send("* BYE bye", f"{tag} OK Logout completed")
                    return
                else:
                    send(f"{tag} OK [CAPABILITY IMAP4rev1 IDLE] {command} completed")

    def close(self) -> None:
        self.listener.close()
        self.thread.join(5)


def test_exists_before_the_idle_continuation_is_new_mail() -> None:
    server = ScriptedImap()
    try:
        cfg = ImapConfig(host="127.0.0.1", port=server.port, tls="none", username="relbot")
        with ImapSource(cfg, "secret") as src:
            assert src.select(FOLDER).exists == 1
            assert src.search_uids_above(0) == [1]
            started = time.monotonic()
            assert src.idle_wait(10.0) is True
            assert time.monotonic() - started < 2.0
            # IDLE was ended properly: the connection still works
            assert src.search_uids_above(0) == [1]
    finally:
        server.close()
    assert server.commands[-5:] == ["NOOP", "IDLE", "DONE", "UID", "LOGOUT"]
