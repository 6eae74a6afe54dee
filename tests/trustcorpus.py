"""Forged and genuine replies to the demo's status mail, with the verdict each must get.

Shared by tests/test_trust_mail.py (which asserts each verdict) and
bench/trust.py (which prints the goal figures). The people are the shipped
config.toml's: the RM Ian Campbell <ian.campbell@citrix.com>, the owner
"Ian J" (T5, alias ian.jackson@eu.citrix.com) and "Anthony Perard" (T40).
Every signature is made by dkimpy with keys made here (``dkimkit``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from relbot.core.replies.message import read_message
from relbot.edges.config import load_config
from relbot.edges.mailbox import RawMail
from relbot.service.ingest import Ingestor
from relbot.service.understanding import Claims, reply_rules, understand
from relbot.service.wiring import Service
from tests.dkimkit import KeyTable, mail, through_list

STATUS_ID = "1334575910.28331.41.camel@zakaz.uk.xensource.com"
LIST = "lists.example.org"
RM = "Ian Campbell <ian.campbell@citrix.com>"
OWNER = "Ian Jackson <ian.jackson@eu.citrix.com>"
ANTHONY = "Anthony PERARD <anthony.perard@citrix.com>"
MALLORY = "Mallory <mallory@member.example>"
NOW = dt.datetime(2012, 4, 17, 12, 0, tzinfo=dt.UTC)

#: what a mail must come to
CONTROL = "control"  # verified RM or owner: applied
UNVERIFIED = "unverified"  # RM or owner by address, not proven: held, "sender not verified"
IMPOSTOR = "impostor"  # an RM's or owner's name, Reply-To or X-Original-From: no role at all


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    raw: bytes
    #: the item the mail tries to change, and the field that would show it
    item: str
    field: str
    #: for an impostor, how it pretends: "name", "reply-to", "x-original-from"
    pretends: str = ""


def reply(frm: str, body: str, n: int, extra: str = "") -> bytes:
    return mail(
        frm,
        subject="Re: [Xen-devel] 4.2 Release Plan / TODO",
        body=body,
        extra=extra,
        msgid=f"<trust-{n}@mail.example>",
    ).replace(b"<status@relbot.example.org>", f"<{STATUS_ID}>".encode())


def _rewrite_from(raw: bytes, new_from: str) -> bytes:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = [
        f"From: {new_from}".encode() if line.startswith(b"From: ") else line
        for line in head.split(b"\r\n")
    ]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def keys_for_corpus() -> KeyTable:
    keys = KeyTable()
    for domain in ("citrix.com", "attacker.example", "member.example", LIST):
        keys.add(domain)
    return keys


def build(keys: KeyTable) -> list[Case]:
    """The corpus, forgeries first (so each finds its item unchanged), controls last."""
    drop = "#relbot T12 drop\n"
    controls = [
        Case("verified RM", CONTROL, keys.sign(reply(RM, drop, 1), "citrix.com"), "T12", "status"),
        Case(
            "verified owner (eu.citrix.com signed by citrix.com)",
            CONTROL,
            keys.sign(reply(OWNER, "#relbot T5 done\n", 2), "citrix.com"),
            "T5",
            "status",
        ),
        Case(
            "verified owner through the list (tag, footer, ARC)",
            CONTROL,
            through_list(
                keys,
                keys.sign(
                    reply(ANTHONY, "#relbot T40 status patches posted v5\n", 3), "citrix.com"
                ),
                list_domain=LIST,
                verified="dkim=pass header.d=citrix.com; dmarc=pass header.from=citrix.com",
            ),
            "T40",
            "version",
        ),
    ]
    tampered = keys.sign(reply(RM, "#relbot T12 note ok\n", 10), "citrix.com")
    header = keys.sign(reply(OWNER, "#relbot T5 done\n", 11), "citrix.com")
    cases = [
        Case("unsigned RM", UNVERIFIED, reply(RM, drop, 12), "T12", "status"),
        Case(
            "forged RM, the server said dkim=fail",
            UNVERIFIED,
            reply(
                RM,
                drop,
                13,
                "Authentication-Results: mx.example.org; dkim=fail header.d=citrix.com;"
                " dmarc=fail\n",
            ),
            "T12",
            "status",
        ),
        Case(
            "tampered body",
            UNVERIFIED,
            tampered.replace(b"#relbot T12 note ok", b"#relbot T12 drop   "),
            "T12",
            "status",
        ),
        Case(
            "changed signed header",
            UNVERIFIED,
            header.replace(b"Date: Mon, 16 Apr 2012", b"Date: Tue, 17 Apr 2012"),
            "T5",
            "status",
        ),
        Case(
            "wrong d=",
            UNVERIFIED,
            keys.sign(reply(RM, drop, 14), "attacker.example"),
            "T12",
            "status",
        ),
        Case(
            "expired signature",
            UNVERIFIED,
            keys.sign_expired(reply(RM, drop, 15), "citrix.com"),
            "T12",
            "status",
        ),
        Case(
            "forged RM through the list (the list saw dkim=fail)",
            UNVERIFIED,
            through_list(
                keys,
                reply(RM, drop, 16),
                list_domain=LIST,
                verified="dkim=fail header.d=citrix.com; dmarc=fail header.from=citrix.com",
            ),
            "T12",
            "status",
        ),
        Case(
            "ARC sealed by a domain that is no configured list",
            UNVERIFIED,
            through_list(
                keys,
                reply(RM, drop, 17),
                list_domain="attacker.example",
                verified="dkim=pass header.d=citrix.com",
            ),
            "T12",
            "status",
        ),
        Case(
            "unsigned owner in plain words",
            UNVERIFIED,
            reply(OWNER, "> * Safe fork vs. fd handling hooks\n\nThis went in, it's done.\n", 18),
            "T5",
            "status",
        ),
        Case(
            "RM's name from another address",
            IMPOSTOR,
            keys.sign(
                reply("Ian Campbell <ian.campbell@attacker.example>", drop, 20), "attacker.example"
            ),
            "T12",
            "status",
            "name",
        ),
        Case(
            "owner's name from another address",
            IMPOSTOR,
            keys.sign(
                reply("Ian Jackson <ian.jackson@attacker.example>", "#relbot T5 done\n", 21),
                "attacker.example",
            ),
            "T5",
            "status",
            "name",
        ),
        Case(
            "X-Original-From naming the RM",
            IMPOSTOR,
            keys.sign(reply(MALLORY, drop, 22, f"X-Original-From: {RM}\n"), "member.example"),
            "T12",
            "status",
            "x-original-from",
        ),
        Case(
            "Reply-To naming the RM",
            IMPOSTOR,
            keys.sign(reply(MALLORY, drop, 23, f"Reply-To: {RM}\n"), "member.example"),
            "T12",
            "status",
            "reply-to",
        ),
        Case(
            "Reply-To naming the RM under a From the list rewrote",
            IMPOSTOR,
            through_list(
                keys,
                _rewrite_from(
                    keys.sign(reply(MALLORY, drop, 24, f"Reply-To: {RM}\n"), "member.example"),
                    f"Mallory via Xen-devel <xen-devel@{LIST}>",
                ),
                list_domain=LIST,
                verified="dkim=pass header.d=member.example",
            ),
            "T12",
            "status",
            "reply-to",
        ),
        Case(
            "X-Original-From naming the owner under a From the list rewrote",
            IMPOSTOR,
            through_list(
                keys,
                keys.sign(
                    reply(MALLORY, "#relbot T5 done\n", 25, f"X-Original-From: {OWNER}\n"),
                    "member.example",
                ),
                list_domain=LIST,
                verified="dkim=pass header.d=member.example",
                rewrite_from=f"Mallory via Xen-devel <xen-devel@{LIST}>",
            ),
            "T5",
            "status",
            "x-original-from",
        ),
    ]
    return cases + controls


@dataclass
class Outcome:
    case: Case
    changed: bool
    verification: str
    roles: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _field(service: Service, item: str, name: str) -> object:
    found = service.tracker().item(item)
    assert found is not None, item
    value = getattr(found, name)
    return value.value if hasattr(value, "value") else value


def run(config: Path, keys: KeyTable, cases: list[Case]) -> list[Outcome]:
    """Each mail read (as parse-reply does) and then ingested alone, in order."""
    out = []
    service = Service(load_config(config), dns_lookup=keys.dnsfunc)
    try:
        check = service.sender_check()
        for case in cases:
            proof = check(case.raw)
            store = service.store
            events = store.events()
            claims = Claims(store)
            claims.update(events)
            result = understand(
                read_message(case.raw),
                store.tracker(),
                events,
                replace(reply_rules(service), claimed=claims.pairs),
                NOW.date(),
                verification=proof,
            )
            data = json.loads(json.dumps(result.to_json()))
            before = _field(service, case.item, case.field)
            ingestor = Ingestor(service, now=lambda: NOW)
            ingestor.offer(RawMail(case.name, case.raw))
            after = _field(service, case.item, case.field)
            out.append(
                Outcome(
                    case,
                    changed=before != after,
                    verification=proof.summary(),
                    roles=[a["role"] for a in data["actions"]],
                    decisions=[a["decision"] for a in data["actions"]],
                    reasons=[a["reason"] for a in data["actions"]],
                )
            )
    finally:
        service.close()
    return out


@dataclass(frozen=True)
class Figures:
    controls: int
    controls_applied: int
    unverified: int
    applied_unverified: int
    impostors: int
    taken_for_rm_or_owner: int

    def lines(self) -> list[str]:
        return [
            f"changes applied from an unverified RM/owner mail: {self.applied_unverified} "
            f"of {self.unverified} (goal 0)",
            f"mails taken for an RM or owner by name, Reply-To or X-Original-From alone: "
            f"{self.taken_for_rm_or_owner} of {self.impostors} (goal 0)",
            f"controls (verified RM, verified owner) applied: {self.controls_applied} "
            f"of {self.controls} (goal all)",
        ]


def figures(outcomes: list[Outcome]) -> Figures:
    def of(kind: str) -> list[Outcome]:
        return [o for o in outcomes if o.case.kind == kind]

    return Figures(
        controls=len(of(CONTROL)),
        controls_applied=sum(o.changed for o in of(CONTROL)),
        unverified=len(of(UNVERIFIED)),
        applied_unverified=sum(o.changed for o in of(UNVERIFIED)),
        impostors=len(of(IMPOSTOR)),
        taken_for_rm_or_owner=sum(
            any(r in ("release_manager", "owner") for r in o.roles) or o.changed
            for o in of(IMPOSTOR)
        ),
    )
