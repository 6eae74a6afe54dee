"""The weekly send: once a week, after crashes, races, refusals and reviews.

Real SQLite files, the file transport or a real aiosmtpd list, and for the
crash after SMTP a real Dovecot the list delivers into over LMTP.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import threading
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from servers import Dovecot, ListServer, TlsCert

from relbot.core.tracker.events import Event, Kind
from relbot.edges.config import parse_config
from relbot.edges.transport import SmtpTransport
from relbot.service.draft import Outcome
from relbot.service.outbox import Outbox, State
from relbot.service.review import preview_weekly
from relbot.service.weekly import send_weekly
from relbot.service.wiring import Service

REPO = Path(__file__).resolve().parents[1]
UTC = dt.UTC
#: Monday 30 November 2026, 12:00 in London (GMT): the send slot of 2026-W49
SLOT = dt.datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
PREVIOUS_ID = (
    "AM0PR07MB45316F8B2C1D4E9A0B3C5D7E9F1A2B4C6D8E0F123@AM0PR07MB4531.eurprd07.prod.outlook.com"
)
LIST = "dev@lists.example.org"
RM = "Ian Campbell <ian@example.org>"


class Crash(BaseException):
    """The process dies here (nothing in relbot catches a BaseException)."""


def store_url_of(root: Path) -> str:
    """The store of a test folder: a PostgreSQL database when the ``root`` fixture chose one."""
    chosen = root / "store-url"
    return chosen.read_text() if chosen.exists() else f"sqlite:///{root / 'relbot.db'}"


def make_config(root: Path, **tables: dict[str, Any]) -> Any:
    raw: dict[str, Any] = {
        "release": {"name": "4.2", "next_release": "4.3"},
        "people": {"release_managers": [RM]},
        "store": {"url": store_url_of(root)},
        "mailbox": {"source": "maildir", "path": str(root / "mail")},
        "smtp": {"transport": "file", "outbox_dir": str(root / "outbox")},
        "mail": {
            "from_addr": "relbot <relbot@example.org>",
            "to": [f"Developers <{LIST}>"],
            "message_id_domain": "relbot.example.org",
        },
        "schedule": {"send": "mon 12:00", "timezone": "Europe/London"},
        "render": {"template": str(REPO / "templates" / "status.txt.j2")},
    }
    for name, values in tables.items():
        raw.setdefault(name, {}).update(values)
    return parse_config(raw, base_dir=root)


def seed(service: Service, at: dt.datetime = SLOT - dt.timedelta(days=7)) -> None:
    """A small tracker, and last week's hand-written mail with an Outlook-length id."""

    def ev(kind: Kind, item: str | None = None, **data: Any) -> Event:
        return Event(kind, at, "Ian Campbell", "import", item, data)

    service.record(
        [
            ev(Kind.RELEASE, release="4.2", next_release="4.3"),
            ev(Kind.SECTION, key="hypervisor, blockers", title="hypervisor, blockers"),
            ev(Kind.ADD, "T1", id="T1", section="hypervisor, blockers", text="Fix the NMI race"),
            ev(Kind.ADD, "T2", id="T2", section="hypervisor, blockers", text="Ship xl docs"),
            ev(
                Kind.STATUS_MAIL,
                message_id=PREVIOUS_ID,
                subject="4.2 Release Plan / TODO",
                date=at.isoformat(),
                event_count=5,
            ),
        ]
    )


def new_service(root: Path, **tables: dict[str, Any]) -> Service:
    return Service(make_config(root, **tables))


def parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def outbox_files(root: Path) -> list[EmailMessage]:
    folder = root / "outbox"
    return [parse(p.read_bytes()) for p in sorted(folder.glob("*.eml"))] if folder.exists() else []


def status_mails(root: Path) -> list[EmailMessage]:
    return [m for m in outbox_files(root) if "X-Relbot-Week" in m and "preview" not in m["Subject"]]


@pytest.fixture
def root(tmp_path: Path, store_url: str) -> Path:
    """A seeded store, on SQLite and on PostgreSQL in turn."""
    if not store_url.startswith("sqlite"):
        (tmp_path / "store-url").write_text(store_url)
    service = new_service(tmp_path)
    seed(service)
    service.close()
    return tmp_path


# -- on time, once -------------------------------------------------------------------


