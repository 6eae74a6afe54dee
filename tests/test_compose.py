"""Composing the weekly mail: headers, ids, threading, body, preview (pure, plus one real trip)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from email.message import EmailMessage

import pytest
from servers import ListServer, TlsCert

from relbot.core.compose import (
    MAX_REFERENCES,
    MailSettings,
    addr_specs,
    blocker_owner_addresses,
    body_diff,
    check_domain,
    compose_preview,
    compose_status,
    draft_text,
    message_bytes,
    parse_message,
    status_message_id,
    subject_line,
    thread_ids,
    week_key,
)
from relbot.core.replies.message import read_message
from relbot.core.settings import SmtpConfig
from relbot.core.tracker.events import Event, Kind, fold
from relbot.edges.transport import SmtpTransport
from relbot.errors import ConfigError

#: an Outlook-style id: 92 characters with its brackets, longer than a folded line
OUTLOOK = (
    "AM0PR07MB45316F8B2C1D4E9A0B3C5D7E9F1A2B4C6D8E0F123@AM0PR07MB4531.eurprd07.prod.outlook.com"
)
DATE = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
SETTINGS = MailSettings(
    from_addr="Xen release bot <relbot@example.org>",
    to=("xen-devel <xen-devel@lists.example.org>",),
    domain="relbot.example.org",
    cc=("Ian Campbell <ian@example.org>",),
)
TEXT = "Plan for a 4.2 release:\n\n  * Fix the NMI race (Jan Beulich)\n"


def compose(text: str = TEXT, previous: tuple[str, ...] = (OUTLOOK,), **kw: object) -> EmailMessage:
    settings = kw.pop("settings", SETTINGS)
    assert isinstance(settings, MailSettings)
    return compose_status(
        text,
        settings=settings,
        subject="4.2 Release Plan / TODO",
        date=DATE,
        message_id=status_message_id("4.2", "2026-W49", settings),
        previous_ids=previous,
        week="2026-W49",
    )


def wire(msg: EmailMessage) -> EmailMessage:
    parsed = email.message_from_bytes(message_bytes(msg), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_week_keys_are_iso_weeks() -> None:
    assert week_key(dt.date(2026, 11, 30)) == "2026-W49"
    assert week_key(dt.date(2027, 1, 1)) == "2026-W53"
    assert week_key(dt.date(2024, 12, 30)) == "2025-W01"


def test_message_id_is_on_the_domain_and_stable_per_week() -> None:
    a = status_message_id("4.2", "2026-W49", SETTINGS)
    assert a == status_message_id("4.2", "2026-W49", SETTINGS)
    assert a.endswith("@relbot.example.org") and "<" not in a and " " not in a
    assert a != status_message_id("4.2", "2026-W50", SETTINGS)
    other_list = MailSettings(SETTINGS.from_addr, ("other@lists.example.org",), SETTINGS.domain)
    assert a != status_message_id("4.2", "2026-W49", other_list)


@pytest.mark.parametrize("domain", ["", "  ", "a b", "x@y", "<x>"])
def test_no_id_without_a_proper_domain(domain: str) -> None:
    with pytest.raises(ConfigError, match=r"\[mail\] message_id_domain"):
        check_domain(domain)


def test_headers() -> None:
    msg = wire(compose())
    assert msg["From"] == "Xen release bot <relbot@example.org>"
    assert msg["To"] == "xen-devel <xen-devel@lists.example.org>"
    assert msg["Cc"] == "Ian Campbell <ian@example.org>"
    assert msg["Subject"] == "4.2 Release Plan / TODO"
    assert msg["Date"].datetime == DATE
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Relbot-Week"] == "2026-W49"
    assert re.fullmatch(
        r"<relbot\.4\.2\.2026-W49\.[0-9a-f]{10}@relbot\.example\.org>", msg["Message-ID"]
    )
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert draft_text(msg) == TEXT


def test_a_naive_date_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        compose_status(
            TEXT,
            settings=SETTINGS,
            subject="s",
            date=DATE.replace(tzinfo=None),
            message_id="a@b",
        )


def test_no_list_address_is_a_config_error() -> None:
    bare = MailSettings(SETTINGS.from_addr, (), SETTINGS.domain)
    with pytest.raises(ConfigError, match=r"\[mail\] to"):
        compose(settings=bare)


def test_long_outlook_id_is_never_rfc2047_encoded() -> None:
    assert len(f"<{OUTLOOK}>") == 92
    raw = message_bytes(compose(previous=("first@example.org", OUTLOOK)))
    assert f"In-Reply-To: <{OUTLOOK}>\r\n".encode() in raw
    assert f"References: <first@example.org> <{OUTLOOK}>\r\n".encode() in raw
    assert b"=?utf-8?" not in raw
    parsed = read_message(raw)
    assert parsed.in_reply_to == (OUTLOOK,)
    assert parsed.references == ("first@example.org", OUTLOOK)


def test_the_stdlib_smtp_policy_would_have_encoded_it() -> None:
    """CPython gh-100991: why MAIL_POLICY exists. If this starts failing, the bug is fixed."""
    raw = compose().as_bytes(policy=email.policy.SMTP)
    assert b"In-Reply-To: =?utf-8?q?=3C" in raw


def test_long_id_survives_a_real_smtp_server(list_server: ListServer, tls_cert: TlsCert) -> None:
    config = SmtpConfig(
        transport="smtp",
        host=list_server.host,
        port=list_server.port,
        tls="starttls",
        ca_file=str(tls_cert.cert),
        username="relbot",
        timeout=5.0,
    )
    msg = compose(previous=("first@example.org", OUTLOOK))
    SmtpTransport(config, "secret").send(
        msg, envelope_from="relbot@example.org", recipients=addr_specs(SETTINGS.to)
    )
    [got] = list_server.received
    assert f"In-Reply-To: <{OUTLOOK}>\r\n".encode() in got.data
    assert b"=?utf-8?" not in got.data
    assert read_message(got.data).references == ("first@example.org", OUTLOOK)


def test_chain_and_standalone_threading() -> None:
    assert thread_ids(["a@x", "b@x"], "chain") == ("b@x", ("a@x", "b@x"))
    assert thread_ids(["a@x", "b@x"], "standalone") == ("", ())
    assert thread_ids([], "chain") == ("", ())
    many = [f"m{i}@x" for i in range(30)]
    reply_to, refs = thread_ids(many, "chain")
    assert reply_to == "m29@x" and len(refs) == MAX_REFERENCES
    assert refs[0] == "m0@x" and refs[-1] == "m29@x"
    msg = wire(compose(previous=(), settings=SETTINGS))
    assert msg["In-Reply-To"] is None and msg["References"] is None


def test_utf8_body_is_quoted_printable_within_76_columns() -> None:
    text = "Roger Pau Monné " * 20 + "\n" + "https://example.org/" + "x" * 120 + "\n"
    msg = compose(text)
    raw = message_bytes(msg)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"Content-Transfer-Encoding: quoted-printable" in head
    assert max(len(line) for line in body.split(b"\r\n")) <= 76
    assert draft_text(wire(msg)) == text


def test_ascii_body_is_7bit_and_kept_as_written() -> None:
    raw = message_bytes(compose())
    assert b"Content-Transfer-Encoding: 7bit" in raw
    assert raw.endswith(TEXT.replace("\n", "\r\n").encode())


def test_stored_bytes_parse_back_unchanged() -> None:
    raw = message_bytes(compose("Monné\n" * 3, previous=(OUTLOOK,)))
    again = parse_message(raw)
    assert message_bytes(again) == raw
    assert draft_text(again) == "Monné\n" * 3


def test_subject_template() -> None:
    values = {"release": "4.2", "next_release": "4.3", "date": "2026-11-30", "week": "2026-W49"}
    assert subject_line("{release} Release Plan / TODO", values) == "4.2 Release Plan / TODO"
    assert subject_line("[{week}] {release}  status", values) == "[2026-W49] 4.2 status"
    with pytest.raises(ConfigError, match=r"\[mail\] subject: unknown field \{relase\}"):
        subject_line("{relase} Release Plan", values)


def test_blocker_owners_with_known_addresses_are_cc() -> None:
    at = DATE

    def ev(kind: Kind, item: str | None = None, **data: object) -> Event:
        return Event(kind, at, "rm", "cli", item, data)

    tracker = fold(
        [
            ev(Kind.SECTION, key="hypervisor, blockers"),
            ev(Kind.SECTION, key="tools, nice to have"),
            ev(Kind.ADD, "T1", id="T1", section="hypervisor, blockers", text="a", owners=["Jan"]),
            ev(
                Kind.ADD,
                "T2",
                id="T2",
                section="hypervisor, blockers",
                text="b",
                owners=["Old"],
                status="done",
            ),
            ev(Kind.ADD, "T3", id="T3", section="tools, nice to have", text="c", owners=["Ian"]),
            ev(
                Kind.ADD,
                "T4",
                id="T4",
                section="hypervisor, blockers",
                text="d",
                owners=["Nobody Known", "Jan"],
            ),
        ]
    )
    aliases = {"Jan": ("jan@example.org",), "Old": ("old@x",), "Ian": ("ian@x",)}
    assert blocker_owner_addresses(tracker, aliases) == ("Jan <jan@example.org>",)


def test_preview_has_the_instructions_and_a_diff() -> None:
    draft = compose("line one\nline two changed\n")
    preview = compose_preview(
        draft,
        previous_text="line one\nline two\n",
        settings=SETTINGS,
        to=("Ian Campbell <ian@example.org>",),
        date=DATE,
        send_at="Mon 30 Nov 2026 12:00 GMT",
        review="preview",
        week="2026-W49",
    )
    msg = wire(preview)
    assert msg["To"] == "Ian Campbell <ian@example.org>"
    assert msg["Subject"] == "[relbot preview] 4.2 Release Plan / TODO"
    assert msg["Message-ID"].endswith("@relbot.example.org>")
    assert msg["Auto-Submitted"] == "auto-generated"
    body = draft_text(msg)
    assert "unless a release manager holds it" in body and "relbot hold 2026-W49" in body
    assert "-line two\n+line two changed\n" in body
    assert body.rstrip().endswith("line two changed")


def test_diff_is_empty_without_a_previous_mail() -> None:
    assert body_diff("", "new\n") == ()
    assert body_diff("same\n", "same\n") == ()


def test_addr_specs_for_the_envelope() -> None:
    assert addr_specs(["A <a@x>", "b@y", "A again <a@x>", "junk"]) == ("a@x", "b@y")
