"""Backfill commits in batches: a crash loses no message and applies none twice."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from relbot.edges.config import load_config
from relbot.edges.mailbox import RawMail, iter_mbox
from relbot.service.ingest import Ingestor
from relbot.service.wiring import Service
from tests.clirun import REPO, Project

THREAD = REPO / "tests" / "threads" / "t01_42_claims_and_answers" / "thread.mbox"
STATUS = REPO / "docs" / "examples" / "status-4.2.eml"


def _project(root: Path) -> Project:
    p = Project.create(root)
    p.ok("init")
    p.ok("import", str(STATUS))
    return p


def _state(p: Project) -> tuple[object, str, list[str]]:
    """The tracker, the pending proposals and the stored messages' states."""
    service = Service(load_config(p.root / "config.toml"))
    try:
        rows = sorted(f"{m.message_id} {m.state}" for m in service.store.messages())
        events = [(e.kind, e.item, e.actor, e.source, dict(e.data)) for e in service.store.events()]
    finally:
        service.close()
    # when a change was applied is the clock's, not the mail's: leave it out
    shown = re.sub(r'"closed_at": "[^"]*"', '"closed_at": ""', p.ok("show", "--json"))
    return json.loads(shown), p.ok("pending"), [*rows, *map(repr, events)]


class Crash(BaseException):
    """The process dying (an interrupt, a kill) half-way through a backfill."""


def _until_crash(mails: list[RawMail], after: int) -> Iterator[RawMail]:
    yield from mails[:after]
    raise Crash


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, str, list[str]]:
    p = _project(tmp_path_factory.mktemp("clean"))
    p.ok("ingest", str(THREAD))
    return _state(p)


@pytest.mark.parametrize("after", [3, 9, 14])
def test_a_crash_mid_backfill_then_a_rerun_ends_as_one_clean_run(
    tmp_path: Path, clean: tuple[object, str, list[str]], after: int
) -> None:
    p = _project(tmp_path / "rm")
    mails = list(iter_mbox(THREAD))
    assert len(mails) > after
    service = Service(load_config(p.root / "config.toml"))
    ingestor = Ingestor(service, now=lambda: dt.datetime.now(dt.UTC))
    ingestor.units.every = 4  # several commits before the crash
    with pytest.raises(Crash), ingestor.units.batched():
        for mail in _until_crash(mails, after):
            ingestor.offer(mail)
    service.close()
    stored = Service(load_config(p.root / "config.toml"))
    kept = {m.message_id for m in stored.store.messages() if m.state != "status-mail"}
    stored.close()
    # the members of the committed batches are stored, the open batch is not
    assert len(kept) <= ingestor.report.members
    assert len(kept) % 4 == 0
    out = p.ok("ingest", str(THREAD))
    assert f"duplicates {len(kept)}" in out
    assert _state(p) == clean


def test_an_error_outside_the_members_keeps_every_whole_one(
    tmp_path: Path, clean: tuple[object, str, list[str]]
) -> None:
    p = _project(tmp_path / "rm")
    mails = list(iter_mbox(THREAD))

    def broken() -> Iterator[RawMail]:
        yield from mails[:9]
        raise OSError("the mailbox went away")

    service = Service(load_config(p.root / "config.toml"))
    ingestor = Ingestor(service, now=lambda: dt.datetime.now(dt.UTC))
    with pytest.raises(OSError), ingestor.units.batched():
        for mail in broken():
            ingestor.offer(mail)
    service.close()
    out = p.ok("ingest", str(THREAD))
    assert f"duplicates {ingestor.report.members}" in out
    assert _state(p) == clean