def test_sends_once_at_the_slot_and_records_a_status_mail(root: Path) -> None:
    service = new_service(root)
    result = send_weekly(service, SLOT + dt.timedelta(seconds=1))
    assert result.outcome is Outcome.SENT and result.week == "2026-W49"
    [mail] = status_mails(root)
    assert mail["Message-ID"] == f"<{result.message_id}>"
    assert result.message_id.endswith("@relbot.example.org")
    assert mail["In-Reply-To"] == f"<{PREVIOUS_ID}>"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert "Fix the NMI race" in mail.get_content()
    tracker = service.tracker()
    recorded = tracker.status_mail(result.message_id)
    assert recorded is not None and recorded.subject == "4.2 Release Plan / TODO"
    assert recorded.event_count == len(service.store.events())
    assert service.store.has_message(result.message_id)
    row = Outbox(service.store).get("2026-W49")
    assert row is not None and row.state is State.SENT and row.raw.startswith(b"From: ")


def test_send_twice_in_the_same_week_sends_once(root: Path) -> None:
    service = new_service(root)
    assert send_weekly(service, SLOT).outcome is Outcome.SENT
    again = send_weekly(service, SLOT + dt.timedelta(days=3), force=True)
    assert again.outcome is Outcome.ALREADY_SENT
    assert len(status_mails(root)) == 1


def test_next_week_threads_after_this_week(root: Path) -> None:
    service = new_service(root)
    first = send_weekly(service, SLOT)
    second = send_weekly(service, SLOT + dt.timedelta(days=7))
    assert second.week == "2026-W50" and second.outcome is Outcome.SENT
    mails = {m["X-Relbot-Week"]: m for m in status_mails(root)}
    w50 = mails["2026-W50"]
    assert w50["In-Reply-To"] == f"<{first.message_id}>"
    assert w50["References"].split() == [f"<{PREVIOUS_ID}>", f"<{first.message_id}>"]


def test_standalone_threading_starts_a_new_thread(tmp_path: Path) -> None:
    service = new_service(tmp_path, mail={"threading": "standalone"})
    seed(service)
    send_weekly(service, SLOT)
    [mail] = status_mails(tmp_path)
    assert mail["In-Reply-To"] is None and mail["References"] is None


def test_late_beyond_the_grace_is_not_sent_unless_forced(root: Path) -> None:
    service = new_service(root)
    late = SLOT + dt.timedelta(hours=7)
    missed = send_weekly(service, late)
    assert missed.outcome is Outcome.MISSED and "misfire_grace_hours" in missed.detail
    assert status_mails(root) == []
    within = new_service(root)
    assert send_weekly(within, late, force=True).outcome is Outcome.SENT


def test_within_the_grace_sends_late(root: Path) -> None:
    assert send_weekly(new_service(root), SLOT + dt.timedelta(hours=5)).outcome is Outcome.SENT


def test_dry_run_writes_a_file_and_records_nothing(root: Path) -> None:
    service = new_service(root)
    result = send_weekly(service, SLOT, dry_run=True)
    assert result.outcome is Outcome.DRY_RUN and result.path is not None
    assert result.path.parent == root / "outbox" / "dry-run"
    assert parse(result.path.read_bytes())["Subject"] == "4.2 Release Plan / TODO"
    assert Outbox(service.store).rows() == [] and status_mails(root) == []


# -- exactly once across crashes ------------------------------------------------------


class CrashingTransport:
    """The real transport, with the process dying before or after the hand-over."""

    def __init__(self, inner: Any, *, after: bool) -> None:
        self.inner, self.after = inner, after

    def send(self, msg: EmailMessage, *, envelope_from: str, recipients: Sequence[str]) -> None:
        if not self.after:
            raise Crash("killed before SMTP")
        self.inner.send(msg, envelope_from=envelope_from, recipients=recipients)
        raise Crash("killed after SMTP accepted")


