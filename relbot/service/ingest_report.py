"""What one run of the ingest path did: counts, and a line for each mail it read."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class IngestReport:
    """Counts for one run; ``lines`` says what happened to each member."""

    scanned: int = 0
    members: int = 0
    duplicates: int = 0
    guarded: int = 0
    applied: int = 0
    pending: int = 0
    ignored: int = 0
    quarantined: int = 0
    lines: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"scanned {self.scanned}, thread members {self.members}, applied {self.applied}, "
            f"pending {self.pending}, ignored {self.ignored}, quarantined {self.quarantined}, "
            f"duplicates {self.duplicates}, loop-guarded {self.guarded}"
        )
