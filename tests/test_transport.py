"""SmtpTransport against a real aiosmtpd list server; FileTransport; passwords."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import os
import socket
import sys
import threading
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
from servers import Dovecot, ListServer, TlsCert, free_port

from relbot.core.settings import ImapConfig, SmtpConfig
from relbot.edges.imap.client import ImapSource
from relbot.edges.secrets import resolve_password
from relbot.edges.transport import FileTransport, SmtpTransport, make_transport
from relbot.errors import ConfigError, DeliveryError

LIST = "dev@lists.example.org"
#: an Outlook-style id of 92 characters: longer than the 78 a header folds at
OUTLOOK_ID = (
    "<AM0PR07MB45316F8B2C1D4E9A0B3C5D7E9F1A2B4C6D8E0F123@AM0PR07MB4531.eurprd07.prod.outlook.com>"
)


def message(subject: str = "4.2 Release Plan / TODO", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "relbot <relbot@localhost>"
    msg["To"] = LIST
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="relbot.example.org")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Plan for this week.\n")
    return msg


def smtp_config(server: ListServer, cert: TlsCert | None, **changes: Any) -> SmtpConfig:
    base = SmtpConfig(
        transport="smtp",
        host=server.host,
        port=server.port,
        tls="starttls",
        ca_file=str(cert.cert) if cert else "",
        username="relbot",
        timeout=5.0,
        retries=3,
    )
    return dataclasses.replace(base, **changes)


class Sleeps(list[float]):
    def __call__(self, delay: float) -> None:
        self.append(delay)


def send(transport: SmtpTransport, msg: EmailMessage) -> None:
    transport.send(msg, envelope_from="relbot@localhost", recipients=[LIST])


# -- SMTP ---------------------------------------------------------------------------


def test_starttls_and_auth_send(list_server: ListServer, tls_cert: TlsCert) -> None:
    msg = message()
    send(SmtpTransport(smtp_config(list_server, tls_cert), "secret"), msg)
    [got] = list_server.received
    assert (got.mail_from, got.rcpt_tos, got.login) == ("relbot@localhost", (LIST,), "relbot")
    parsed = email.message_from_bytes(got.data, policy=email.policy.default)
    assert parsed["Message-ID"] == msg["Message-ID"]
    assert parsed.get_content().rstrip() == "Plan for this week."
    assert b"\r\n" in got.data


def test_implicit_tls_send(tls_cert: TlsCert) -> None:
    with ListServer(tls_cert, implicit_tls=True) as server:
        send(SmtpTransport(smtp_config(server, tls_cert, tls="ssl"), "secret"), message())
        assert server.received[0].login == "relbot"


def test_plain_loopback_without_auth() -> None:
    with ListServer(None, auth=False) as server:
        cfg = smtp_config(server, None, tls="none", username="")
        send(SmtpTransport(cfg, ""), message())
        assert server.received[0].login == ""


def test_refuses_auth_without_tls() -> None:
    with ListServer(None, auth=False) as server:
        cfg = smtp_config(server, None, tls="none")
        with pytest.raises(DeliveryError, match="refusing to send the password for relbot") as e:
            send(SmtpTransport(cfg, "secret"), message())
        assert e.value.permanent
        with pytest.raises(DeliveryError, match="does not offer STARTTLS") as e:
            send(SmtpTransport(dataclasses.replace(cfg, tls="starttls"), "secret"), message())
        assert e.value.permanent
        assert server.data_attempts == 0


def test_wrong_ca_is_a_clear_permanent_error(
    list_server: ListServer, tls_cert: TlsCert, other_cert: TlsCert
) -> None:
    cfg = smtp_config(list_server, other_cert)
    sleeps = Sleeps()
    with pytest.raises(DeliveryError) as e:
        send(SmtpTransport(cfg, "secret", sleep=sleeps), message())
    assert str(e.value).startswith(
        f"SMTP 127.0.0.1:{list_server.port}: certificate verification failed"
    )
    assert "[smtp] ca_file" in str(e.value)
    assert e.value.permanent and sleeps == []
    send(SmtpTransport(dataclasses.replace(cfg, verify=False), "secret"), message())
    assert len(list_server.received) == 1


def test_bad_password(list_server: ListServer, tls_cert: TlsCert) -> None:
    with pytest.raises(DeliveryError, match="login failed for relbot: 535") as e:
        send(SmtpTransport(smtp_config(list_server, tls_cert), "wrong"), message())
    assert e.value.permanent


def test_temporary_failure_is_retried_then_succeeds(
    list_server: ListServer, tls_cert: TlsCert, caplog: pytest.LogCaptureFixture
) -> None:
    list_server.replies += ["451 4.3.0 try later", "451 4.3.0 try later"]
    sleeps = Sleeps()
    send(SmtpTransport(smtp_config(list_server, tls_cert), "secret", sleep=sleeps), message())
    assert sleeps == [2.0, 4.0]
    assert list_server.data_attempts == 3
    assert len(list_server.received) == 1
    assert "451 4.3.0 try later; retrying in 2 s (attempt 2 of 4)" in caplog.text


def test_temporary_failure_gives_up_as_not_permanent(
    list_server: ListServer, tls_cert: TlsCert
) -> None:
    list_server.replies += ["451 4.3.0 try later"] * 10
    sleeps = Sleeps()
    transport = SmtpTransport(smtp_config(list_server, tls_cert, retries=2), "secret", sleep=sleeps)
    with pytest.raises(DeliveryError, match=r"451 4.3.0 try later \(gave up after 3 attempts") as e:
        send(transport, message())
    assert e.value.permanent is False
    assert sleeps == [2.0, 4.0]
    assert list_server.data_attempts == 3
    assert list_server.received == []


def test_permanent_failure_is_not_retried(list_server: ListServer, tls_cert: TlsCert) -> None:
    list_server.replies.append("550 5.7.1 not a member of this list")
    sleeps = Sleeps()
    with pytest.raises(DeliveryError, match=r"550 5.7.1 not a member of this list") as e:
        send(SmtpTransport(smtp_config(list_server, tls_cert), "secret", sleep=sleeps), message())
    assert e.value.permanent is True
    assert sleeps == [] and list_server.data_attempts == 1


def test_drop_after_the_message_went_out_is_uncertain_and_not_retried(
    list_server: ListServer, tls_cert: TlsCert
) -> None:
    list_server.replies.append("drop")  # the list closes instead of answering the payload
    sleeps = Sleeps()
    with pytest.raises(DeliveryError, match="after the whole message was sent") as e:
        send(SmtpTransport(smtp_config(list_server, tls_cert), "secret", sleep=sleeps), message())
    assert e.value.uncertain and not e.value.permanent
    assert sleeps == [] and list_server.data_attempts == 1


def test_no_answer_after_the_message_went_out_is_uncertain(
    list_server: ListServer, tls_cert: TlsCert
) -> None:
    list_server.replies.append("stall")  # the list takes it, then says nothing
    sleeps = Sleeps()
    config = smtp_config(list_server, tls_cert, timeout=1.0)
    transport = SmtpTransport(config, "secret", sleep=sleeps)
    with pytest.raises(DeliveryError, match="no answer within 1 s, after the whole message") as e:
        send(transport, message())
    assert e.value.uncertain and not e.value.permanent
    assert sleeps == [] and len(list_server.received) == 1  # it did reach the list


def test_drop_before_data_is_retried(tls_cert: TlsCert) -> None:
    """A server that hangs up at once: nothing was sent, so trying again is safe."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        hangups = threading.Thread(target=_hang_up, args=(listener, 3), daemon=True)
        hangups.start()
        cfg = SmtpConfig(transport="smtp", host="127.0.0.1", port=port, tls="none", retries=2)
        sleeps = Sleeps()
        with pytest.raises(DeliveryError, match="connection dropped") as e:
            send(SmtpTransport(cfg, "", sleep=sleeps), message())
        hangups.join(5)
    assert not e.value.uncertain and not e.value.permanent
    assert sleeps == [2.0, 4.0]


