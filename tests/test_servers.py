"""The test servers themselves: they start, deliver, restart and leave nothing behind."""

from __future__ import annotations

import os
import smtplib
import ssl
import time
from pathlib import Path

from servers import NOBODY, Dovecot, ListServer, TlsCert, session_pids

MAIL = (
    b"From: Ann <ann@example.org>\r\nSubject: hello\r\nMessage-ID: <%s@example.org>\r\n\r\nhi\r\n"
)


def _uids(server: Dovecot, folder: str) -> list[int]:
    c = server.client()
    try:
        c.select_folder(folder, readonly=True)
        return list(c.search(["ALL"]))
    finally:
        c.logout()


def test_start_and_stop_leave_no_process_and_no_temp_dir(dovecot_binary: Path) -> None:
    server = Dovecot()
    root = server.root
    with server:
        pid = server.pid
        assert pid is not None
        assert pid in server.processes()
        assert len(server.processes()) > 1  # master plus its services
    assert session_pids(pid) == []
    assert not root.exists()


def test_kill_leaves_no_process(dovecot_binary: Path) -> None:
    with Dovecot() as server:
        pid = server.pid
        assert pid is not None
        server.kill()
        assert session_pids(pid) == []
        assert server.pid is None


def test_lmtp_delivery_into_a_nested_folder(dovecot: Dovecot) -> None:
    dovecot.deliver_lmtp(MAIL % b"lmtp", "lists/dev")
    assert _uids(dovecot, "lists/dev") == [1]
    assert _uids(dovecot, "INBOX") == []


def test_append_returns_the_uid(dovecot: Dovecot) -> None:
    assert dovecot.append("lists/dev", MAIL % b"a1") == 1
    assert dovecot.append("lists/dev", MAIL % b"a2", flags=[r"\Seen"]) == 2
    assert b"\\Seen" in dovecot.flags("lists/dev", 2)


def test_restart_keeps_ports_mail_and_uidvalidity(dovecot: Dovecot) -> None:
    dovecot.append("INBOX", MAIL % b"r1")
    before = dovecot.uidvalidity("INBOX"), dovecot.imap_port, dovecot.lmtp_port
    old_pid = dovecot.pid
    dovecot.restart()
    assert dovecot.pid != old_pid
    assert (dovecot.uidvalidity("INBOX"), dovecot.imap_port, dovecot.lmtp_port) == before
    assert _uids(dovecot, "INBOX") == [1]


def test_write_maildir_is_indexed_by_dovecot(dovecot: Dovecot) -> None:
    n = dovecot.write_maildir("lists/big", (MAIL % b"big%d" % i for i in range(50)))
    assert n == 50
    target = dovecot.folder_dir("lists/big")
    assert os.stat(target).st_uid == NOBODY
    assert os.stat(target / "cur").st_uid == NOBODY
    assert _uids(dovecot, "lists/big") == list(range(1, 51))


def test_change_uidvalidity(dovecot: Dovecot) -> None:
    dovecot.append("lists/dev", MAIL % b"v1")
    old = dovecot.uidvalidity("lists/dev")
    new = dovecot.change_uidvalidity("lists/dev")
    assert new != old
    assert dovecot.uidvalidity("lists/dev") == new


def test_list_server_requires_starttls_then_auth(
    list_server: ListServer, tls_cert: TlsCert
) -> None:
    with smtplib.SMTP(list_server.host, list_server.port, timeout=10) as smtp:
        code, _ = smtp.mail("relbot@localhost")
        assert code == 530  # STARTTLS first
        smtp.rset()
        smtp.starttls(context=ssl.create_default_context(cafile=tls_cert.cert))
        smtp.ehlo()
        code, _ = smtp.mail("relbot@localhost")
        assert code == 530  # then AUTH
        smtp.rset()
        smtp.login("relbot", "secret")
        smtp.sendmail("relbot@localhost", ["dev@lists.example.org"], MAIL % b"s1")
    [got] = list_server.received
    assert got.login == "relbot"
    assert got.rcpt_tos == ("dev@lists.example.org",)
    assert got.data == MAIL % b"s1"


def test_list_server_delivers_to_dovecot(
    list_server: ListServer, dovecot: Dovecot, tls_cert: TlsCert
) -> None:
    list_server.deliver_to = dovecot
    list_server.deliver_folder = "lists/dev"
    start = time.monotonic()
    with smtplib.SMTP(list_server.host, list_server.port, timeout=10) as smtp:
        smtp.starttls(context=ssl.create_default_context(cafile=tls_cert.cert))
        smtp.login("relbot", "secret")
        smtp.sendmail("relbot@localhost", ["dev@lists.example.org"], MAIL % b"loop")
    assert time.monotonic() - start < 5
    assert _uids(dovecot, "lists/dev") == [1]


def test_list_server_queued_replies(list_server: ListServer, tls_cert: TlsCert) -> None:
    list_server.replies.append("451 4.3.0 try later")
    with smtplib.SMTP(list_server.host, list_server.port, timeout=10) as smtp:
        smtp.starttls(context=ssl.create_default_context(cafile=tls_cert.cert))
        smtp.login("relbot", "secret")
        try:
            smtp.sendmail("relbot@localhost", ["dev@lists.example.org"], MAIL % b"q1")
        except smtplib.SMTPDataError as exc:
            assert exc.smtp_code == 451
        else:
            raise AssertionError("451 expected")
        smtp.sendmail("relbot@localhost", ["dev@lists.example.org"], MAIL % b"q2")
    assert list_server.data_attempts == 2
    assert len(list_server.received) == 1
