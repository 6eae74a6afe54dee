"""Who sent a mail, as far as the mail proves it: the sender verification decision.

relbot gives release managers and owners powers by mail, so a forged From
must change nothing. This module decides, without I/O, which author address
a message proves and how:

- ``dkim``: a valid DKIM signature (checked by the edge ``relbot.edges.dkim``)
  whose ``d=`` aligns with the From domain (DMARC-style relaxed alignment: one
  domain is the other or a subdomain of it); or, for a configured mailing list
  that breaks signatures by rewriting, an ARC chain that passes and whose most
  recent set is sealed by that list: then the list's ARC-Authentication-Results
  say what it verified of the author.
- ``authentication-results``: the receiving server's own checks (RFC 8601),
  read with ``authres`` from the topmost Authentication-Results header whose
  authserv-id is configured; anything below it is the sender's to write.
- ``none``: nothing is checked (the behaviour before verification existed).

X-Original-From and Reply-To name the author only where the From is a
configured list's own address and that list's rewriting is verified.
"""

from __future__ import annotations

import email.parser
import email.policy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import authres

from relbot.core.replies.headers import decode_header_value, header_block, parse_addresses
from relbot.core.settings import TrustConfig
from relbot.core.signatures import ArcSet, CryptoCheck, arc_sets_of


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    #: [trust] mode = "none": nothing was checked
    UNCHECKED = "unchecked"


@dataclass(frozen=True, slots=True)
class Verification:
    """The author a message proves, and how; what the policy and the log see."""

    status: Status
    #: the address taken for the author: proven when status is pass
    author: str
    #: the display name that goes with it (for showing only, never for powers)
    name: str = ""
    #: "dkim", "arc", "authentication-results", or "" when nothing proved it
    method: str = ""
    #: the domain that vouched: the signing domain, or the list that sealed
    domain: str = ""
    #: one line a person can read: what was found
    detail: str = ""
    #: the From was a list's own address (the author came from another header)
    rewritten: bool = False

    @property
    def verified(self) -> bool:
        return self.status is Status.PASS

    def summary(self) -> str:
        """``pass (dkim, example.org)`` / ``fail: no DKIM signature``."""
        if self.status is Status.PASS:
            return f"pass ({self.method}, {self.domain})"
        return f"{self.status.value}: {self.detail}" if self.detail else self.status.value

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "author": self.author,
            "method": self.method,
            "domain": self.domain,
            "detail": self.detail,
            "rewritten": self.rewritten,
        }


def header_fields(raw: bytes) -> tuple[tuple[str, str], ...]:
    """The header fields of a raw message in order, names lower-cased, values unfolded."""
    # the header block alone: the parser would split every line of the body too
    head = header_block(raw)
    parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)
    fields = []
    for name, value in parsed.items():
        text = value if isinstance(value, str) else str(value)
        fields.append((name.strip().lower(), re.sub(r"\r?\n[ \t]*", " ", text).strip()))
    return tuple(fields)


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(".").lower() if "@" in address else ""


def aligned(signer: str, author_domain: str) -> bool:
    """Relaxed alignment: the same domain, or one a subdomain of the other.

    Sibling subdomains (a.example.org, b.example.org) are not taken as aligned:
    that would need the Public Suffix List, and refusing them is the safe side.
    """
    d, a = signer.strip(".").lower(), author_domain.strip(".").lower()
    if not d or not a:
        return False
    return d == a or a.endswith("." + d) or d.endswith("." + a)


def _in_domains(domain: str, domains: Sequence[str]) -> bool:
    return any(domain == d.lower() or domain.endswith("." + d.lower()) for d in domains)


def _values(fields: Sequence[tuple[str, str]], name: str) -> list[str]:
    return [v for n, v in fields if n == name]


@dataclass(frozen=True, slots=True)
class _Claim:
    """The author the headers claim, before anything is proven."""

    name: str
    address: str
    from_address: str
    rewritten: bool
    problem: str = ""
    #: the From's own display name, "via List" cut off: what an unproven claim shows
    from_name: str = ""


