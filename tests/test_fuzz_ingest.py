"""Whole malformed and mutated mails through the ingest path: none stops it.

Every mail goes through ``Ingestor.offer``, what ``relbot ingest`` does for
each message, against a real project and SQLite store. For each: no
exception escapes; it is stored, quarantined, a true duplicate, or screened
out (loop-guarded, not in a status thread); and it takes under a bound that
catches a blow-up (the benchmark, bench/fuzz.py, measures the real figures
over 100,000 cases). The mail after every poison mail of the corpus is read.

Three sources: the malformed corpus (tests/malformed.py), a fixed sample of
fuzz cases (tests/fuzz_mail.py) with hypothesis drawing more seeds, and
tests/fuzz_corpus/: cases the fuzzer found that crashed relbot or ran for
minutes before it was fixed (each ``.why`` says what it did then).
"""

from __future__ import annotations

import gzip
import itertools
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz_mail import fuzz_case, fuzz_cases
from tests.ingest_harness import Accountant, Outcome, open_service, status_project
from tests.malformed import malformed_corpus
from tests.servers import Dovecot
from tests.test_poller import FOLDER, imap_project

CORPUS = Path(__file__).resolve().parent / "fuzz_corpus"
#: seconds per MB a mail may take here (a mail under 1 MB counts as 1 MB);
#: the goal is 1 s per MB, measured by bench/fuzz.py on a quiet machine
BOUND = 10.0
SAMPLE = 300


@pytest.fixture(scope="module")
def accountant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Accountant]:
    service = open_service(status_project(tmp_path_factory.mktemp("fuzz") / "rm"))
    yield Accountant(service)
    service.close()


def check(outcome: Outcome) -> None:
    assert outcome.kind != "crash", f"{outcome.name}: {outcome.detail}"
    assert outcome.seconds_per_mb < BOUND, f"{outcome.name}: {outcome.seconds:.1f} s"


def test_the_malformed_corpus(accountant: Accountant) -> None:
    cases = malformed_corpus()
    assert len(cases) >= 200
    outcomes = [accountant.offer(case.name, case.raw) for case in cases]
    for outcome in outcomes:
        check(outcome)
    by_name = dict(zip((c.name for c in cases), outcomes, strict=True))
    for case, after in itertools.pairwise(cases):
        if case.poison:
            assert by_name[after.name].kind in ("stored", "quarantined"), after.name
    for case in cases:
        kind = by_name[case.name].kind
        if case.expect == "duplicate":
            assert kind == "duplicate", case.name
        elif case.name not in ("empty", "one-byte", "binary"):  # no header block at all
            assert kind in ("stored", "quarantined"), f"{case.name}: {kind}"
    # the four mails sharing one Message-ID are all kept
    assert all(by_name[f"collide-{k}"].kind == "stored" for k in range(4))


def test_a_sample_of_fuzz_cases(accountant: Accountant) -> None:
    kinds = set()
    for case in fuzz_cases(10_000, SAMPLE):
        outcome = accountant.offer(case.name, case.raw)
        check(outcome)
        kinds.add(outcome.kind)
        if case.expect == "duplicate":
            assert outcome.kind in ("duplicate", "not a member"), case.name
    assert "stored" in kinds
    assert accountant.tally.accounted()


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_any_fuzz_case(accountant: Accountant, seed: int) -> None:
    case = fuzz_case(seed)
    check(accountant.offer(case.name, case.raw))


def _found() -> list[Path]:
    """The saved cases: ``.eml``, or ``.eml.gz`` for the big ones."""
    return sorted([*CORPUS.glob("*.eml"), *CORPUS.glob("*.eml.gz")])


@pytest.mark.parametrize("path", _found(), ids=lambda p: p.name.split(".")[0])
def test_a_case_the_fuzzer_found(accountant: Accountant, path: Path) -> None:
    stem = path.name.split(".")[0]
    why = (path.parent / f"{stem}.why").read_text(encoding="utf-8").strip()
    raw = path.read_bytes()
    outcome = accountant.offer(path.name, gzip.decompress(raw) if path.suffix == ".gz" else raw)
    check(outcome)
    assert outcome.kind in ("stored", "quarantined", "duplicate"), f"{why}: {outcome.kind}"


def test_the_found_cases_are_kept() -> None:
    assert len(_found()) >= 10


def test_the_malformed_corpus_through_a_real_dovecot_poll(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = imap_project(tmp_path, dovecot, monkeypatch)
    cases = [c for c in malformed_corpus() if len(c.raw) < 2_000_000]
    delivered = dovecot.write_maildir(FOLDER, [c.raw for c in cases])
    out = project.ok("poll", "--once")
    summary = out.splitlines()[-1]
    counts = {k.strip(): int(v) for k, v in re.findall(r"([a-z][a-z -]*?) (\d+)(?=,|;)", summary)}
    assert counts["scanned"] == delivered == len(cases)
    with sqlite3.connect(project.root / "var" / "relbot.db") as conn:
        rows = conn.execute("SELECT count(*) FROM messages").fetchone()[0] - 1  # the status mail
    # every mail: stored (quarantine included), a true duplicate, or not a thread member
    assert counts["thread members"] == rows
    assert counts["duplicates"] == sum(c.expect == "duplicate" for c in cases)
    assert counts["thread members"] + counts["duplicates"] >= delivered - 3  # empty, binary
    # the watermark passed them all: nothing is read again
    assert "scanned 0" in project.ok("poll", "--once")
