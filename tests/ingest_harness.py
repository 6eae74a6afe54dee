"""Feeding many mails through the ingest path and accounting for every one.

``Accountant`` runs mails one at a time through ``Ingestor.offer`` (what
``relbot ingest`` does for each message) against a real project and store,
times each, and says what became of it, from the ingestor's own counters and
the store's rows:

- ``stored``: read and kept in the store (applied, pending, ignored or
  unprocessed), also under a derived key when its Message-ID was taken;
- ``quarantined``: kept in quarantine with the reason;
- ``duplicate``: the same mail as one already stored;
- ``guarded`` / ``not a member``: screened out by a loop guard or as not in a
  status thread (never stored, by design);
- ``crash``: an exception escaped ``offer``. There must be none.

``Tally`` sums the outcomes and checks that every delivered mail is in exactly
one bucket.
"""

from __future__ import annotations

import datetime as dt
import time
import traceback
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from relbot.core.replies.threads import Membership
from relbot.edges.config import load_config
from relbot.edges.mailbox import RawMail
from relbot.edges.store.schema import messages_table
from relbot.service.ingest import Ingestor, OnCommit
from relbot.service.wiring import Service
from tests.clirun import REPO, Project

STATUS_MAIL = REPO / "docs" / "examples" / "status-4.2.eml"
NOW = dt.datetime(2012, 4, 18, 12, 0, tzinfo=dt.UTC)
KINDS = ("stored", "quarantined", "duplicate", "guarded", "not a member", "crash")


def status_project(root: Path, extra_config: str = "") -> Project:
    """A project whose store holds the 4.2 status mail, as the replies expect."""
    project = Project.create(root, extra_config)
    project.ok("init")
    project.ok("import", str(STATUS_MAIL))
    return project


def open_service(project: Project) -> Service:
    return Service(load_config(project.root / "config.toml"))


@dataclass(frozen=True)
class Outcome:
    name: str
    size: int
    seconds: float
    kind: str
    detail: str = ""

    @property
    def seconds_per_mb(self) -> float:
        """Time over size, with mails under 1 MB counted as 1 MB."""
        return self.seconds / max(self.size / 1e6, 1.0)


@dataclass
class Tally:
    outcomes: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)

    @property
    def counts(self) -> Counter[str]:
        return Counter(o.kind for o in self.outcomes)

    @property
    def delivered(self) -> int:
        return len(self.outcomes)

    @property
    def crashes(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind == "crash"]

    def slowest(self) -> Outcome | None:
        return max(self.outcomes, key=lambda o: o.seconds_per_mb, default=None)

    def accounted(self) -> bool:
        counts = self.counts
        return sum(counts[k] for k in KINDS if k != "crash") == self.delivered

    def summary(self) -> str:
        c = self.counts
        slow = self.slowest()
        slow_text = (
            f"slowest {slow.seconds:.3f} s for {slow.size / 1e6:.2f} MB ({slow.name})"
            if slow
            else "no mail"
        )
        return (
            f"delivered {self.delivered}: stored {c['stored']}, quarantined {c['quarantined']}, "
            f"true duplicates {c['duplicate']}, loop-guarded {c['guarded']}, "
            f"not a member {c['not a member']}, crashes {c['crash']}; {slow_text}"
        )


class CountingIngestor(Ingestor):
    """The real ingestor, noting what became of each mail it screens and how long it took.

    ``screen`` and ``take`` are the two steps every mail passes, in ``offer``
    (``relbot ingest``) and in ``sync_folder`` (``relbot poll``) alike; this
    subclass only times them and reads the ingestor's counters and the store.
    """

    def __init__(self, service: Service, *, now: dt.datetime = NOW) -> None:
        super().__init__(service, now=lambda: now)
        self.tally = Tally()
        self._screened = 0.0
        self.names: dict[bytes, str] = {}

    def _counters(self) -> tuple[int, int, int, int]:
        r = self.report
        return (r.duplicates, r.guarded, r.quarantined, r.members)

    def rows(self) -> int:
        with self.store.transaction(readonly=True) as conn:
            query = sa.select(sa.func.count()).select_from(messages_table)
            return int(conn.execute(query).scalar_one())

    def screen(self, header_bytes: bytes) -> tuple[str, Membership]:
        before = self._counters()
        started = time.perf_counter()
        msgid, member = super().screen(header_bytes)
        self._screened = time.perf_counter() - started
        if not member.member:
            after = self._counters()
            kind = (
                "duplicate"
                if after[0] > before[0]
                else ("guarded" if after[1] > before[1] else "not a member")
            )
            name = self.names.get(header_bytes[:4096], msgid)
            self.tally.add(Outcome(name, len(header_bytes), self._screened, kind, member.via))
        return msgid, member

    def take(
        self, mail: RawMail, msgid: str, member: Membership, *, on_commit: OnCommit | None = None
    ) -> str:
        before = self._counters()
        rows = self.rows()
        started = time.perf_counter()
        try:
            said = super().take(mail, msgid, member, on_commit=on_commit)
        except Exception as exc:
            took = time.perf_counter() - started + self._screened
            detail = "".join(traceback.format_exception_only(exc)).strip()
            self.tally.add(Outcome(mail.origin, len(mail.raw), took, "crash", detail[:500]))
            raise
        took = time.perf_counter() - started + self._screened
        after = self._counters()
        added = self.rows() - rows
        if after[2] > before[2]:
            kind = "quarantined"
        elif added > 0:
            kind = "stored"
        elif after[0] > before[0]:
            kind = "duplicate"
        elif after[1] > before[1]:
            kind = "guarded"
        elif after[3] == before[3] or not said.startswith("<"):
            kind = "not a member"
        else:
            kind = "crash"  # taken as a member, yet nothing stored and nothing said why
            said = f"member neither stored nor counted: {said}"
        self.tally.add(Outcome(mail.origin, len(mail.raw), took, kind, said[:300]))
        return said


class Accountant:
    """``relbot ingest``'s loop, one mail at a time, with an outcome for each."""

    def __init__(self, service: Service, *, now: dt.datetime = NOW) -> None:
        self.service = service
        self.ingestor = CountingIngestor(service, now=now)

    @property
    def tally(self) -> Tally:
        return self.ingestor.tally

    def offer(self, name: str, raw: bytes) -> Outcome:
        seen = len(self.tally.outcomes)
        started = time.perf_counter()
        try:
            self.ingestor.offer(RawMail(name, raw))
        except Exception as exc:
            if len(self.tally.outcomes) == seen:  # it escaped before take() noted it
                detail = "".join(traceback.format_exception_only(exc)).strip()
                took = time.perf_counter() - started
                self.tally.add(Outcome(name, len(raw), took, "crash", detail[:500]))
        if len(self.tally.outcomes) == seen:
            self.tally.add(
                Outcome(name, len(raw), time.perf_counter() - started, "crash", "no outcome")
            )
        outcome = self.tally.outcomes[-1]
        if outcome.name != name:  # screened out: screen() named it by its Message-ID
            outcome = Outcome(name, len(raw), outcome.seconds, outcome.kind, outcome.detail)
            self.tally.outcomes[-1] = outcome
        return outcome

    def offer_all(self, mails: Iterable[tuple[str, bytes]]) -> Tally:
        for name, raw in mails:
            self.offer(name, raw)
        return self.tally