def _hang_up(listener: socket.socket, times: int) -> None:
    for _ in range(times):
        conn, _addr = listener.accept()
        conn.close()


def test_server_down_is_temporary() -> None:
    cfg = SmtpConfig(transport="smtp", host="127.0.0.1", port=free_port(), retries=1)
    sleeps = Sleeps()
    with pytest.raises(DeliveryError, match="connection refused — is the server running") as e:
        send(SmtpTransport(cfg, "", sleep=sleeps), message())
    assert not e.value.permanent and sleeps == [2.0]


def test_long_message_id_stays_verbatim_in_threading_headers(
    list_server: ListServer, tls_cert: TlsCert
) -> None:
    assert len(OUTLOOK_ID) == 92
    msg = message(
        "Re: 4.2 Release Plan / TODO",
        In_Reply_To=OUTLOOK_ID,
        References=f"<plan-1@relbot.example.org> {OUTLOOK_ID}",
    )
    send(SmtpTransport(smtp_config(list_server, tls_cert), "secret"), msg)
    data = list_server.received[0].data
    assert f"In-Reply-To: {OUTLOOK_ID}\r\n".encode() in data
    assert f"References: <plan-1@relbot.example.org> {OUTLOOK_ID}\r\n".encode() in data
    assert b"=?utf-8?" not in data


