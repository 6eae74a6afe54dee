"""Check the DKIM signatures and the ARC chain of one raw message (dkimpy).

The cryptography and the DNS lookups of sender verification; no decisions:
what the checks found comes back as a frozen ``CryptoCheck`` and the core
(``relbot.core.identity``) decides what it proves. ``dnsfunc`` is dkimpy's
lookup hook ``(name: bytes, timeout: int) -> bytes | None``: the default asks
DNS (dnspython), tests give it their own key table.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

import dkim
import dkim.dnsplug
import dkim.util

from relbot.core.signatures import ArcSet, CryptoCheck, SignatureCheck

DnsFunc = Callable[..., Any]

#: each signature and each ARC set costs DNS lookups, and their number is the
#: sender's choice: real mail has one to three signatures and one or two sets
MAX_SIGNATURES = 8
MAX_ARC_SETS = 10


class _Notes(logging.Handler):
    """Keeps what dkimpy logs: its only account of why a check failed."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.lines.append(record.getMessage())


def _logger() -> tuple[logging.Logger, _Notes]:
    logger = logging.Logger("relbot.edges.dkim.check")  # not registered: one per check
    notes = _Notes()
    logger.addHandler(notes)
    return logger, notes


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii", "replace")
    return "" if value is None else str(value)


def _tags(value: bytes) -> dict[bytes, bytes]:
    """The tags of a signature header, or none when it cannot be read (the reason says why)."""
    try:
        return dict(dkim.util.parse_tag_value(value))
    except Exception:  # the sender's bytes
        return {}


def _signatures(raw: bytes, dnsfunc: DnsFunc, timeout: int) -> tuple[SignatureCheck, ...]:
    logger, notes = _logger()
    checker = dkim.DKIM(raw, logger=logger, timeout=timeout)
    values = [v for name, v in checker.headers if name.lower() == b"dkim-signature"]
    found = []
    for index, value in enumerate(values[:MAX_SIGNATURES]):
        notes.lines.clear()
        checker.domain = checker.selector = None
        try:
            valid = bool(checker.verify(idx=index, dnsfunc=dnsfunc))
            reason = "" if valid else (notes.lines[-1] if notes.lines else "signature mismatch")
        except dkim.DKIMException as exc:
            valid, reason = False, str(exc).split(" (got ", 1)[0]
        except Exception as exc:  # dkimpy on a sender's malformed bytes: never stop the mail
            valid, reason = False, f"{type(exc).__name__}: {exc}"
        tags = _tags(value)
        found.append(
            SignatureCheck(
                domain=_text(checker.domain or tags.get(b"d")).lower(),
                selector=_text(checker.selector or tags.get(b"s")),
                valid=valid,
                reason=reason,
            )
        )
    return tuple(found)


def _arc(raw: bytes, dnsfunc: DnsFunc, timeout: int) -> tuple[str, str, tuple[ArcSet, ...]]:
    logger, _ = _logger()
    try:
        status, results, reason = dkim.arc_verify(
            raw, logger=logger, dnsfunc=dnsfunc, timeout=timeout
        )
    except Exception as exc:  # as above: a check that cannot run proves nothing
        return "fail", f"{type(exc).__name__}: {exc}", ()
    sets = tuple(
        ArcSet(
            instance=int(r.get("instance", 0)),
            sealer=_text(r.get("as-domain")).lower(),
            seal_valid=bool(r.get("as-valid")),
            signature_valid=bool(r.get("ams-valid")),
            results=_text(r.get("aar-value")).strip(),
        )
        for r in results
    )
    # None: a set says an earlier hop saw the chain fail; that is a failure here
    word = _text(status) if status is not None else "fail"
    return word, _text(reason), sets


def check_message(raw: bytes, *, dnsfunc: DnsFunc | None = None, timeout: int = 5) -> CryptoCheck:
    """The DKIM signatures of ``raw`` checked (the first ``MAX_SIGNATURES``), and its ARC chain.

    Never raises for what a sender wrote: a broken signature is a signature
    that is not valid, with the reason dkimpy gave.
    """
    lookup: DnsFunc = dnsfunc if dnsfunc is not None else dns_txt
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    names = [line.split(b":", 1)[0].strip().lower() for line in head.splitlines()]
    signed = b"dkim-signature" in names
    signatures = _signatures(raw, lookup, timeout) if signed else ()
    seals = names.count(b"arc-seal")
    if not seals:
        return CryptoCheck(signatures=signatures)
    if seals > MAX_ARC_SETS:
        reason = f"{seals} ARC sets, more than the {MAX_ARC_SETS} relbot checks"
        return CryptoCheck(signatures=signatures, arc="fail", arc_reason=reason)
    status, reason, sets = _arc(raw, lookup, timeout)
    return CryptoCheck(signatures=signatures, arc=status, arc_reason=reason, arc_sets=sets)


def dns_txt(name: bytes, timeout: int = 5) -> Any:
    """The TXT record of ``name`` from DNS (dnspython through dkimpy); None if there is none."""
    return dkim.dnsplug.get_txt(name, timeout=timeout)


def within(dnsfunc: DnsFunc, seconds: float) -> DnsFunc:
    """``dnsfunc`` for one message: once ``seconds`` went on lookups, the rest find no key.

    A sender can name as many slow domains as it likes; relbot waits a bounded time.
    """
    spent = [0.0]

    def lookup(name: bytes, timeout: int = 5) -> Any:
        if spent[0] >= seconds:
            return None
        start = time.monotonic()
        try:
            return dnsfunc(name, timeout=timeout)
        finally:
            spent[0] += time.monotonic() - start

    return lookup


def caching(dnsfunc: DnsFunc) -> DnsFunc:
    """``dnsfunc`` remembering its answers: one lookup per key for a run of messages."""
    answers: dict[bytes, Any] = {}

    def lookup(name: bytes, timeout: int = 5) -> Any:
        if name not in answers:
            answers[name] = dnsfunc(name, timeout=timeout)
        return answers[name]

    return lookup
