"""Two hosts, one PostgreSQL: each reply applied once, each week's mail sent once.

Two project folders with their own config.toml play two hosts' relbot
installations; both point ``[store] url`` at one PostgreSQL database, read one
Dovecot folder and send through one aiosmtpd list that delivers into that
folder. Everything is a real process and a real server.

* Two ``relbot run``: the first runs, the second stands by (``--standby``);
  the first is SIGKILLed after it read the replies and sent the week; the
  second takes over, reads the replies that came since, and does not send
  the week again.
* Two ``relbot poll --once`` at the same moment on the same folder, and two
  ``relbot send`` at the same moment: no reply applied twice, one mail sent.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from pg import PostgresServer
from runproc import REPO, RelbotProcess, edit_config, use_store
from servers import PASSWORD, Dovecot, ListServer, TlsCert

from tests.clirun import Project

EXAMPLES = REPO / "docs" / "examples"
REPLIES = sorted((EXAMPLES / "replies").glob("*.eml"))
FOLDER = "lists/dev"
LIST_ADDR = "xen-devel@lists.xen.org"
RUNNING = "running; next send"


def host_project(
    root: Path, url: str, dovecot: Dovecot, server: ListServer, cert: TlsCert, send: str
) -> Project:
    """One host's relbot: the shipped config, on the shared store, folder and list."""
    p = Project.create(root)
    config = p.root / "config.toml"
    use_store(config, url)
    edit_config(
        config,
        ('source = "maildir"', 'source = "imap"'),
        (
            'host = "imap.example.org"\nport = 993\ntls = "ssl"',
            f'host = "{dovecot.host}"\nport = {dovecot.imap_port}\ntls = "none"\ntimeout = 10',
        ),
        ('password_env = "RELBOT_IMAP_PASSWORD"', 'password_env = "RELBOT_2H_IMAP_PASSWORD"'),
        ('folders = ["INBOX"]', f'folders = ["{FOLDER}"]'),
        ('transport = "file"', 'transport = "smtp"'),
        (
            'host = "smtp.example.org"\nport = 587',
            f'host = "{server.host}"\nport = {server.port}\n'
            f'ca_file = "{cert.cert}"\ntimeout = 10\nretries = 0',
        ),
        ('password_env = "RELBOT_SMTP_PASSWORD"', 'password_env = "RELBOT_2H_SMTP_PASSWORD"'),
        ('to = ["xen-devel <xen-devel@lists.example.org>"]', f'to = ["xen-devel <{LIST_ADDR}>"]'),
        (
            'send = "mon 12:00"\ntimezone = "Europe/London"',
            f'send = "{send}"\ntimezone = "UTC"\npoll_interval = 2',
        ),
    )
    return p


@pytest.fixture
def hosts(
    tmp_path: Path,
    pg_url: str,
    dovecot: Dovecot,
    list_server: ListServer,
    tls_cert: TlsCert,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Project, Project]:
    monkeypatch.setenv("RELBOT_2H_IMAP_PASSWORD", dovecot.password)
    monkeypatch.setenv("RELBOT_2H_SMTP_PASSWORD", PASSWORD)
    list_server.deliver_to = dovecot
    list_server.deliver_folder = FOLDER
    dovecot.create(FOLDER)
    # the week's send time passed ten minutes ago: due now, within the grace
    slot = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    send = slot.strftime("%a %H:%M").lower()
    a = host_project(tmp_path / "host-a", pg_url, dovecot, list_server, tls_cert, send)
    b = host_project(tmp_path / "host-b", pg_url, dovecot, list_server, tls_cert, send)
    a.ok("init")
    a.ok("import", str(EXAMPLES / "status-4.2.eml"))
    b.ok("init")  # the store is shared: nothing left to create
    return a, b


def message_id(path: Path) -> str:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return str(msg["Message-ID"]).strip("<>")