def _claim(fields: Sequence[tuple[str, str]], settings: TrustConfig) -> _Claim:
    froms = [p for v in _values(fields, "from") for p in parse_addresses(v)]
    if len(froms) != 1:
        what = "no From address" if not froms else f"{len(froms)} From addresses"
        addr = froms[0][1] if froms else ""
        return _Claim(froms[0][0] if froms else "", addr, addr, False, what)
    name, addr = froms[0]
    if not _in_domains(domain_of(addr), settings.list_domains):
        return _Claim(name, addr, addr, False)
    # the list's own address: the author is in X-Original-From, else Reply-To
    via = re.sub(r"(?<!\s)\s++via\s++\S.*$", "", name, flags=re.IGNORECASE)
    for header in ("x-original-from", "reply-to"):
        for value in _values(fields, header):
            for other_name, other in parse_addresses(value):
                if not _in_domains(domain_of(other), settings.list_domains):
                    return _Claim(other_name or via, other, addr, True, from_name=via)
    return _Claim(via, addr, addr, True, "From is the list's address and no author is named", via)


def _parse_results(value: str) -> authres.AuthenticationResultsHeader | None:
    text = decode_header_value(value)
    text = re.sub(r"^\s*i\s*=\s*\d+\s*;", "", text)  # an ARC-Authentication-Results' instance
    try:
        return authres.AuthenticationResultsHeader.parse_value(text)
    except Exception:  # authres raises its own tree and ValueError; the text is the sender's
        return None


def _prop(result: object, ptype: str, pname: str) -> str:
    for prop in getattr(result, "properties", ()):
        if prop.type == ptype and prop.name == pname:
            return str(prop.value or "").lower()
    return ""


def _vouches(header: authres.AuthenticationResultsHeader, author_domain: str) -> str:
    """The passing dkim/dmarc result that proves ``author_domain``, described; or ""."""
    for result in header.results:
        if result.result != "pass":
            continue
        if result.method == "dmarc":
            signer = _prop(result, "header", "from")
        elif result.method == "dkim":
            signer = _prop(result, "header", "d") or domain_of(_prop(result, "header", "i"))
        else:
            continue
        if aligned(signer, author_domain):
            return f"{result.method}=pass for {signer}"
    return ""


def _by_dkim(crypto: CryptoCheck, author_domain: str) -> tuple[str, str]:
    """(signing domain, "") when a valid aligned signature is there, else ("", why not)."""
    if not crypto.signatures:
        return "", "no DKIM signature"
    whys = []
    for sig in crypto.signatures:
        if sig.valid and aligned(sig.domain, author_domain):
            return sig.domain, ""
        if sig.valid:
            whys.append(f"signature of {sig.domain} does not align with {author_domain}")
        else:
            whys.append(f"signature of {sig.domain} is not valid ({sig.reason})")
    return "", "; ".join(whys)


def _by_arc(
    sets: Sequence[ArcSet], author_domain: str, settings: TrustConfig
) -> tuple[str, str, str]:
    """(sealing list, what it vouched, why not): from the most recent ARC set only.

    Only the most recent set's message signature is checked against the mail
    as it is, so an older set from a list says nothing about this body.
    """
    if not sets:
        return "", "", "no ARC seal"
    latest = sets[0]
    if not _in_domains(latest.sealer.lower(), settings.list_domains):
        return "", "", f"ARC sealed by {latest.sealer}, not a configured list"
    header = _parse_results(latest.results)
    if header is None:
        return "", "", f"unreadable ARC-Authentication-Results of {latest.sealer}"
    vouched = _vouches(header, author_domain)
    if not vouched:
        return "", "", f"{latest.sealer} did not verify {author_domain}"
    return latest.sealer, vouched, ""


