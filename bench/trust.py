#!/usr/bin/env python3
"""Sender verification: the goal figures, and what a check costs per thread member.

1. The forged and genuine replies of tests/trustcorpus.py, read and ingested
   one by one in a fresh demo project on the shipped config.toml (mode dkim,
   keys made here, looked up in a key table): changes applied from unverified
   RM/owner mail, mails taken for an RM or owner by name/Reply-To/
   X-Original-From, controls applied.
2. The real list mail of ../shared/realmail (when present): how many carry a
   DKIM signature aligned with their From, ARC, Authentication-Results; the
   check run on each with DNS answering nothing (no network here), to show it
   never raises and what it costs without lookups.
3. Time of one check with real cryptography: a signed mail, a list mail with
   a broken signature and an ARC seal.

Usage: bench/trust.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from relbot.core.identity import aligned, domain_of, header_fields, verify_sender  # noqa: E402
from relbot.core.replies.headers import parse_addresses  # noqa: E402
from relbot.core.settings import TrustConfig  # noqa: E402
from relbot.edges.dkim import check_message  # noqa: E402
from tests.clirun import Project  # noqa: E402
from tests.dkimkit import mail, through_list  # noqa: E402
from tests.trustcorpus import build, figures, keys_for_corpus, run  # noqa: E402

#: shared/ beside the checkout (a worktree sits one folder deeper)
REALMAIL = next(
    (
        p
        for p in (
            REPO.parent / "shared" / "realmail" / "mail",
            REPO.parents[1] / "shared" / "realmail" / "mail",
        )
        if p.is_dir()
    ),
    REPO.parent / "shared" / "realmail" / "mail",
)


def goal_figures() -> list[str]:
    keys = keys_for_corpus()
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.create(Path(tmp) / "rm", trust="dkim")
        project.ok("init")
        project.ok("import", str(REPO / "docs" / "examples" / "status-4.2.eml"))
        outcomes = run(project.root / "config.toml", keys, build(keys))
    lines = figures(outcomes).lines()
    for o in outcomes:
        lines.append(
            f"  {o.case.kind:<10} {o.case.name}: {'CHANGED' if o.changed else 'unchanged'}; "
            f"{o.verification[:70]}; role {','.join(o.roles)}"
        )
    return lines


def _strip_provenance(raw: bytes) -> bytes:
    # line 1 of each archived file is the archive's own header, not the mail's
    first, _, rest = raw.partition(b"\n")
    return rest if first.lower().startswith(b"x-source-page:") else raw


def real_mail() -> list[str]:
    if not REALMAIL.is_dir():
        return ["real mail: ../shared/realmail is absent; skipped"]
    paths = sorted(REALMAIL.glob("*.eml"))
    signed = aligned_count = arc = results = raised = 0
    times: list[float] = []
    for path in paths:
        raw = _strip_provenance(path.read_bytes())
        fields = header_fields(raw)
        froms = [a for n, v in fields if n == "from" for _, a in parse_addresses(v)]
        start = time.perf_counter()
        try:
            crypto = check_message(raw, dnsfunc=lambda name, timeout=5: None)
            verify_sender(fields, crypto, TrustConfig())
        except Exception:  # the figure counts them; there should be none
            raised += 1
            continue
        times.append(time.perf_counter() - start)
        signed += bool(crypto.signatures)
        author = domain_of(froms[0]) if froms else ""
        aligned_count += any(aligned(s.domain, author) for s in crypto.signatures)
        arc += any(n == "arc-seal" for n, _ in fields)
        results += any(n == "authentication-results" for n, _ in fields)
    n = len(paths)
    return [
        f"real mail: {n} xen-devel messages; with a DKIM signature {signed}, of which "
        f"aligned with the From domain {aligned_count}; with ARC {arc}; with "
        f"Authentication-Results {results}; checks that raised {raised}",
        f"real mail: one check without DNS answers: median {statistics.median(times) * 1e3:.2f}"
        f" ms, max {max(times) * 1e3:.2f} ms",
    ]


def crypto_cost(rounds: int = 50) -> list[str]:
    keys = keys_for_corpus()
    signed = keys.sign(mail("Ian Campbell <ian.campbell@citrix.com>"), "citrix.com")
    listed = through_list(
        keys, signed, list_domain="lists.example.org", verified="dkim=pass header.d=citrix.com"
    )
    out = []
    settings = TrustConfig(list_domains=("lists.example.org",))
    for name, raw in (("signed mail", signed), ("list mail, ARC", listed)):
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            proof = verify_sender(
                header_fields(raw), check_message(raw, dnsfunc=keys.dnsfunc), settings
            )
            times.append(time.perf_counter() - start)
            assert proof.verified
        out.append(
            f"one verification with real RSA ({name}): median "
            f"{statistics.median(times) * 1e3:.2f} ms over {rounds}"
        )
    return out


def main() -> int:
    for line in goal_figures() + real_mail() + crypto_cost():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