def test_crash_after_the_row_is_committed_before_smtp_sends_once(root: Path) -> None:
    service = new_service(root)
    service.transport = CrashingTransport(service.transport, after=False)
    with pytest.raises(Crash):
        send_weekly(service, SLOT)
    row = Outbox(service.store).get("2026-W49")
    assert row is not None and row.state is State.SENDING and status_mails(root) == []
    restarted = new_service(root)
    result = send_weekly(restarted, SLOT + dt.timedelta(minutes=1))
    assert result.outcome is Outcome.SENT and result.message_id == row.message_id
    assert len(status_mails(root)) == 1
    assert send_weekly(new_service(root), SLOT + dt.timedelta(minutes=2)).outcome is (
        Outcome.ALREADY_SENT
    )


def test_crash_after_smtp_accepted_finds_the_mail_on_the_list_and_does_not_resend(
    tmp_path: Path, dovecot: Dovecot, list_server: ListServer, tls_cert: TlsCert
) -> None:
    service, tables = _seeded_on_the_list(tmp_path, dovecot, list_server, tls_cert)
    service.transport = CrashingTransport(_smtp(service, list_server), after=True)
    with pytest.raises(Crash):
        send_weekly(service, SLOT)
    row = Outbox(service.store).get("2026-W49")
    assert row is not None and row.state is State.SENDING
    assert len(list_server.received) == 1
    restarted = new_service(tmp_path, **tables)
    restarted.transport = _smtp(restarted, list_server)
    result = send_weekly(restarted, SLOT + dt.timedelta(minutes=5))
    assert result.outcome is Outcome.FOUND_ON_LIST
    assert len(list_server.received) == 1  # not sent again
    done = Outbox(restarted.store).get("2026-W49")
    assert done is not None and done.state is State.SENT
    assert restarted.tracker().status_mail(row.message_id) is not None
    assert send_weekly(restarted, SLOT + dt.timedelta(hours=1)).outcome is Outcome.ALREADY_SENT
    assert len(list_server.received) == 1


def test_crash_before_smtp_with_imap_sends_once(
    tmp_path: Path, dovecot: Dovecot, list_server: ListServer, tls_cert: TlsCert
) -> None:
    service, tables = _seeded_on_the_list(tmp_path, dovecot, list_server, tls_cert)
    service.transport = CrashingTransport(_smtp(service, list_server), after=False)
    with pytest.raises(Crash):
        send_weekly(service, SLOT)
    restarted = new_service(tmp_path, **tables)
    restarted.transport = _smtp(restarted, list_server)
    # not on the list, but a slow list may still show it: wait resend_after_minutes
    waiting = send_weekly(restarted, SLOT + dt.timedelta(minutes=5))
    assert waiting.outcome is Outcome.WAITING_FOR_LIST
    assert "resend_after_minutes = 60" in waiting.detail and list_server.received == []
    assert send_weekly(restarted, SLOT + dt.timedelta(minutes=61)).outcome is Outcome.SENT
    assert len(list_server.received) == 1
    row = Outbox(restarted.store).get("2026-W49")
    assert row is not None and row.attempts == 2


def test_two_processes_racing_send_only_one_sends(root: Path) -> None:
    services = [new_service(root) for _ in range(4)]
    barrier = threading.Barrier(len(services))
    results: list[Outcome] = []

    def race(service: Service) -> None:
        barrier.wait()
        results.append(send_weekly(service, SLOT).outcome)

    threads = [threading.Thread(target=race, args=(s,)) for s in services]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results.count(Outcome.SENT) == 1, results
    assert set(results) <= {Outcome.SENT, Outcome.BUSY, Outcome.ALREADY_SENT}
    assert len(status_mails(root)) == 1


def test_a_held_lease_of_a_crashed_process_runs_out(root: Path) -> None:
    service = new_service(root)
    assert service.store.acquire_lease(
        "weekly-send", "dead:1", now=SLOT, ttl=dt.timedelta(minutes=15)
    )
    assert send_weekly(service, SLOT + dt.timedelta(minutes=1)).outcome is Outcome.BUSY
    assert send_weekly(service, SLOT + dt.timedelta(minutes=16)).outcome is Outcome.SENT


# -- SMTP answers -----------------------------------------------------------------------