def verify_sender(
    fields: Sequence[tuple[str, str]],
    crypto: CryptoCheck | None,
    settings: TrustConfig,
) -> Verification:
    """The author ``fields`` (from ``header_fields``) prove, given the edge's ``crypto``.

    ``crypto`` is needed in mode dkim (None there: nothing was checked, so
    nothing is proven) and ignored otherwise.
    """
    claim = _claim(fields, settings)
    if settings.mode == "none":
        return Verification(
            Status.UNCHECKED,
            claim.address,
            claim.name,
            detail="not checked ([trust] mode = none)",
            rewritten=claim.rewritten,
        )
    if claim.problem:
        return _refused(claim, claim.problem)
    author_domain = domain_of(claim.address)
    if settings.mode == "authentication-results":
        return _verify_results(fields, claim, author_domain, settings)
    if crypto is None:
        return _refused(claim, "the signatures were not checked")
    if not claim.rewritten:
        signer, why = _by_dkim(crypto, author_domain)
        if signer:
            return Verification(
                Status.PASS, claim.address, claim.name, "dkim", signer, f"dkim d={signer}"
            )
    else:
        why = "From rewritten by the list"
    if crypto.arc != "pass":
        arc_why = "no ARC seal" if crypto.arc == "none" else f"ARC {crypto.arc}"
        if crypto.arc_reason and crypto.arc != "none":
            arc_why += f" ({crypto.arc_reason})"
        return _refused(claim, f"{why}; {arc_why}")
    sealer, vouched, arc_why = _by_arc(crypto.arc_sets, author_domain, settings)
    if not sealer:
        return _refused(claim, f"{why}; {arc_why}")
    return Verification(
        Status.PASS,
        claim.address,
        claim.name,
        "arc",
        sealer,
        f"ARC sealed by {sealer}, which saw {vouched}",
        claim.rewritten,
    )


def _refused(claim: _Claim, why: str) -> Verification:
    """Not proven: a rewritten From stays the list's, whatever other headers say."""
    if claim.rewritten:
        return Verification(
            Status.FAIL,
            claim.from_address,
            claim.from_name,
            detail=f"{why} (claimed author {claim.address} not taken)"
            if claim.address != claim.from_address
            else why,
            rewritten=True,
        )
    return Verification(Status.FAIL, claim.address, claim.name, detail=why)


def _verify_results(
    fields: Sequence[tuple[str, str]],
    claim: _Claim,
    author_domain: str,
    settings: TrustConfig,
) -> Verification:
    trusted = {a.lower() for a in settings.authserv_ids}
    seen: list[str] = []
    top: authres.AuthenticationResultsHeader | None = None
    for value in _values(fields, "authentication-results"):
        header = _parse_results(value)
        if header is None:
            first = re.split(r"[;\s(]", value.strip(), maxsplit=1)[0].lower()
            if first in trusted:  # the server's own, unreadable: never fall to one below
                return _refused(claim, f"unreadable Authentication-Results of {first}")
            continue
        seen.append(str(header.authserv_id))
        if header.authserv_id in trusted:
            top = header  # the topmost one: the receiving server's own
            break
    if top is None:
        found = f" (found {', '.join(seen)})" if seen else ""
        return _refused(claim, f"no Authentication-Results from a trusted server{found}")
    server = str(top.authserv_id)
    if not claim.rewritten:
        vouched = _vouches(top, author_domain)
        if vouched:
            return Verification(
                Status.PASS,
                claim.address,
                claim.name,
                "authentication-results",
                server,
                f"{server} saw {vouched}",
            )
        return _refused(claim, f"{server} did not verify {author_domain}")
    if not any(r.method == "arc" and r.result == "pass" for r in top.results):
        return _refused(claim, f"From rewritten by the list; {server} saw no passing ARC")
    sealer, vouched, why = _by_arc(arc_sets_of(fields), author_domain, settings)
    if not sealer:
        return _refused(claim, f"From rewritten by the list; {why}")
    return Verification(
        Status.PASS,
        claim.address,
        claim.name,
        "authentication-results",
        sealer,
        f"{server} saw arc=pass; ARC sealed by {sealer}, which saw {vouched}",
        True,
    )