def status_mails(server: ListServer) -> list[str]:
    """Subjects of relbot's own mails the list took (not the developers' replies)."""
    found = []
    for got in server.received:
        msg = email.message_from_bytes(got.data, policy=email.policy.default)
        if str(msg["Message-ID"]).startswith("<relbot."):
            found.append(str(msg["Message-ID"]))
    return found


def stored_events(url: str) -> list[tuple[str, str, str, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT source, kind, item, data FROM events")).all()
    finally:
        engine.dispose()
    return [(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]


def assert_applied_once(url: str, sources: list[str]) -> None:
    events = stored_events(url)
    twice = [e for e, n in Counter(events).items() if n > 1]
    assert twice == [], twice
    by_source = {e[0] for e in events}
    missing = [s for s in sources if s not in by_source]
    assert missing == [], missing


def test_two_runs_one_store_fail_over_without_doing_anything_twice(
    hosts: tuple[Project, Project],
    dovecot: Dovecot,
    list_server: ListServer,
    pg_url: str,
) -> None:
    a, b = hosts
    before = [REPLIES[0], REPLIES[1], REPLIES[2]]  # claim, bug pointer, done
    after = [REPLIES[3], REPLIES[4]]  # defer, #relbot command
    for reply in before:
        dovecot.deliver_lmtp(reply.read_bytes(), FOLDER)
    with RelbotProcess(a.root / "config.toml", "run", "--standby") as run_a:
        run_a.wait_for(RUNNING, timeout=60)
        with RelbotProcess(b.root / "config.toml", "run", "--standby") as run_b:
            run_b.wait_for("standing by", timeout=60)
            run_a.wait_for("sent <relbot.", timeout=60)
            run_a.wait_for("applied", timeout=30)
            assert len(status_mails(list_server)) == 1
            run_a.kill()
            run_b.wait_for(RUNNING, timeout=60)
            mark = len(run_b.lines)
            for reply in after:
                dovecot.deliver_lmtp(reply.read_bytes(), FOLDER)
            run_b.wait_for(message_id(after[-1]), timeout=60, start=mark)
            time.sleep(4)  # two ticks of the poll job: time to send the week again, if it would
            assert run_b.stop() == 0, run_b.output
    assert RUNNING not in "".join(run_b.lines[: run_b.wait_for("standing by")])
    assert len(status_mails(list_server)) == 1, run_a.output + run_b.output
    assert_applied_once(pg_url, [message_id(r) for r in before + after])


def test_two_polls_and_two_sends_at_once(
    hosts: tuple[Project, Project],
    dovecot: Dovecot,
    list_server: ListServer,
    pg_url: str,
) -> None:
    a, b = hosts
    for reply in REPLIES:
        dovecot.deliver_lmtp(reply.read_bytes(), FOLDER)
    polls = [RelbotProcess(p.root / "config.toml", "poll", "--once") for p in (a, b)]
    for proc in polls:
        with proc:
            assert proc.wait(60) == 0, proc.output
    read = [
        int(line.split("thread members ")[1].split(",")[0])
        for proc in polls
        for line in proc.lines
        if "thread members " in line
    ]
    assert sum(read) >= len(REPLIES), [proc.output for proc in polls]
    # the hedge only proposes (it waits for a release manager): no event of its own
    assert_applied_once(pg_url, [message_id(r) for r in REPLIES if "hedge" not in r.name])
    sends = [RelbotProcess(p.root / "config.toml", "send") for p in (a, b)]
    for proc in sends:
        with proc:
            proc.wait(60)
    outputs = "".join(proc.output for proc in sends)
    assert len(status_mails(list_server)) == 1, outputs
    said = [line for line in outputs.splitlines() if re.match(r"\d{4}-W\d\d: sent <relbot\.", line)]
    assert len(said) == 1, outputs


def test_the_server_fixture_is_postgresql(postgres: PostgresServer) -> None:
    assert "PostgreSQL" in postgres.psql("SELECT version()")