def test_5xx_stays_in_the_outbox_as_failed_and_tells_the_managers(
    tmp_path: Path, list_server: ListServer, tls_cert: TlsCert
) -> None:
    service = new_service(tmp_path, smtp=_smtp_table(list_server, tls_cert))
    seed(service)
    service.transport = _smtp(service, list_server)
    list_server.replies.append("550 5.7.1 not on this list")
    result = send_weekly(service, SLOT)
    assert result.outcome is Outcome.FAILED and "550 5.7.1" in result.detail
    row = Outbox(service.store).get("2026-W49")
    assert row is not None and row.state is State.FAILED and "550" in row.error
    [notice] = list_server.received
    assert notice.rcpt_tos == ("ian@example.org",)
    assert b"was not sent" in notice.data
    # not retried on its own; `relbot send --now` does
    assert send_weekly(service, SLOT + dt.timedelta(minutes=5)).outcome is Outcome.FAILED
    assert send_weekly(service, SLOT + dt.timedelta(minutes=6), force=True).outcome is Outcome.SENT
    assert [r.rcpt_tos for r in list_server.received][-1] == (LIST,)


def test_4xx_is_retried_then_left_for_the_next_tick(
    tmp_path: Path, list_server: ListServer, tls_cert: TlsCert
) -> None:
    service = new_service(tmp_path, smtp=_smtp_table(list_server, tls_cert, retries=1))
    seed(service)
    service.transport = _smtp(service, list_server)
    list_server.replies += ["451 4.3.0 try later"] * 2
    result = send_weekly(service, SLOT)
    assert result.outcome is Outcome.RETRY_LATER and list_server.data_attempts == 2
    row = Outbox(service.store).get("2026-W49")
    assert row is not None and row.state is State.DRAFT and "451" in row.error
    assert send_weekly(service, SLOT + dt.timedelta(minutes=5)).outcome is Outcome.SENT
    assert len(list_server.received) == 1


def test_a_drop_after_the_mail_went_out_is_looked_for_then_sent_once(
    tmp_path: Path, dovecot: Dovecot, list_server: ListServer, tls_cert: TlsCert
) -> None:
    service, tables = _seeded_on_the_list(tmp_path, dovecot, list_server, tls_cert)
    service.transport = _smtp(service, list_server)
    list_server.replies.append("drop")  # closes instead of answering the payload
    result = send_weekly(service, SLOT)
    assert result.outcome is Outcome.UNCERTAIN and "looked for there" in result.detail
    assert list_server.data_attempts == 1  # the transport did not retry it
    row = Outbox(service.store).get("2026-W49")
    assert row is not None and row.state is State.SENDING
    assert "after the whole message was sent" in row.error
    # this list did not keep it: not in the folder, so it goes again, once
    later = new_service(tmp_path, **tables)
    later.transport = _smtp(later, list_server)
    assert send_weekly(later, SLOT + dt.timedelta(hours=2)).outcome is Outcome.SENT
    assert send_weekly(later, SLOT + dt.timedelta(hours=3)).outcome is Outcome.ALREADY_SENT
    assert len(list_server.received) == 1


def test_no_answer_after_the_mail_went_out_finds_it_on_the_list(
    tmp_path: Path, dovecot: Dovecot, list_server: ListServer, tls_cert: TlsCert
) -> None:
    service, tables = _seeded_on_the_list(tmp_path, dovecot, list_server, tls_cert)
    service.transport = _smtp(service, list_server, timeout=1.0)
    list_server.replies.append("stall")  # takes it, delivers it, never answers
    assert send_weekly(service, SLOT).outcome is Outcome.UNCERTAIN
    later = new_service(tmp_path, **tables)
    later.transport = _smtp(later, list_server)
    result = send_weekly(later, SLOT + dt.timedelta(hours=2))
    assert result.outcome is Outcome.FOUND_ON_LIST
    assert len(list_server.received) == 1 and list_server.data_attempts == 1


class ModeratedList:
    """The list's SMTP server takes mail at once; a moderator lets it through later."""

    def __init__(self, server: ListServer, dovecot: Dovecot) -> None:
        self.server, self.dovecot = server, dovecot

    def approve_all(self) -> None:
        for mail in self.server.received:
            self.dovecot.deliver_lmtp(mail.data)


def _seeded_on_the_list(
    tmp_path: Path, dovecot: Dovecot, list_server: ListServer, tls_cert: TlsCert
) -> tuple[Service, dict[str, Any]]:
    """A seeded service whose list delivers into the Dovecot folder it watches."""
    list_server.deliver_to = dovecot
    tables = _real_servers(dovecot, list_server, tls_cert)
    service = new_service(tmp_path, **tables)
    seed(service)
    return service, tables


