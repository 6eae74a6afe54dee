"""Four weeks on a list: aiosmtpd plays the list and delivers into a real Dovecot over LMTP.

relbot is restarted (a new process state) before every step, killed for real
(``os._exit`` in a child process) once after the list accepted a mail and
once just before it handed one over, and meets a 4xx once. The folder ends
with exactly one mail per week, each threaded after the week before.

The replies between weeks (claims, pointers, an RM's decision by mail) and a
real ``relbot send`` process killed mid-send are in test_list_e2e.py.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import subprocess
import sys
import textwrap
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from servers import Dovecot, ListServer, TlsCert
from test_weekly import (
    PREVIOUS_ID,
    SLOT,
    _real_servers,
    _smtp,
    new_service,
    parse,
    seed,
)

from relbot.service.draft import Outcome
from relbot.service.outbox import Outbox, State
from relbot.service.weekly import send_weekly

TESTS = Path(__file__).resolve().parent
WEEK = dt.timedelta(days=7)

_CHILD = textwrap.dedent(
    """
    import datetime as dt, json, os, sys
    sys.path.insert(0, sys.argv[1])
    from test_weekly import new_service
    from relbot.edges.transport import SmtpTransport
    from relbot.service.weekly import send_weekly

    root, tables, now, when = sys.argv[2], json.loads(sys.argv[3]), sys.argv[4], sys.argv[5]

    class Killed:
        def __init__(self, inner):
            self.inner = inner

        def send(self, msg, *, envelope_from, recipients):
            if when == "before":
                os._exit(9)
            self.inner.send(msg, envelope_from=envelope_from, recipients=recipients)
            os._exit(9)

    service = new_service(__import__("pathlib").Path(root), **tables)
    service.transport = Killed(SmtpTransport(service.config.smtp, "secret"))
    send_weekly(service, dt.datetime.fromisoformat(now))
    sys.exit("the send returned: the kill did not happen")
    """
)


def _killed_send(root: Path, tables: dict[str, Any], now: dt.datetime, when: str) -> None:
    """A relbot process that dies ``before`` or ``after`` the SMTP hand-over."""
    done = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-c",
            _CHILD,
            str(TESTS),
            str(root),
            json.dumps(tables),
            now.isoformat(),
            when,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 9, done.stderr


def _folder(dovecot: Dovecot) -> tuple[list[EmailMessage], tuple[Any, ...]]:
    client = dovecot.client()
    try:
        client.select_folder("INBOX", readonly=True)
        uids = client.search(["ALL"])
        got = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
        threads = tuple(client.thread("REFERENCES"))
    finally:
        client.logout()
    return [parse(got[uid][b"BODY[]"]) for uid in sorted(got)], threads


def test_four_weeks_exactly_one_threaded_mail_each(
    tmp_path: Path, dovecot: Dovecot, list_server: ListServer, tls_cert: TlsCert
) -> None:
    list_server.deliver_to = dovecot
    tables = _real_servers(dovecot, list_server, tls_cert)

    def restart() -> Any:
        service = new_service(tmp_path, **tables)
        service.transport = _smtp(service, list_server)
        return service

    service = restart()
    seed(service)
    outcomes: list[Outcome] = []

    # week 1: on time
    outcomes.append(send_weekly(restart(), SLOT + dt.timedelta(seconds=30)).outcome)

    # week 2: killed after the list accepted it; the restart finds it in the folder
    _killed_send(tmp_path, tables, SLOT + WEEK, "after")
    row = Outbox(restart().store).get("2026-W50")
    assert row is not None and row.state is State.SENDING
    # the dead process's lease is taken over at once (same host, process gone)
    outcomes.append(send_weekly(restart(), SLOT + WEEK + dt.timedelta(minutes=5)).outcome)

    # week 3: killed just before the hand-over; not on the list, so once
    # resend_after_minutes (60) have passed, a restart sends it, once
    _killed_send(tmp_path, tables, SLOT + 2 * WEEK, "before")
    outcomes.append(send_weekly(restart(), SLOT + 2 * WEEK + dt.timedelta(minutes=20)).outcome)
    outcomes.append(send_weekly(restart(), SLOT + 2 * WEEK + dt.timedelta(minutes=65)).outcome)

    # week 4: the list says "try later" once; the transport's retry gets it through
    list_server.replies.append("451 4.3.0 greylisted, try later")
    outcomes.append(send_weekly(restart(), SLOT + 3 * WEEK).outcome)
    # and asking again the same week changes nothing
    outcomes.append(send_weekly(restart(), SLOT + 3 * WEEK + dt.timedelta(hours=1)).outcome)

    assert outcomes == [
        Outcome.SENT,
        Outcome.FOUND_ON_LIST,
        Outcome.WAITING_FOR_LIST,
        Outcome.SENT,
        Outcome.SENT,
        Outcome.ALREADY_SENT,
    ]
    assert len(list_server.received) == 4
    mails, threads = _folder(dovecot)
    weeks = [m["X-Relbot-Week"] for m in mails]
    assert weeks == ["2026-W49", "2026-W50", "2026-W51", "2026-W52"]
    ids = [m["Message-ID"] for m in mails]
    assert len(set(ids)) == 4
    assert mails[0]["In-Reply-To"] == f"<{PREVIOUS_ID}>"  # 92 characters, not encoded
    for before, after in itertools.pairwise(mails):
        assert after["In-Reply-To"] == before["Message-ID"]
        assert after["References"].split()[-1] == before["Message-ID"]
        assert after["References"].split()[0] == f"<{PREVIOUS_ID}>"
    # Dovecot's own threading puts all four in one thread
    assert len(threads) == 1
    assert _flatten(threads[0]) == [1, 2, 3, 4]
    tracker = restart().tracker()
    assert [m.message_id for m in tracker.status_mails][1:] == [i.strip("<>") for i in ids]


def _flatten(node: Any) -> list[int]:
    if isinstance(node, int):
        return [node]
    return [uid for child in node for uid in _flatten(child)]