def test_sent_mail_reaches_the_polled_folder(
    list_server: ListServer, tls_cert: TlsCert, dovecot: Dovecot
) -> None:
    list_server.deliver_to = dovecot
    list_server.deliver_folder = "lists/dev"
    msg = message(In_Reply_To=OUTLOOK_ID, References=OUTLOOK_ID)
    send(SmtpTransport(smtp_config(list_server, tls_cert), "secret"), msg)
    imap = ImapConfig(host=dovecot.host, port=dovecot.imap_port, tls="none", username="relbot")
    with ImapSource(imap, "secret") as src:
        src.select("lists/dev")
        [uid] = src.search_message_id(msg["Message-ID"])
        [(_, raw)] = list(src.fetch_bodies([uid]))
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Message-ID"] == msg["Message-ID"]
    assert parsed["In-Reply-To"] == OUTLOOK_ID


# -- files ---------------------------------------------------------------------------


def test_file_transport_writes_a_parseable_eml(tmp_path: Path) -> None:
    when = datetime(2012, 4, 2, 12, 0, 0, 123456, tzinfo=UTC)
    transport = FileTransport(tmp_path / "outbox", clock=lambda: when)
    msg = message(In_Reply_To=OUTLOOK_ID)
    msg.replace_header("Message-ID", "<2012.a/b$c=d@relbot.example.org>")
    transport.send(msg, envelope_from="relbot@localhost", recipients=[LIST])
    path = transport.last_path
    assert path is not None
    assert path.name == "20120402T120000.123456Z-2012.a_b_c_d@relbot.example.org.eml"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == "4.2 Release Plan / TODO"
    assert parsed["In-Reply-To"] == OUTLOOK_ID
    assert parsed.get_content() == "Plan for this week.\n"


def test_file_transport_unwritable_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(DeliveryError, match=r"cannot write .*file/") as e:
        FileTransport(blocker).send(message(), envelope_from="a@b", recipients=[LIST])
    assert e.value.permanent


def test_make_transport(tmp_path: Path) -> None:
    file_transport = make_transport(SmtpConfig(outbox_dir="out"), "", tmp_path)
    assert isinstance(file_transport, FileTransport)
    assert file_transport.directory == tmp_path / "out"
    absolute = make_transport(SmtpConfig(outbox_dir=str(tmp_path / "abs")), "", Path("/x"))
    assert isinstance(absolute, FileTransport) and absolute.directory == tmp_path / "abs"
    assert isinstance(make_transport(SmtpConfig(transport="smtp"), "pw", tmp_path), SmtpTransport)


# -- passwords -----------------------------------------------------------------------


def test_password_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELBOT_TEST_PW", "s3cret ")
    assert resolve_password("RELBOT_TEST_PW", "", what="[imap]") == "s3cret "
    monkeypatch.delenv("RELBOT_TEST_PW")
    with pytest.raises(ConfigError, match=r"\[imap\] password_env: .*RELBOT_TEST_PW is not set"):
        resolve_password("RELBOT_TEST_PW", "", what="[imap]")


def test_password_from_a_command() -> None:
    py = sys.executable
    assert resolve_password("", f"{py} -c \"print('pw with space')\"", what="[smtp]") == (
        "pw with space"
    )
    # no shell: the semicolon is an argument, not a second command
    assert resolve_password("", "echo 'a;b'", what="[smtp]") == "a;b"
    assert resolve_password("", "", what="[smtp]") == ""


def test_password_command_failures() -> None:
    with pytest.raises(ConfigError, match=r"'false' exited with status 1"):
        resolve_password("", "false", what="[smtp]")
    with pytest.raises(ConfigError, match=r"'no-such-pw-tool' not found"):
        resolve_password("", "no-such-pw-tool --get", what="[smtp]")
    with pytest.raises(ConfigError, match=r"did not finish within 0.2 s"):
        resolve_password("", "sleep 5", what="[smtp]", timeout=0.2)
    with pytest.raises(ConfigError, match="cannot split"):
        resolve_password("", "echo 'unclosed", what="[smtp]")


def test_password_command_error_shows_stderr(tmp_path: Path) -> None:
    script = tmp_path / "pw"
    script.write_text("#!/bin/sh\necho 'gpg: decryption failed' >&2\nexit 2\n")
    os.chmod(script, 0o755)
    with pytest.raises(ConfigError, match="exited with status 2: gpg: decryption failed"):
        resolve_password("", str(script), what="[imap]")