def _crash_after_the_list_took_it(
    tmp_path: Path, dovecot: Dovecot, list_server: ListServer, tls_cert: TlsCert, **mail: Any
) -> dict[str, Any]:
    tables = _real_servers(dovecot, list_server, tls_cert)
    if mail:
        tables["mail"] = mail
    service = new_service(tmp_path, **tables)
    seed(service)
    service.transport = CrashingTransport(_smtp(service, list_server), after=True)
    with pytest.raises(Crash):
        send_weekly(service, SLOT)
    return tables


def _restarted(tmp_path: Path, list_server: ListServer, tables: dict[str, Any]) -> Service:
    service = new_service(tmp_path, **tables)
    service.transport = _smtp(service, list_server)
    return service


def test_a_moderated_list_gets_time_before_a_second_copy(
    tmp_path: Path, dovecot: Dovecot, list_server: ListServer, tls_cert: TlsCert
) -> None:
    moderated = ModeratedList(list_server, dovecot)  # nothing reaches the folder by itself
    tables = _crash_after_the_list_took_it(tmp_path, dovecot, list_server, tls_cert)
    for minutes in (1, 30, 59):
        result = send_weekly(
            _restarted(tmp_path, list_server, tables), SLOT + dt.timedelta(minutes=minutes)
        )
        assert result.outcome is Outcome.WAITING_FOR_LIST, minutes
        assert "not sending it again before Mon 30 Nov 2026 13:00 GMT" in result.detail
    moderated.approve_all()
    result = send_weekly(_restarted(tmp_path, list_server, tables), SLOT + dt.timedelta(minutes=70))
    assert result.outcome is Outcome.FOUND_ON_LIST
    assert len(list_server.received) == 1


def test_a_mail_the_list_never_shows_goes_again_after_the_wait(
    tmp_path: Path, dovecot: Dovecot, list_server: ListServer, tls_cert: TlsCert
) -> None:
    tables = _crash_after_the_list_took_it(
        tmp_path, dovecot, list_server, tls_cert, resend_after_minutes=30
    )
    service = _restarted(tmp_path, list_server, tables)
    assert send_weekly(service, SLOT + dt.timedelta(minutes=29)).outcome is (
        Outcome.WAITING_FOR_LIST
    )
    assert send_weekly(service, SLOT + dt.timedelta(minutes=31)).outcome is Outcome.SENT
    assert len(list_server.received) == 2  # the first copy was lost by the list


def test_resend_after_zero_minutes_checks_the_folder_and_resends_at_once(
    tmp_path: Path, dovecot: Dovecot, list_server: ListServer, tls_cert: TlsCert
) -> None:
    tables = _crash_after_the_list_took_it(
        tmp_path, dovecot, list_server, tls_cert, resend_after_minutes=0
    )
    service = _restarted(tmp_path, list_server, tables)
    assert send_weekly(service, SLOT + dt.timedelta(minutes=1)).outcome is Outcome.SENT


def test_an_earlier_weeks_interrupted_send_waits_too_then_fails(
    tmp_path: Path, dovecot: Dovecot, list_server: ListServer, tls_cert: TlsCert
) -> None:
    tables = _crash_after_the_list_took_it(tmp_path, dovecot, list_server, tls_cert)
    # the next week's run, a day early for its own slot, looks at last week's row
    service = _restarted(tmp_path, list_server, tables)
    send_weekly(service, SLOT + dt.timedelta(minutes=30))
    row = Outbox(service.store).get("2026-W49")
    assert row is not None and row.state is State.SENDING
    assert send_weekly(service, SLOT + dt.timedelta(days=7)).week == "2026-W50"
    row = Outbox(service.store).get("2026-W49")
    assert row is not None and row.state is State.FAILED  # never on the list: not sent late
    assert [r.data.count(b"2026-W49") > 0 for r in list_server.received] == [True, False]


# -- review ---------------------------------------------------------------------------


