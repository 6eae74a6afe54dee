"""Who may change the tracker by mail, end to end: signed, forged and list-rewritten replies.

The shipped config.toml (``[trust] mode = "dkim"``), the demo's status mail,
mail signed by dkimpy with keys made here and looked up in the test's own key
table. Each mail's verdict is asserted; the goal figures are printed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from relbot.edges.config import load_config
from relbot.edges.mailbox import RawMail
from relbot.service.ingest import Ingestor
from relbot.service.wiring import Service
from tests.clirun import REPO, Project
from tests.dkimkit import KeyTable
from tests.trustcorpus import (
    CONTROL,
    IMPOSTOR,
    NOW,
    RM,
    STATUS_ID,
    UNVERIFIED,
    Outcome,
    build,
    figures,
    keys_for_corpus,
    reply,
    run,
)


@pytest.fixture(scope="module")
def keys() -> KeyTable:
    return keys_for_corpus()


def demo(tmp_path: Path, trust: str = "dkim", extra: str = "") -> Project:
    p = Project.create(tmp_path / "rm", extra, trust=trust)
    p.ok("init")
    p.ok("import", str(REPO / "docs" / "examples" / "status-4.2.eml"))
    return p


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory, keys: KeyTable) -> list[Outcome]:
    p = demo(tmp_path_factory.mktemp("corpus"))
    return run(p.root / "config.toml", keys, build(keys))


def by_kind(outcomes: list[Outcome], kind: str) -> list[Outcome]:
    return [o for o in outcomes if o.case.kind == kind]


def test_controls_are_applied(outcomes: list[Outcome]) -> None:
    controls = by_kind(outcomes, CONTROL)
    assert len(controls) == 3
    for o in controls:
        assert o.changed, (o.case.name, o.reasons)
        assert o.verification.startswith("pass ("), o.case.name
        assert all("verified:" in r for r in o.reasons), o.reasons
    assert [o.roles for o in controls] == [["release_manager"], ["owner"], ["owner"]]


def test_unverified_rm_and_owner_mail_is_held_never_applied(outcomes: list[Outcome]) -> None:
    held = by_kind(outcomes, UNVERIFIED)
    assert len(held) == 9
    for o in held:
        assert not o.changed, o.case.name
        assert o.verification.startswith("fail: "), (o.case.name, o.verification)
        assert o.decisions == ["pending"], (o.case.name, o.decisions)
        assert o.reasons[0].startswith("sender not verified ("), (o.case.name, o.reasons)
        assert o.roles[0] in ("release_manager", "owner"), o.case.name


def test_no_name_reply_to_or_x_original_from_makes_an_rm_or_owner(
    outcomes: list[Outcome],
) -> None:
    impostors = by_kind(outcomes, IMPOSTOR)
    assert {o.case.pretends for o in impostors} == {"name", "reply-to", "x-original-from"}
    for o in impostors:
        assert not o.changed, o.case.name
        assert o.roles == ["anyone"], (o.case.name, o.roles)
        assert o.decisions == ["pending"], (o.case.name, o.reasons)
        assert o.reasons[0].startswith("only an owner of "), (o.case.name, o.reasons)


def test_goal_figures(outcomes: list[Outcome]) -> None:
    got = figures(outcomes)
    print("\n" + "\n".join(got.lines()))
    assert got.applied_unverified == 0 and got.unverified == 9
    assert got.taken_for_rm_or_owner == 0 and got.impostors == 6
    assert got.controls_applied == got.controls == 3


def test_log_shows_how_each_applied_mail_was_verified(tmp_path: Path, keys: KeyTable) -> None:
    p = demo(tmp_path)
    control = next(c for c in build(keys) if c.kind == CONTROL and c.item == "T12")
    run(p.root / "config.toml", keys, [control])
    log = p.ok("log", "--item", "T12")
    assert "<trust-1@mail.example>" in log
    assert "[sender pass (dkim, citrix.com)]" in log


def test_preview_answers_follow_the_same_rules(tmp_path: Path, keys: KeyTable) -> None:
    p = Project.create(tmp_path / "rm", trust="dkim")
    text = (p.root / "config.toml").read_text().replace('review = "auto"', 'review = "approve"')
    (p.root / "config.toml").write_text(text)
    p.ok("init")
    p.ok("import", str(REPO / "docs" / "examples" / "status-4.2.eml"))
    monday = "2026-11-30T12:00:00+00:00"
    assert "waiting for a release manager" in p.ok("send", "--at", monday)
    (preview,) = (p.root / "var" / "outbox").glob("*relbot.preview.*.eml")
    preview_id = next(
        line.split("<", 1)[1].rstrip(">")
        for line in preview.read_text().splitlines()
        if line.startswith("Message-ID:")
    )

    def to_preview(frm: str, n: int, command: str = "approve") -> bytes:
        raw = reply(frm, f"#relbot {command}\n", n)
        return raw.replace(STATUS_ID.encode(), preview_id.encode())

    def answer(raw: bytes) -> list[str]:
        service = Service(load_config(p.root / "config.toml"), dns_lookup=keys.dnsfunc)
        try:
            ingestor = Ingestor(service, now=lambda: NOW)
            ingestor.offer(RawMail("answer", raw))
            return ingestor.report.lines
        finally:
            service.close()

    forged = answer(to_preview(RM, 30))
    assert any("0 applied, 1 pending" in line for line in forged), forged
    number = p.ok("pending").split()[0]
    refused = p.run("accept", number)
    assert refused.exit_code == 1 and "run `relbot approve`, then `relbot reject" in refused.output
    assert "waiting for a release manager" in p.ok("send", "--at", monday)
    impostor = "Ian Campbell <ian.campbell@attacker.example>"
    named = answer(keys.sign(to_preview(impostor, 31), "attacker.example"))
    assert any("0 applied, 0 pending, 1 ignored" in line for line in named), named
    held = answer(keys.sign(to_preview(impostor, 33, "hold"), "attacker.example"))
    assert any("0 applied, 0 pending, 1 ignored" in line for line in held), held
    assert "waiting for a release manager" in p.ok("send", "--at", monday)
    signed = answer(keys.sign(to_preview(RM, 32), "citrix.com"))
    assert any("approved by" in line for line in signed), signed
    assert "sent <relbot.4.2.2026-W49." in p.ok("send", "--at", monday)


def test_parse_reply_json_tells_role_and_verification(tmp_path: Path) -> None:
    p = Project.create(tmp_path / "rm", trust="authentication-results")
    text = (
        (p.root / "config.toml")
        .read_text()
        .replace(
            'list_domains = ["lists.example.org"]',
            'list_domains = ["lists.example.org"]\nauthserv_ids = ["mx.relbot.example"]',
        )
    )
    (p.root / "config.toml").write_text(text)
    p.ok("init")
    p.ok("import", str(REPO / "docs" / "examples" / "status-4.2.eml"))
    good = tmp_path / "good.eml"
    good.write_bytes(
        b"Authentication-Results: mx.relbot.example; dkim=pass header.d=citrix.com\r\n"
        + reply(RM, "#relbot T12 drop\n", 40)
    )
    data = json.loads(p.ok("parse-reply", str(good), "--json"))
    assert data["verification"]["status"] == "pass"
    assert data["verification"]["method"] == "authentication-results"
    [action] = data["actions"]
    assert (action["decision"], action["role"]) == ("apply", "release_manager")
    assert action["verified"] == "pass (authentication-results, mx.relbot.example)"
    forged = tmp_path / "forged.eml"
    forged.write_bytes(
        b"Authentication-Results: mx.relbot.example; dkim=fail header.d=citrix.com\r\n"
        b"Authentication-Results: mx.relbot.example; dkim=pass header.d=citrix.com\r\n"
        + reply(RM, "#relbot T12 drop\n", 41)
    )
    data = json.loads(p.ok("parse-reply", str(forged), "--json"))
    [action] = data["actions"]
    assert (action["decision"], action["role"]) == ("pending", "release_manager")
    assert action["reason"].startswith("sender not verified (release manager")
    assert data["verification"]["status"] == "fail"


def test_mode_none_warns_and_trusts_the_from(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    p = demo(tmp_path, trust="none")
    mail = tmp_path / "rm.eml"
    mail.write_bytes(reply(RM, "#relbot T12 drop\n", 50))
    with caplog.at_level("WARNING"):
        data = json.loads(p.ok("parse-reply", str(mail), "--json"))
    assert '[trust] mode = "none"' in caplog.text
    assert data["verification"]["status"] == "unchecked"
    assert data["actions"][0]["decision"] == "apply"


def test_the_demo_holds_the_unsigned_owners_changes(tmp_path: Path) -> None:
    """`relbot init --demo && relbot run --once` on the shipped config, as the README shows."""
    p = Project.create(tmp_path / "rm", trust="dkim")
    shutil.copytree(REPO / "docs" / "examples", p.root / "docs" / "examples")
    assert "6 example replies are waiting" in p.ok("init", "--demo")
    out = p.ok("run", "--once")
    assert "thread members 6, applied 2, pending 4, ignored 0" in out
    pending = p.ok("pending")
    assert pending.count("sender not verified (owner ") == 3
    assert "confidence 0.35 is below 0.80" in pending


def test_a_yes_follows_only_a_verified_release_managers_question() -> None:
    from test_reply import ANSWERS, RM_QUESTION, SEED, TODAY
    from test_reply import reply as answer_mail

    from relbot.core.identity import Status, Verification
    from relbot.core.replies.message import Message
    from relbot.core.replies.reply import ReplyRules, understand_reply

    rules = ReplyRules(release_managers=(RM,))  # the default [trust]: dkim
    question = Message(
        message_id="q@example.org",
        from_name="Ian Campbell",
        from_addr="ian.campbell@citrix.com",
        text=RM_QUESTION,
    )
    george = "george.dunlap@eu.citrix.com"
    proven = Verification(Status.PASS, george, "George Dunlap", "dkim", "citrix.com")
    asked = Verification(
        Status.PASS, "ian.campbell@citrix.com", "Ian Campbell", "dkim", "citrix.com"
    )
    forged = Verification(Status.FAIL, "ian.campbell@citrix.com", "Ian Campbell", detail="no DKIM")
    body, status = next((b, s) for b, s in ANSWERS if s)
    got = {}
    for name, proof in (("verified", asked), ("forged", forged), ("unchecked", None)):
        result = understand_reply(
            answer_mail(body, name="George Dunlap", addr=george),
            tracker=SEED,
            replied_state=None,
            rules=rules,
            today=TODAY,
            parent=question,
            verification=proven,
            parent_verification=proof,
        )
        got[name] = [a["value"].get("status") for a in result.to_json()["actions"]]
    assert got == {"verified": [status], "forged": [], "unchecked": []}


def test_an_item_taken_by_mail_is_its_takers_by_address(tmp_path: Path, keys: KeyTable) -> None:
    p = demo(tmp_path)
    service = Service(load_config(p.root / "config.toml"), dns_lookup=keys.dnsfunc)

    def ingest(raw: bytes) -> str:
        ingestor = Ingestor(service, now=lambda: NOW)
        return ingestor.offer(RawMail("test", raw))

    try:
        unowned = [
            it.id for it in service.tracker().items if not it.owners and it.status.value == "open"
        ]
        mine, theirs = unowned[0], unowned[1]
        mallory = "Mallory Example <mallory@member.example>"
        impostor = "Mallory Example <mallory@attacker.example>"
        assert "1 applied" in ingest(
            keys.sign(reply(mallory, f"#relbot {mine} claim\n", 60), "member.example")
        )
        # her own item, from her address: an owner's change, applied
        assert "1 applied" in ingest(
            keys.sign(reply(mallory, f"#relbot {mine} drop\n", 61), "member.example")
        )
        assert service.tracker().item(mine).status.value == "dropped"  # type: ignore[union-attr]
        # her name from another address owns nothing
        assert "1 pending" in ingest(
            keys.sign(reply(impostor, f"#relbot {mine} status open\n", 62), "attacker.example")
        )
        # a claim for someone else, accepted by the RM, does not make her an owner
        assert "1 pending" in ingest(
            keys.sign(reply(mallory, f"#relbot {theirs} claim Jane Doe\n", 63), "member.example")
        )
        pending = [line for line in p.ok("pending").splitlines() if "Jane Doe" in line]
        number = pending[0].split()[0]
        p.ok("accept", number)
        assert service.tracker().item(theirs).owners == ("Jane Doe",)  # type: ignore[union-attr]
        assert "1 pending" in ingest(
            keys.sign(reply(mallory, f"#relbot {theirs} drop\n", 64), "member.example")
        )
    finally:
        service.close()
