"""No one mail stops relbot: poison mail, colliding ids, a time budget per mail.

Through the command line, as a release manager runs it: ``relbot ingest`` of
files and ``relbot poll --once`` against a real Dovecot. After every poison
mail comes a plain one, which must still be read.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

import pytest

from relbot.edges.config import load_config
from relbot.edges.imap.reconnect import Backoff
from relbot.edges.mailbox import RawMail
from relbot.service.ingest import Ingestor
from relbot.service.poll import PollReport, watch
from relbot.service.wiring import Service
from tests.clirun import REPO, Project, find_item
from tests.malformed import ANSWERS, QUOTES, reply
from tests.servers import Dovecot
from tests.test_poller import FOLDER, imap_project

EXAMPLES = REPO / "docs" / "examples"
CLAIM = EXAMPLES / "replies" / "01-claim.eml"
DONE = EXAMPLES / "replies" / "03-done.eml"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    p = Project.create(tmp_path / "rm")
    p.ok("init")
    p.ok("import", str(EXAMPLES / "status-4.2.eml"))
    return p


def poison_claim() -> bytes:
    """The claim of 01-claim.eml with a raw Latin-1 byte in its Message-ID."""
    raw = CLAIM.read_bytes()
    return raw.replace(b"<4F8C1A23.7050301@citrix.com>", b"<4F8C1A23.70\xe9@citrix.com>")


def db(p: Project) -> sqlite3.Connection:
    return sqlite3.connect(p.root / "var" / "relbot.db")


def stored(p: Project) -> list[tuple[str, str, str]]:
    with db(p) as conn:
        return list(conn.execute("SELECT message_id, state, reason FROM messages ORDER BY id"))


def test_a_raw_byte_in_a_message_id_does_not_stop_ingest(project: Project, tmp_path: Path) -> None:
    (tmp_path / "1-poison.eml").write_bytes(poison_claim())
    (tmp_path / "2-after.eml").write_bytes(DONE.read_bytes())
    result = project.run("ingest", str(tmp_path / "1-poison.eml"), str(tmp_path / "2-after.eml"))
    assert result.exit_code == 0, result.output
    assert "thread members 2" in result.output
    # the mail after the poison one was read and applied
    assert find_item(project, "T5")["status"] == "done"
    ids = [row[0] for row in stored(project)]
    # the raw byte is kept as text any store can hold, and the id stays apart from others
    assert "4F8C1A23.70\\xe9@citrix.com" in ids
    assert all(i.encode("utf-8") for i in ids)
    # and the poison mail itself was understood like any other claim
    assert find_item(project, "T12")["owners"] == ["Roger Pau Monne"]


def test_poll_once_reads_past_a_poison_mail(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = imap_project(tmp_path, dovecot, monkeypatch)
    dovecot.append(FOLDER, poison_claim())
    dovecot.append(FOLDER, DONE.read_bytes())
    result = p.run("poll", "--once")
    assert result.exit_code == 0, result.output
    assert "scanned 2, thread members 2" in result.output
    assert find_item(p, "T5")["status"] == "done"
    # the watermark moved past both: nothing is read twice
    dovecot.append(FOLDER, reply("third@example.org", QUOTES[2] + "\n" + ANSWERS[2]))
    again = p.ok("poll", "--once")
    assert "scanned 1, thread members 1" in again


def test_a_failure_inside_the_store_quarantines_that_mail_only(
    project: Project, tmp_path: Path
) -> None:
    # a real SQLite trigger refuses the events of one mail, the way a broken
    # row or a full disk would: that mail is quarantined, the next one read
    with db(project) as conn:
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON events "
            "WHEN NEW.source = '4F8C1A23.7050301@citrix.com' "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END"
        )
    result = project.run("ingest", str(CLAIM), str(DONE))
    assert result.exit_code == 0, result.output
    assert "quarantined 1" in result.output
    assert find_item(project, "T5")["status"] == "done"
    listing = project.ok("quarantine")
    assert "4F8C1A23.7050301@citrix.com" in listing and "refused by the test trigger" in listing


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_mail_past_the_time_budget_is_kept_unprocessed(project: Project, tmp_path: Path) -> None:
    text = (project.root / "config.toml").read_text()
    text = text.replace("[parsing]\n", "[parsing]\nmax_seconds_per_message = 0.3\n")
    (project.root / "config.toml").write_text(text)
    # nine thousand quoted items, each answered, take seconds; the claim after it, milliseconds
    slow = reply("slow@example.org", "".join(f"{q}\nI'll take it.\n\n" for q in QUOTES * 3000))
    (tmp_path / "1-slow.eml").write_bytes(slow)
    (tmp_path / "2-after.eml").write_bytes(DONE.read_bytes())
    result = project.run("ingest", str(tmp_path / "1-slow.eml"), str(tmp_path / "2-after.eml"))
    assert result.exit_code == 0, result.output
    assert find_item(project, "T5")["status"] == "done"
    rows = {mid: (state, reason) for mid, state, reason in stored(project)}
    state, reason = rows["slow@example.org"]
    assert state == "unprocessed"
    assert "max_seconds_per_message" in reason
    assert "slow@example.org" in project.ok("quarantine")


def test_different_mails_with_one_message_id_are_all_kept(project: Project, tmp_path: Path) -> None:
    paths = []
    for k in range(3):
        raw = reply("same@example.org", f"{QUOTES[k]}\nMail number {k}: {ANSWERS[k]}")
        paths.append(tmp_path / f"{k}.eml")
        paths[-1].write_bytes(raw)
    twin = tmp_path / "3.eml"
    twin.write_bytes(paths[0].read_bytes())  # the first again: a true duplicate
    out = project.ok("ingest", *map(str, [*paths, twin]))
    assert "duplicates 1" in out
    assert out.count("Message-ID already used by a different mail") == 2
    ids = [row[0] for row in stored(project) if row[0].startswith("same@example.org")]
    assert len(ids) == 3 and len(set(ids)) == 3
    # each was read: the third mail's pointer is on the item it quoted
    assert "same@example.org" in ids


def test_broken_ids_are_not_folded_together(project: Project, tmp_path: Path) -> None:
    shapes = ["<a@b", "a@b>", "<<x@y>>", "<x@y> <z@w>"]
    paths = []
    for k, shape in enumerate(shapes):
        raw = reply("", f"{QUOTES[k % 3]}\nShape {k}.\n", msgid_line=f"Message-ID: {shape}")
        paths.append(tmp_path / f"{k}.eml")
        paths[-1].write_bytes(raw)
    out = project.ok("ingest", *map(str, paths))
    assert "thread members 4" in out and "duplicates 0" in out
    ids = [row[0] for row in stored(project)][1:]  # after the status mail
    assert ids == shapes


def test_the_watch_loop_survives_an_unexpected_error(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the report printer fails (stdout closed under `relbot poll`): the loop
    # logs it and syncs again, and the poison mail on the way is passed
    p = imap_project(tmp_path, dovecot, monkeypatch)
    dovecot.append(FOLDER, poison_claim())
    service = Service(load_config(p.root / "config.toml"))
    reports: list[PollReport] = []
    stop = threading.Event()

    def on_report(report: PollReport) -> None:
        reports.append(report)
        if len(reports) == 1:
            dovecot.append(FOLDER, DONE.read_bytes())
            raise BrokenPipeError("stdout went away")
        if report.ingest.members:
            stop.set()

    def now() -> dt.datetime:
        return dt.datetime(2012, 4, 18, 12, 0, tzinfo=dt.UTC)

    watcher = threading.Thread(
        target=watch,
        args=(service,),
        kwargs={"now": now, "stop": stop, "on_report": on_report, "backoff": Backoff(0.01, 0.05)},
    )
    watcher.start()
    watcher.join(60)
    stop.set()
    watcher.join(10)
    service.close()
    assert not watcher.is_alive()
    assert reports[0].ingest.members == 1 and reports[-1].ingest.members == 1
    assert find_item(p, "T5")["status"] == "done"


def test_a_sender_address_with_raw_bytes_is_read(project: Project, tmp_path: Path) -> None:
    raw = reply(
        "addr@example.org",
        QUOTES[0] + "\nI'll take this one.\n",
        sender=b"Ren\xe9 <r\xe9ne@example.org>",
    )
    (tmp_path / "addr.eml").write_bytes(raw)
    out = project.ok("ingest", str(tmp_path / "addr.eml"))
    assert "quarantined 0" in out and "thread members 1" in out
    rows = {mid: state for mid, state, _ in stored(project)}
    assert rows["addr@example.org"] != "quarantined"


# a cut-off that lands inside a gc callback is printed there ("Exception ignored")
# and raised again 50 ms later; pytest would turn the print into an error
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_time_budget_holds_in_the_mail_thread_of_relbot_run(project: Project) -> None:
    # `relbot run` reads mail in a thread of its own, where no SIGALRM arrives
    text = (project.root / "config.toml").read_text()
    text = text.replace("[parsing]\n", "[parsing]\nmax_seconds_per_message = 0.3\n")
    (project.root / "config.toml").write_text(text)
    service = Service(load_config(project.root / "config.toml"))
    slow = reply("slow@example.org", "".join(f"{q}\nI'll take it.\n\n" for q in QUOTES * 3000))
    said: list[str] = []

    def read() -> None:
        ingestor = Ingestor(service, now=lambda: dt.datetime(2012, 4, 18, tzinfo=dt.UTC))
        said.append(ingestor.offer(RawMail("slow.eml", slow)))
        said.append(ingestor.offer(RawMail("done.eml", DONE.read_bytes())))

    reader = threading.Thread(target=read)
    reader.start()
    reader.join(60)
    service.close()
    assert said[0].startswith("unprocessed: not understood within")
    assert " 1 applied" in said[1]
    assert find_item(project, "T5")["status"] == "done"
