"""Ingest: the same path for .eml files, maildirs and mboxes; each message once."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from runproc import use_store

from relbot.edges.mailbox import RawMail
from relbot.service.ingest import Ingestor
from tests.clirun import REPO, Project, find_item

EXAMPLES = REPO / "docs" / "examples"
REPLIES = sorted((EXAMPLES / "replies").glob("*.eml"))
STATUS_ID = "1334575910.28331.41.camel@zakaz.uk.xensource.com"


@pytest.fixture
def project(tmp_path: Path, store_url: str) -> Project:
    """A project holding the status mail, on SQLite and on PostgreSQL in turn."""
    p = Project.create(tmp_path / "rm")
    use_store(p.root / "config.toml", store_url)
    p.ok("init")
    out = p.ok("import", str(EXAMPLES / "status-4.2.eml"))
    assert f"as status mail <{STATUS_ID}>" in out
    return p


def write_mbox(path: Path, mails: list[bytes]) -> None:
    with path.open("wb") as handle:
        for raw in mails:
            handle.write(b"From someone@example.org Mon Apr 16 12:00:00 2012\n")
            body = b"\n".join(
                b">" + line if line.lstrip(b">").startswith(b"From ") else line
                for line in raw.split(b"\n")
            )
            handle.write(body.rstrip(b"\n") + b"\n\n")


def make_maildir(path: Path, mails: list[Path]) -> None:
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True)
    for i, mail in enumerate(mails):
        shutil.copy(mail, path / "new" / f"{1334580000 + i}.M{i}P1.host")


def test_parse_reply_changes_nothing(project: Project) -> None:
    before = project.ok("show", "--json")
    data = json.loads(project.ok("parse-reply", str(REPLIES[0]), "--json"))
    assert project.ok("show", "--json") == before
    assert data["message_id"] == "4F8C1A23.7050301@citrix.com"
    assert data["from"] == "Roger Pau Monne <roger.pau@citrix.com>"
    (claim,) = [a for a in data["actions"] if a["action"] == "claim"]
    assert claim["item"] == "T12"
    assert claim["item_text"].startswith("libxl_domain_suspend.")
    assert claim["decision"] == "apply"
    assert set(claim) == {
        "item",
        "item_text",
        "action",
        "value",
        "who",
        "evidence",
        "confidence",
        "decision",
        "reason",
        "role",
        "verified",
    }
    assert 0.0 <= claim["confidence"] <= 1.0
    assert data["verification"]["status"] == "unchecked"


@pytest.mark.parametrize("form", ["files", "maildir", "mbox"])
def test_ingest_each_form_applies_once(project: Project, tmp_path: Path, form: str) -> None:
    if form == "files":
        args = [str(p) for p in REPLIES]
    elif form == "maildir":
        make_maildir(tmp_path / "md", REPLIES)
        args = [str(tmp_path / "md")]
    else:
        write_mbox(tmp_path / "box.mbox", [p.read_bytes() for p in REPLIES])
        args = [str(tmp_path / "box.mbox")]
    out = project.ok("ingest", *args)
    assert f"scanned {len(REPLIES)}, thread members {len(REPLIES)}" in out
    assert find_item(project, "T12")["owners"] == ["Roger Pau Monne"]
    assert find_item(project, "T5")["status"] == "done"
    assert find_item(project, "T1")["links"][0]["url"].endswith("2012-04/msg00871.html")
    assert (find_item(project, "T40")["status"], find_item(project, "T40")["version"]) == (
        "patches posted",
        "v4",
    )
    events = project.ok("log")
    again = project.ok("ingest", *args)
    assert f"duplicates {len(REPLIES)}" in again
    assert project.ok("log") == events


def test_pending_accept_reject_from_the_cli(project: Project) -> None:
    project.ok("ingest", *map(str, REPLIES))
    pending = project.ok("pending")
    # the hedged "this is probably done?" waits for the RM
    assert "T27" in pending and '"done"' in pending
    number = pending.split()[0]
    project.ok("accept", number)
    assert find_item(project, "T27")["status"] == "done"
    assert project.run("accept", number).exit_code == 1
    assert "nothing pending" in project.ok("pending") or number not in project.ok("pending")


def test_rm_accepts_by_mail(project: Project, tmp_path: Path) -> None:
    project.ok("ingest", *map(str, REPLIES))
    number = project.ok("pending").split()[0]
    reply = tmp_path / "rm.eml"
    reply.write_text(
        "From: Ian Campbell <ian.campbell@citrix.com>\n"
        "To: xen-devel <xen-devel@lists.xen.org>\n"
        "Subject: Re: [Xen-devel] 4.2 Release Plan / TODO\n"
        "Message-ID: <rm-accept-1@citrix.com>\n"
        "In-Reply-To: <alpine.DEB.2.00.1204180929120.26786@kaball-desktop>\n"
        f"References: <{STATUS_ID}> <alpine.DEB.2.00.1204180929120.26786@kaball-desktop>\n"
        "\n> so this is probably done?\n\n"
        f"#relbot accept {number}\n"
    )
    project.ok("ingest", str(reply))
    assert find_item(project, "T27")["status"] == "done"


def test_non_rm_cannot_accept_by_mail(project: Project, tmp_path: Path) -> None:
    project.ok("ingest", *map(str, REPLIES))
    number = project.ok("pending").split()[0]
    reply = tmp_path / "x.eml"
    reply.write_text(
        "From: Some One <some.one@example.org>\nSubject: Re: 4.2 Release Plan / TODO\n"
        f"Message-ID: <x-accept@example.org>\nReferences: <{STATUS_ID}>\n\n"
        f"#relbot accept {number}\n"
    )
    project.ok("ingest", str(reply))
    assert find_item(project, "T27")["status"] != "done"


def test_reject(project: Project) -> None:
    project.ok("ingest", *map(str, REPLIES))
    number = project.ok("pending").split()[0]
    assert "rejected" in project.ok("reject", number)
    assert find_item(project, "T27")["status"] == "open"


def test_non_members_and_loop_guards_are_skipped(project: Project, tmp_path: Path) -> None:
    unrelated = tmp_path / "u.eml"
    unrelated.write_text(
        "From: a@example.org\nSubject: [PATCH] x86: fix\nMessage-ID: <p1@example.org>\n\n"
        "I'll pick this one up.\n"
    )
    auto = tmp_path / "auto.eml"
    auto.write_text(
        "From: b@example.org\nSubject: Out of office\nAuto-Submitted: auto-replied\n"
        f"Message-ID: <ooo@example.org>\nIn-Reply-To: <{STATUS_ID}>\n\nI am away.\n"
    )
    own = tmp_path / "own.eml"
    own.write_text(
        "From: Xen release bot <relbot@example.org>\nSubject: 4.2 Release Plan / TODO\n"
        f"Message-ID: <week-1@relbot.example.org>\nIn-Reply-To: <{STATUS_ID}>\n\nstatus\n"
    )
    out = project.ok("ingest", str(unrelated), str(auto), str(own))
    assert "scanned 3, thread members 0" in out
    assert "loop-guarded 2" in out


def test_subject_only_member_goes_pending(project: Project, tmp_path: Path) -> None:
    mail = tmp_path / "noref.eml"
    mail.write_text(
        "From: Roger Pau Monne <roger.pau@citrix.com>\n"
        "Subject: Re: [Xen-devel] 4.2 Release Plan / TODO\nMessage-ID: <noref@citrix.com>\n\n"
        ">                       * libxl_domain_suspend. Nobody has looked at these\n"
        ">                         at all. A volunteer would be appreciated.\n\n"
        "I'll pick this one up.\n"
    )
    out = project.ok("ingest", str(mail))
    assert "thread members 1" in out and "pending 1" in out
    assert find_item(project, "T12")["owners"] == []


def test_undecodable_member_is_quarantined_and_retried(project: Project, tmp_path: Path) -> None:
    huge = tmp_path / "huge.eml"
    huge.write_bytes(
        f"From: x@example.org\nSubject: Re: 4.2 Release Plan / TODO\nMessage-ID: <big@x>\n"
        f"References: <{STATUS_ID}>\n\n".encode()
        + b"a" * 5000
    )
    p2 = Project.create(tmp_path / "small", extra_config="")
    cfg = (
        (p2.root / "config.toml")
        .read_text()
        .replace("[parsing]\n", "[parsing]\nmax_message_bytes = 2000\n")
    )
    (p2.root / "config.toml").write_text(cfg)
    p2.ok("init")
    p2.ok("import", str(EXAMPLES / "status-4.2.eml"))
    out = p2.ok("ingest", str(huge), str(REPLIES[0]))
    assert "quarantined 1" in out and "applied 1" in out
    listing = p2.ok("quarantine")
    assert "<big@x>" in listing and "max_message_bytes" in listing
    assert "still quarantined" in p2.ok("retry", listing.split()[0])
    assert "duplicates 1" in p2.ok("ingest", str(huge))


def test_ingestor_history_follows_other_writers(project: Project) -> None:
    """The events an Ingestor keeps folded always equal a fresh fold of the store."""
    import datetime as dt

    from relbot.core.tracker.events import fold
    from relbot.edges.config import load_config
    from relbot.edges.store.store import events_table
    from relbot.service.ingest import Ingestor
    from relbot.service.wiring import Service

    service = Service(load_config(project.root / "config.toml"))
    store = service.store
    ingestor = Ingestor(service, now=lambda: dt.datetime(2012, 4, 17, tzinfo=dt.UTC))
    history = ingestor.history

    def agrees() -> None:
        assert history.current() == store.tracker()
        events = store.events()
        assert history.events == events
        for k in range(len(events) + 2):
            assert history.shown(k) == (fold(events[:k]) if k else None)

    agrees()
    # another process (the CLI, with its own connection) writes between reads
    project.ok("claim", "T12", "Someone Else")
    agrees()
    claim = store.events()[-1].seq
    project.ok("undo", str(claim))
    agrees()
    assert "Someone Else" not in find_item(project, "T12")["owners"]
    project.ok("undo", str(store.events()[-1].seq))  # undo the undo
    agrees()
    assert "Someone Else" in find_item(project, "T12")["owners"]
    # writers whose transactions commit out of seq order (as on PostgreSQL)
    template = next(e for e in store.events() if e.seq == claim)
    top = store.events()[-1].seq

    def late_claim(seq: int, name: str) -> None:
        with store.transaction() as conn:
            conn.execute(
                events_table.insert().values(
                    seq=seq,
                    kind=template.kind.value,
                    item=template.item,
                    actor="late",
                    source="cli",
                    at="2012-04-17T00:00:00+00:00",
                    data=json.dumps({**template.data, "owner": name}),
                )
            )

    late_claim(top + 5, "Later Writer")
    agrees()
    late_claim(top + 2, "Late Writer")
    agrees()
    assert find_item(project, "T12")["owners"][-2:] == ["Late Writer", "Later Writer"]
    # replies read by a long-lived Ingestor land on the current state
    for path in REPLIES:
        ingestor.offer(RawMail(str(path), path.read_bytes()))
    agrees()
    assert ingestor.report.applied


HEDGE_ID = "alpine.DEB.2.00.1204180929120.26786@kaball-desktop"


def _rm_answer(tmp_path: Path, body: str, name: str = "rm.eml") -> Path:
    mail = tmp_path / name
    mail.write_text(
        "From: Ian Campbell <ian.campbell@citrix.com>\n"
        "To: xen-devel <xen-devel@lists.xen.org>\n"
        "Subject: Re: [Xen-devel] 4.2 Release Plan / TODO\n"
        f"Message-ID: <{name}@citrix.com>\n"
        f"In-Reply-To: <{HEDGE_ID}>\n"
        f"References: <{STATUS_ID}> <{HEDGE_ID}>\n\n{body}"
    )
    return mail


def test_rm_agreeing_under_the_quote_accepts_it(project: Project, tmp_path: Path) -> None:
    project.ok("ingest", *map(str, REPLIES))
    answer = _rm_answer(
        tmp_path,
        "> I think the last of these went in yesterday, so this is probably done?\n\n"
        "Thanks, I've updated the list.\n",
    )
    project.ok("ingest", str(answer))
    assert find_item(project, "T27")["status"] == "done"
    assert "nothing pending" in project.ok("pending")


def test_rm_asking_back_accepts_nothing(project: Project, tmp_path: Path) -> None:
    project.ok("ingest", *map(str, REPLIES))
    answer = _rm_answer(
        tmp_path,
        "> I think the last of these went in yesterday, so this is probably done?\n\n"
        "Can you check? I'll update the list once you're sure.\n",
    )
    project.ok("ingest", str(answer))
    assert find_item(project, "T27")["status"] == "open"
    assert "T27" in project.ok("pending")


def test_agreement_from_someone_else_accepts_nothing(project: Project, tmp_path: Path) -> None:
    project.ok("ingest", *map(str, REPLIES))
    answer = _rm_answer(tmp_path, "Thanks, I've updated the list.\n")
    text = answer.read_text().replace(
        "Ian Campbell <ian.campbell@citrix.com>", "Some One <some.one@example.org>"
    )
    answer.write_text(text)
    project.ok("ingest", str(answer))
    assert find_item(project, "T27")["status"] == "open"


def _mail(msgid: str, sender: str, parent: str, body: str) -> bytes:
    return (
        f"From: {sender}\nSubject: Re: [Xen-devel] 4.2 Release Plan / TODO\n"
        f"Date: Tue, 17 Apr 2012 10:00:00 +0100\nMessage-ID: <{msgid}>\n"
        f"In-Reply-To: <{parent}>\nContent-Type: text/plain; charset=UTF-8\n\n{body}"
    ).encode()


def test_a_parent_no_release_manager_wrote_is_read_by_its_header_only(tmp_path: Path) -> None:
    from tests.ingest_harness import open_service, status_project
    from tests.test_reply import RM_QUESTION

    service = open_service(status_project(tmp_path / "rm"))
    status = "1334575910.28331.41.camel@zakaz.uk.xensource.com"
    george = "George Dunlap <george.dunlap@eu.citrix.com>"
    big = _mail("big@x", "Jan <jan@example.org>", status, "> * a\nText.\n" + "a\n" * 2_000_000)
    question = _mail("q@x", "Ian Campbell <ian.campbell@citrix.com>", status, RM_QUESTION)
    at = dt.datetime(2012, 4, 18, 12, 0, tzinfo=dt.UTC)
    for raw in (big, question):
        Ingestor(service, now=lambda: at).offer(RawMail("first", raw))
    # another run: its parents come from the store
    ingestor = Ingestor(service, now=lambda: at)
    ingestor.offer(RawMail("under the big one", _mail("r1@x", george, "big@x", "Thanks.\n")))
    quoted = "".join(f"> {line}" for line in RM_QUESTION.splitlines(keepends=True))
    ingestor.offer(RawMail("yes", _mail("r2@x", george, "q@x", f"{quoted}\nYes.\n")))
    assert ingestor.parents.header_only == {"big@x"}
    # the question is read whole: the yes under it marks the item done
    assert ingestor.report.lines[-1].endswith(": 1 applied, 0 pending, 0 ignored")
    zombie = next(
        it for it in service.tracker().items if it.text.startswith("Zombie driver domains")
    )
    assert zombie.status.value == "done"
    service.close()