def test_preview_goes_to_the_managers_ahead_and_the_mail_goes_on_time(root: Path) -> None:
    service = new_service(root, schedule={"review": "preview", "preview_hours": 24})
    early = preview_weekly(service, SLOT - dt.timedelta(hours=30))
    assert early.outcome is Outcome.NOT_DUE
    result = preview_weekly(service, SLOT - dt.timedelta(hours=23))
    assert result.outcome is Outcome.PREVIEWED and result.week == "2026-W49"
    [preview] = outbox_files(root)
    assert preview["To"] == RM and preview["Subject"].startswith("[relbot preview]")
    assert "unless a release manager holds it" in preview.get_content()
    assert preview_weekly(service, SLOT - dt.timedelta(hours=22)).outcome is Outcome.NOT_DUE
    assert len(outbox_files(root)) == 1
    service.record(
        [
            Event(
                Kind.CLAIM, SLOT - dt.timedelta(hours=2), "George", "cli", "T1", {"owner": "George"}
            )
        ]
    )
    assert send_weekly(service, SLOT).outcome is Outcome.SENT
    [mail] = status_mails(root)
    assert "George" in mail.get_content()  # rendered again at send time


def test_preview_shows_a_diff_against_last_weeks_mail(root: Path) -> None:
    service = new_service(root, schedule={"review": "preview"})
    send_weekly(service, SLOT, force=True)  # sent with --now: no preview of its own
    service.record(
        [
            Event(
                Kind.ADD,
                SLOT + dt.timedelta(days=1),
                "Ian Campbell",
                "cli",
                "T3",
                {"id": "T3", "section": "hypervisor, blockers", "text": "New blocker"},
            )
        ]
    )
    preview_weekly(service, SLOT + dt.timedelta(days=6, hours=1))
    [preview] = [m for m in outbox_files(root) if m["Subject"].startswith("[relbot preview]")]
    body = preview.get_content()
    assert "Changes against last week's mail:" in body
    assert "+      * New blocker" in body


def test_held_mail_is_not_sent_until_approved(root: Path) -> None:
    service = new_service(root, schedule={"review": "preview"})
    preview_weekly(service, SLOT - dt.timedelta(hours=1))
    Outbox(service.store).hold("2026-W49")
    assert send_weekly(service, SLOT).outcome is Outcome.HELD
    assert send_weekly(service, SLOT, force=True).outcome is Outcome.HELD
    Outbox(service.store).approve("2026-W49")
    assert send_weekly(service, SLOT + dt.timedelta(minutes=1)).outcome is Outcome.SENT


def test_approve_mode_sends_only_after_approval(root: Path) -> None:
    service = new_service(root, schedule={"review": "approve"})
    waiting = send_weekly(service, SLOT)
    assert waiting.outcome is Outcome.AWAITING_APPROVAL and "relbot approve" in waiting.detail
    [preview] = outbox_files(root)  # the draft went to the managers to approve
    assert "only after a release manager approves it" in preview.get_content()
    assert send_weekly(service, SLOT + dt.timedelta(hours=1)).outcome is (Outcome.AWAITING_APPROVAL)
    Outbox(service.store).approve("2026-W49")
    # approval may come after the grace: an approved mail of this week still goes
    assert send_weekly(service, SLOT + dt.timedelta(hours=9)).outcome is Outcome.SENT
    assert len(status_mails(root)) == 1


# -- helpers ---------------------------------------------------------------------------


def _smtp_table(server: ListServer, cert: TlsCert, retries: int = 3) -> dict[str, Any]:
    return {
        "transport": "smtp",
        "host": server.host,
        "port": server.port,
        "tls": "starttls",
        "ca_file": str(cert.cert),
        "username": "relbot",
        "timeout": 5.0,
        "retries": retries,
    }


def _real_servers(dovecot: Dovecot, server: ListServer, cert: TlsCert) -> dict[str, Any]:
    return {
        "smtp": _smtp_table(server, cert),
        "mailbox": {"source": "imap"},
        "imap": {
            "host": dovecot.host,
            "port": dovecot.imap_port,
            "tls": "none",
            "username": dovecot.user,
            "password_command": f"echo {dovecot.password}",
            "folders": ["INBOX"],
            "timeout": 5.0,
        },
    }


def _smtp(service: Service, server: ListServer, **changes: Any) -> SmtpTransport:
    """The SMTP transport with no real sleeping between retries."""
    config = dataclasses.replace(service.config.smtp, host=server.host, port=server.port, **changes)
    return SmtpTransport(config, "secret", sleep=lambda _delay: None)
