"""Four weeks on a list, the whole loop through real servers.

aiosmtpd plays the list (STARTTLS, then AUTH) and delivers every mail it
accepts into a real Dovecot over LMTP, so relbot's own mail lands in the
folder it polls, next to the developers' replies. relbot runs with
``[mailbox] source = "imap"`` and ``[smtp] transport = "smtp"``, on a clock of
the test's choosing, as a fresh process state for every step:

1. the hand-written status mail of 16 April 2012 is imported;
2. week 1 goes out, threaded to it;
3. six developers answer week 1 through the list: a claim, a bug pointer, a
   done, a defer, a ``#relbot`` command, and a hedge that waits for the RM;
4. week 2 shows all that and says who did what; its sender is SIGKILLed
   after the list took the mail but before it heard the 250, and the next
   run finds the mail in the folder instead of sending it again;
5. the RM accepts the hedged proposal by mail (``#relbot accept N``);
6. week 3 shows it;
7. week 4: the list hangs up after the whole mail went out; relbot does not
   retry blindly: it looks for the mail in the folder, gives a slow list
   ``resend_after_minutes``, and only then sends it again, because it is
   still not there.

At the end the folder holds exactly one mail per week, all of them in one
thread with the replies, by their headers and by Dovecot's THREAD REFERENCES.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import itertools
import os
import re
import smtplib
import ssl
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from clirun import REPO, Project
from servers import PASSWORD, USER, Dovecot, ListServer, TlsCert

from relbot.edges.config import load_config
from relbot.service.outbox import Outbox, State
from relbot.service.poll import poll_once
from relbot.service.statusmail import import_status_mail
from relbot.service.wiring import Service

EXAMPLES = REPO / "docs" / "examples"
STATUS = EXAMPLES / "status-4.2.eml"
STATUS_ID = "1334575910.28331.41.camel@zakaz.uk.xensource.com"
FOLDER = "lists/dev"
LIST_ADDR = "xen-devel@lists.xen.org"
RM = "Ian Campbell <ian.campbell@citrix.com>"
UTC = dt.UTC
#: the release's send time is Monday 12:00 in London (BST in April: 11:00 UTC)
IMPORTED = dt.datetime(2012, 4, 16, 13, 0, tzinfo=UTC)
WEEK1 = dt.datetime(2012, 4, 23, 11, 0, tzinfo=UTC)
WEEK = dt.timedelta(days=7)
WEEKS = ("2012-W17", "2012-W18", "2012-W19", "2012-W20")


# -- the project ---------------------------------------------------------------------


def list_project(
    root: Path,
    dovecot: Dovecot,
    server: ListServer,
    cert: TlsCert,
    monkeypatch: pytest.MonkeyPatch,
) -> Project:
    """The shipped config.toml, pointed at the Dovecot folder and the list."""
    monkeypatch.setenv("RELBOT_E2E_IMAP_PASSWORD", dovecot.password)
    monkeypatch.setenv("RELBOT_E2E_SMTP_PASSWORD", PASSWORD)
    p = Project.create(root)
    text = (p.root / "config.toml").read_text()
    for old, new in (
        ('source = "maildir"', 'source = "imap"'),
        (
            'host = "imap.example.org"\nport = 993\ntls = "ssl"',
            f'host = "{dovecot.host}"\nport = {dovecot.imap_port}\ntls = "none"\ntimeout = 10',
        ),
        ('password_env = "RELBOT_IMAP_PASSWORD"', 'password_env = "RELBOT_E2E_IMAP_PASSWORD"'),
        ('folders = ["INBOX"]', f'folders = ["{FOLDER}"]'),
        ('transport = "file"', 'transport = "smtp"'),
        (
            'host = "smtp.example.org"\nport = 587',
            f'host = "{server.host}"\nport = {server.port}\n'
            f'ca_file = "{cert.cert}"\ntimeout = 10\nretries = 0',
        ),
        ('password_env = "RELBOT_SMTP_PASSWORD"', 'password_env = "RELBOT_E2E_SMTP_PASSWORD"'),
        ('to = ["xen-devel <xen-devel@lists.example.org>"]', f'to = ["xen-devel <{LIST_ADDR}>"]'),
    ):
        assert old in text, f"config.toml no longer has {old!r}"
        text = text.replace(old, new, 1)
    (p.root / "config.toml").write_text(text)
    return p


@contextmanager
def relbot(p: Project) -> Iterator[Service]:
    """relbot started afresh: the config read again, a new store connection."""
    service = Service(load_config(p.root / "config.toml"))
    try:
        yield service
    finally:
        service.close()


def send(p: Project, at: dt.datetime) -> str:
    return p.ok("send", "--at", at.isoformat())


def poll(p: Project, at: dt.datetime) -> Any:
    with relbot(p) as service:
        return poll_once(service, now=lambda: at).ingest


# -- people on the list --------------------------------------------------------------


def post(server: ListServer, cert: TlsCert, raw: bytes, sender: str) -> None:
    """A developer's mail client: submission to the list with STARTTLS and AUTH."""
    with smtplib.SMTP(server.host, server.port, timeout=10) as smtp:
        smtp.starttls(context=ssl.create_default_context(cafile=str(cert.cert)))
        smtp.login(USER, PASSWORD)
        smtp.sendmail(sender, [LIST_ADDR], raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def reply(example: str, *, to: list[str], at: dt.datetime, msgid: str, body: str = "") -> bytes:
    """An example reply from docs/examples, answering ``to[-1]`` instead of the 2012 mail."""
    source = (EXAMPLES / "replies" / example).read_bytes()
    original = email.message_from_bytes(source, policy=email.policy.default)
    text = body or original.get_payload()
    assert isinstance(text, str)
    return (
        f"From: {original['From']}\nTo: xen-devel <{LIST_ADDR}>\n"
        "Subject: Re: 4.2 Release Plan / TODO\n"
        f"Date: {email.utils.format_datetime(at)}\nMessage-ID: <{msgid}>\n"
        f"In-Reply-To: <{to[-1]}>\nReferences: {' '.join(f'<{i}>' for i in to)}\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        f"{text}"
    ).encode()


# -- the folder ----------------------------------------------------------------------


def folder(dovecot: Dovecot) -> tuple[dict[int, EmailMessage], list[Any]]:
    """Every message in the polled folder by UID, and Dovecot's THREAD REFERENCES."""
    client = dovecot.client()
    try:
        client.select_folder(FOLDER, readonly=True)
        uids = client.search(["ALL"])
        got = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
        threads = list(client.thread("REFERENCES"))
    finally:
        client.logout()
    mails = {}
    for uid in sorted(got):
        msg = email.message_from_bytes(got[uid][b"BODY[]"], policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        mails[uid] = msg
    return mails, threads


def weekly(mails: dict[int, EmailMessage]) -> list[EmailMessage]:
    return [m for m in mails.values() if "X-Relbot-Week" in m]


def flatten(node: Any) -> list[int]:
    if isinstance(node, int):
        return [node]
    return [uid for child in node for uid in flatten(child)]


def changes_part(msg: EmailMessage) -> str:
    """The "changes since" paragraph, its wrapped lines joined (the mail is 72 columns)."""
    body = msg.get_content().replace("\r\n", "\n")
    start = body.find("Changes since ")
    assert start >= 0, body
    return " ".join(body[start:].partition("\n\n")[0].split())


def bare(message_id: str) -> str:
    return message_id.strip().strip("<>")


# -- the test --------------------------------------------------------------------------


def test_four_weeks_on_a_list(
    tmp_path: Path, dovecot: Dovecot, tls_cert: TlsCert, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ListServer(tls_cert, deliver_to=dovecot, deliver_folder=FOLDER) as server:
        p = list_project(tmp_path, dovecot, server, tls_cert, monkeypatch)
        four_weeks(p, dovecot, server, tls_cert)


def four_weeks(p: Project, dovecot: Dovecot, server: ListServer, cert: TlsCert) -> None:
    # the RM's hand-written mail went through the list in 2012; relbot imports it
    post(server, cert, STATUS.read_bytes(), "Ian.Campbell@citrix.com")
    with relbot(p) as service:
        outcome = import_status_mail(service, STATUS.read_bytes(), now=IMPORTED)
    assert outcome.message_id == STATUS_ID and outcome.items_added > 40

    # -- week 1: on time, threaded to the imported mail
    out = send(p, WEEK1 + dt.timedelta(minutes=1))
    assert out.startswith(f"{WEEKS[0]}: sent <") and LIST_ADDR in out
    mails, _ = folder(dovecot)
    [week1] = weekly(mails)
    assert week1["In-Reply-To"] == f"<{STATUS_ID}>"
    w1 = bare(week1["Message-ID"])
    assert w1.endswith("@relbot.example.org")

    # -- developers answer week 1 through the list
    answers = [
        ("01-claim.eml", "claim"),
        ("02-bug.eml", "bug"),
        ("03-done.eml", "done"),
        ("04-defer.eml", "defer"),
        ("05-command.eml", "command"),
        ("06-hedge.eml", "hedge"),
    ]
    for n, (example, name) in enumerate(answers):
        at = WEEK1 + dt.timedelta(days=1, hours=n)
        raw = reply(example, to=[STATUS_ID, w1], at=at, msgid=f"{name}.w1@dev.example.org")
        post(server, cert, raw, f"{name}@dev.example.org")
    report = poll(p, WEEK1 + dt.timedelta(days=2))
    assert report.members == len(answers), report.lines
    assert (report.applied, report.pending, report.quarantined) == (5, 1, 0), report.lines
    with relbot(p) as service:
        [proposal] = service.store.proposals("pending")
        assert proposal.message_id == "hedge.w1@dev.example.org"
        assert (proposal.item, proposal.action) == ("T27", "status")
        hedged = service.tracker().item("T27")
        assert hedged is not None and hedged.status == "open"

    # -- week 2: the sender is killed after the list took the mail, before the 250
    server.replies.append("stall")
    killed = killed_send(p, WEEK1 + WEEK + dt.timedelta(minutes=2), server)
    assert killed == -9
    with relbot(p) as service:
        row = Outbox(service.store).get(WEEKS[1])
        assert row is not None and row.state is State.SENDING
    # the dead process's lease is taken over at once; the folder decides
    out = send(p, WEEK1 + WEEK + dt.timedelta(minutes=5))
    assert f"{WEEKS[1]}: already on the list, not resent" in out
    assert "already sent" in send(p, WEEK1 + WEEK + dt.timedelta(minutes=30))
    mails, _ = folder(dovecot)
    week1, week2 = weekly(mails)
    assert week2["In-Reply-To"] == week1["Message-ID"]
    assert week2["References"].split() == [f"<{STATUS_ID}>", week1["Message-ID"]]
    text = changes_part(week2)
    assert text.startswith("Changes since the mail of 23 April 2012:")
    for who, what in (
        ("Roger Pau Monne", "claimed by Roger Pau Monne"),
        (
            "George Dunlap",
            "pointer http://lists.xen.org/archives/html/xen-devel/2012-04/msg00871.html",
        ),
        ("Ian Jackson", "now done"),
        ("Olaf Hering", "now deferred to 4.3"),
        ("Anthony PERARD", "now patches posted (v4)"),
    ):
        assert re.search(rf"{who}: - [^-]*{re.escape(what)}", text), (who, what, text)
    assert "Stefano" not in text  # the hedge waits for the RM
    w2 = bare(week2["Message-ID"])

    # -- the RM accepts the hedged proposal by mail, answering week 2
    accept = reply(
        "01-claim.eml",
        to=[STATUS_ID, w1, w2],
        at=WEEK1 + WEEK + dt.timedelta(days=1),
        msgid="accept.w2@citrix.com",
        body=f"Stefano confirmed it off-list.\n\n#relbot accept {proposal.id}\n\nIan.\n",
    ).replace(b"From: Roger Pau Monne <roger.pau@citrix.com>", f"From: {RM}".encode())
    post(server, cert, accept, "ian.campbell@citrix.com")
    report = poll(p, WEEK1 + WEEK + dt.timedelta(days=1, hours=1))
    assert report.members == 1 and report.quarantined == 0, report.lines
    with relbot(p) as service:
        assert service.store.proposals("pending") == []
        hedged = service.tracker().item("T27")
        assert hedged is not None and hedged.status == "done"

    # -- week 3 shows it
    out = send(p, WEEK1 + 2 * WEEK)
    assert out.startswith(f"{WEEKS[2]}: sent <")
    week3 = weekly(folder(dovecot)[0])[2]
    changes = changes_part(week3)
    assert changes.startswith("Changes since the mail of 30 April 2012:")
    assert re.search(r"Stefano Stabellini: - Domain 0 block attach[^-]*now done", changes)

    # -- week 4: the list hangs up after taking the whole mail, without keeping it
    server.replies.append("drop")
    out = send(p, WEEK1 + 3 * WEEK + dt.timedelta(minutes=10))
    assert f"{WEEKS[3]}: may be on the list already" in out
    assert len(weekly(folder(dovecot)[0])) == 3
    # a slow list may still show it: no second copy within resend_after_minutes
    out = send(p, WEEK1 + 3 * WEEK + dt.timedelta(minutes=40))
    assert "is not on the list yet; not sending it again before Mon 14 May 2012 13:10" in out
    out = send(p, WEEK1 + 3 * WEEK + dt.timedelta(hours=2))
    assert out.startswith(f"{WEEKS[3]}: sent <")  # not in the folder: sent again, once
    assert "already sent" in send(p, WEEK1 + 3 * WEEK + dt.timedelta(hours=3))

    # -- the folder: one mail a week, one thread
    mails, threads = folder(dovecot)
    mine = weekly(mails)
    assert [m["X-Relbot-Week"] for m in mine] == list(WEEKS)
    assert len({m["Message-ID"] for m in mine}) == 4
    for before, after in itertools.pairwise(mine):
        assert after["In-Reply-To"] == before["Message-ID"]
        assert after["References"].split()[-1] == before["Message-ID"]
        assert after["References"].split()[0] == f"<{STATUS_ID}>"
    assert len(mails) == 1 + 4 + len(answers) + 1  # the import, the weeks, the replies
    assert len(threads) == 1 and sorted(flatten(threads[0])) == sorted(mails)
    with relbot(p) as service:
        rows = Outbox(service.store).rows()
        assert [(r.week, r.state) for r in rows] == [(w, State.SENT) for w in reversed(WEEKS)]
        recorded = [m.message_id for m in service.tracker().status_mails]
        assert recorded == [STATUS_ID, *(bare(m["Message-ID"]) for m in mine)]


def killed_send(p: Project, at: dt.datetime, server: ListServer) -> int:
    """A real ``relbot send`` process, SIGKILLed while the list holds back its 250."""
    server.stalled.clear()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "relbot",
            "--config",
            str(p.root / "config.toml"),
            "send",
            "--at",
            at.isoformat(),
        ],
        env={**os.environ, "PYTHONWARNINGS": "error"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        if not server.stalled.wait(30):
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(f"the list never got the mail:\n{out.decode()}{err.decode()}")
        proc.kill()
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        server.unstall.set()
    return proc.returncode
