"""A send that fails before it reaches the server (no SMTP password) is a plain
failure: the week's row is not left "sending", `status` shows it, and
`send --now` retries at once once the cause is fixed."""

from __future__ import annotations

from pathlib import Path

import pytest
from clirun import Project, seed_path
from servers import ListServer, TlsCert

AT = "2026-11-30T12:05+0000"
SECRET_ENV = "RELBOT_SMTP_PASSWORD"


def smtp_project(root: Path, server: ListServer, cert: TlsCert) -> Project:
    p = Project.create(root)
    config = p.root / "config.toml"
    text = config.read_text(encoding="utf-8")
    for old, new in (
        ('transport = "file"', 'transport = "smtp"'),
        ('host = "smtp.example.org"', f'host = "{server.host}"'),
        ("port = 587", f"port = {server.port}"),
        (
            f'password_env = "{SECRET_ENV}"',
            f'password_env = "{SECRET_ENV}"\nca_file = "{cert.cert}"\ntimeout = 5.0\nretries = 0',
        ),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    config.write_text(text, encoding="utf-8")
    p.ok("init")
    p.ok("import", str(seed_path()))
    return p


def test_a_missing_password_fails_plainly_and_send_now_retries(
    tmp_path: Path, list_server: ListServer, tls_cert: TlsCert, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    p = smtp_project(tmp_path, list_server, tls_cert)
    result = p.run("send", "--at", AT)
    assert result.exit_code == 1
    assert SECRET_ENV in result.output
    assert list_server.received == [] and list_server.data_attempts == 0
    outbox = p.ok("outbox")
    assert outbox.startswith("2026-W49  failed") and SECRET_ENV in outbox
    status = p.ok("status", "--at", AT)
    assert "outbox:            2026-W49 failed" in status and SECRET_ENV in status
    assert "relbot send --now" in status

    monkeypatch.setenv(SECRET_ENV, "secret")
    out = p.ok("send", "--now", "--at", "2026-11-30T12:06+0000")
    assert out.startswith("2026-W49: sent <relbot.4.2.2026-W49.")
    assert len(list_server.received) == 1
    assert p.ok("outbox").startswith("2026-W49  sent")


def test_run_once_with_a_missing_password_leaves_the_week_retryable(
    tmp_path: Path, list_server: ListServer, tls_cert: TlsCert, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    p = smtp_project(tmp_path, list_server, tls_cert)
    result = p.run("run", "--once", "--at", AT)
    assert result.exit_code == 1 and SECRET_ENV in result.output
    assert "sending" not in p.ok("outbox")
    monkeypatch.setenv(SECRET_ENV, "secret")
    assert "2026-W49: sent" in p.ok("send", "--now", "--at", "2026-11-30T12:07+0000")
    assert len(list_server.received) == 1


def test_a_preview_without_a_password_is_shown_in_status(
    tmp_path: Path, list_server: ListServer, tls_cert: TlsCert, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    p = smtp_project(tmp_path, list_server, tls_cert)
    config = p.root / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('review = "auto"', 'review = "preview"'),
        encoding="utf-8",
    )
    before = "2026-11-29T13:00+0000"  # a day before the send: the preview is due
    out = p.ok("run", "--once", "--at", before)
    assert "2026-W49: preview not sent" in out and SECRET_ENV in out
    status = p.ok("status", "--at", before)
    assert "outbox:            2026-W49 draft: preview not sent" in status
    monkeypatch.setenv(SECRET_ENV, "secret")
    assert "2026-W49: preview sent" in p.ok("run", "--once", "--at", "2026-11-29T13:05+0000")
    assert "preview not sent" not in p.ok("status", "--at", "2026-11-29T13:05+0000")
    assert len(list_server.received) == 1
