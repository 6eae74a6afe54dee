"""What the signature checks of one mail found: the values ``relbot.edges.dkim`` fills in.

Kept in the core so that the decision (``relbot.core.identity``) reads them
without importing the edge; ``arc_sets_of`` reads the ARC sets as written, for
when a trusted receiving server checked them instead of relbot.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """One DKIM-Signature header, checked."""

    domain: str
    selector: str = ""
    valid: bool = False
    #: why it is not valid; "" when it is
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ArcSet:
    """One ARC instance: who sealed it, and what its sealer says it verified."""

    instance: int
    sealer: str
    seal_valid: bool = False
    signature_valid: bool = False
    #: the ARC-Authentication-Results value, as written
    results: str = ""


@dataclass(frozen=True, slots=True)
class CryptoCheck:
    """What the signatures on one message showed; the edge's answer."""

    signatures: tuple[SignatureCheck, ...] = ()
    #: "pass", "fail" or "none" (no ARC headers)
    arc: str = "none"
    arc_reason: str = ""
    #: most recent instance first
    arc_sets: tuple[ArcSet, ...] = ()


_TAG = re.compile(r"(?:^|;)\s*([a-z]+)\s*=\s*([^;]*)", re.IGNORECASE)


def _tags(value: str) -> dict[str, str]:
    return {m.group(1).lower(): re.sub(r"\s+", "", m.group(2)) for m in _TAG.finditer(value)}


def arc_sets_of(fields: Sequence[tuple[str, str]]) -> tuple[ArcSet, ...]:
    """The ARC sets as written, most recent first, unchecked (a trusted server checked them)."""
    seals: dict[int, str] = {}
    results: dict[int, str] = {}
    for name, value in fields:
        instance = _tags(value).get("i", "")
        if not instance.isdigit():
            continue
        if name == "arc-seal":
            seals.setdefault(int(instance), _tags(value).get("d", "").lower())
        elif name == "arc-authentication-results":
            results.setdefault(int(instance), value)
    return tuple(
        ArcSet(i, seals[i], results=results.get(i, "")) for i in sorted(seals, reverse=True)
    )
