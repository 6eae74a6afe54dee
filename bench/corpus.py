"""A developer mailing list's traffic, generated deterministically from a seed.

The mix follows a busy kernel-style list: patch mails with a diff, review
replies that quote what they answer, new discussion threads, and about 30%
multipart mail (a PGP signature, an attached log or config, or an HTML
alternative). Sizes are drawn so the median is about 5 KB and 98% fall
between 2 and 8 KB; the other 2% are a few short notes and a few large
patches. About 2% of the messages belong to the status thread of
docs/examples/status-4.2.eml: replies that quote one item and claim it, point
at a patch or a report, say it is done, or only discuss it; and replies to
those replies. Everything comes from one ``random.Random(seed)``, so the
same seed always gives the same bytes.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import math
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STATUS_MAIL = REPO / "docs" / "examples" / "status-4.2.eml"
STATUS_ID = "1334575910.28331.41.camel@zakaz.uk.xensource.com"
STATUS_SUBJECT = "[Xen-devel] 4.2 Release Plan / TODO"
LIST = "xen-devel <xen-devel@lists.xen.org>"
START = dt.datetime(2012, 4, 16, 13, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))

PEOPLE = (
    ("Roger Pau Monne", "roger.pau@citrix.com"),
    ("George Dunlap", "george.dunlap@eu.citrix.com"),
    ("Ian Jackson", "ian.jackson@eu.citrix.com"),
    ("Stefano Stabellini", "stefano.stabellini@eu.citrix.com"),
    ("Anthony PERARD", "anthony.perard@citrix.com"),
    ("Olaf Hering", "olaf@aepfle.de"),
    ("Jan Beulich", "JBeulich@suse.com"),
    ("Keir Fraser", "keir@xen.org"),
    ("Tim Deegan", "tim@xen.org"),
    ("Andres Lagar-Cavilla", "andres@lagarcavilla.org"),
    ("Konrad Rzeszutek Wilk", "konrad.wilk@oracle.com"),
    ("David Vrabel", "david.vrabel@citrix.com"),
    ("Wei Liu", "wei.liu2@citrix.com"),
    ("Christoph Egger", "Christoph.Egger@amd.com"),
    ("Dario Faggioli", "raistlin@linux.it"),
    ("Daniel De Graaf", "dgdegra@tycho.nsa.gov"),
    ("Goncalo Gomes", "goncalo.gomes@eu.citrix.com"),
    ("Mathieu Gagné", "mgagne@iweb.com"),
    ("Shriram Rajagopalan", "rshriram@cs.ubc.ca"),
    ("Andrew Cooper", "andrew.cooper3@citrix.com"),
)
AREAS = (
    "x86/mm",
    "libxl",
    "xl",
    "tools/hotplug",
    "xen/arm",
    "x86/hvm",
    "libxc",
    "xenstored",
    "tools/ocaml",
    "qemu-xen",
    "x86/mce",
    "xen/sched",
    "blkback",
    "netback",
    "tools/python",
)
FILES = (
    "xen/arch/x86/mm.c",
    "tools/libxl/libxl.c",
    "tools/libxl/libxl_dm.c",
    "tools/libxl/xl_cmdimpl.c",
    "xen/arch/x86/hvm/hvm.c",
    "tools/libxc/xc_domain.c",
    "xen/common/sched_credit.c",
    "tools/hotplug/Linux/block",
    "xen/arch/x86/mm/p2m.c",
    "tools/xenstore/xenstored_core.c",
    "xen/include/public/domctl.h",
    "tools/libxl/libxl_types.idl",
    "xen/arch/arm/domain.c",
)
VERBS = (
    "fix",
    "tidy",
    "introduce",
    "remove",
    "rework",
    "document",
    "validate",
    "export",
    "split",
    "defer",
    "handle",
    "clean up",
    "support",
    "avoid",
    "check",
)
NOUNS = (
    "the p2m lock",
    "error paths",
    "the device model",
    "hotplug scripts",
    "ao_how handling",
    "the event channel",
    "grant table mappings",
    "domain destruction",
    "suspend/resume",
    "PoD accounting",
    "the xenstore watch",
    "vcpu affinity",
    "the cpupool code",
    "MSI-X masking",
    "disk backend selection",
    "the idl generator",
    "memory target handling",
    "the migration stream",
)
WORDS = (
    "the",
    "a",
    "this",
    "that",
    "patch",
    "series",
    "guest",
    "domain",
    "hypervisor",
    "toolstack",
    "we",
    "should",
    "would",
    "could",
    "not",
    "also",
    "because",
    "when",
    "before",
    "after",
    "lock",
    "page",
    "memory",
    "mapping",
    "callback",
    "interface",
    "path",
    "error",
    "return",
    "value",
    "caller",
    "function",
    "check",
    "test",
    "case",
    "needs",
    "be",
    "is",
    "are",
    "it",
    "in",
    "on",
    "for",
    "with",
    "to",
    "of",
    "and",
    "or",
    "but",
    "if",
    "then",
    "only",
    "still",
    "already",
    "here",
    "there",
    "think",
    "seems",
    "looks",
    "fine",
    "wrong",
    "right",
    "probably",
    "later",
)
OPENERS = ("question about", "RFC:", "problem with", "status of")
CLAIMS = (
    "I'll pick this one up, it fits with the {area} work I'm doing anyway.",
    "I can take this one. I should have something posted by the end of the week.",
    "I'm working on this now.",
    "Put me down for this, I have a half finished series for it already.",
)
POINTS = (
    "Another report of what looks like the same thing:\n{url}",
    "Patches for this were posted last night:\n{url}",
    "There is a fix for this in the queue, see {url}",
    "FWIW the discussion about this is at {url}",
)
DONES = (
    "These went in this morning, you can mark it done.",
    "This was committed as {commit}, so it is done now.",
    "Applied to staging today, this one is done.",
)
CHATTER = (
    "I think this might be done now? I'd have to check what is left.",
    "Is anyone looking at this? It would be a shame to slip it to 4.3.",
    "Not sure this is really a blocker, but I have no strong opinion.",
    "How does this interact with the {area} changes that went in last week?",
)
FOLLOW_UPS = (
    "Thanks, that would be great.",
    "Great, thanks {name}.",
    "Are you sure? I thought there was still a follow-up patch pending.",
    "OK, I'll update the list next week.",
)


@dataclass
class CorpusStats:
    messages: int = 0
    thread_replies: int = 0
    multipart: int = 0
    patches: int = 0
    sizes: list[int] = field(default_factory=list)

    def summary(self) -> str:
        s = sorted(self.sizes)
        if not s:
            return "no messages"
        median = s[len(s) // 2]
        inside = sum(2000 <= x <= 8000 for x in s) / len(s)
        return (
            f"{self.messages} messages, {self.thread_replies} status-thread replies "
            f"({100 * self.thread_replies / self.messages:.1f}%), {self.patches} patches, "
            f"{100 * self.multipart / self.messages:.0f}% multipart, median {median} bytes, "
            f"{100 * inside:.1f}% between 2 and 8 KB, {sum(s) / 1e6:.1f} MB in all"
        )


def status_items(path: Path = STATUS_MAIL) -> list[str]:
    """Each bullet of the status mail with its continuation lines, as quoted text."""
    body = path.read_text(encoding="utf-8").split("\n\n", 1)[1]
    items: list[list[str]] = []
    current: list[str] | None = None
    indent = 0
    for line in body.splitlines():
        stripped = line.lstrip()
        here = len(line) - len(stripped)
        if stripped.startswith("* "):
            current = [line]
            indent = here
            items.append(current)
        elif current is not None and stripped and here > indent and not stripped.startswith("*"):
            current.append(line)
        else:
            current = None
    return ["\n".join(f"> {x}" for x in block) + "\n" for block in items]


@dataclass
class _Thread:
    msgid: str
    subject: str
    refs: tuple[str, ...]
    text: str


class Corpus:
    """An endless, reproducible stream of list messages."""

    def __init__(self, seed: int = 42, thread_share: float = 0.02) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.thread_share = thread_share
        self.items = status_items()
        body = STATUS_MAIL.read_text(encoding="utf-8").split("\n\n", 1)[1]
        self.quoted_mail = "".join(
            f"> {line}\n".replace("> \n", ">\n") for line in body.splitlines()
        )
        self.when = START
        self.count = 0
        self.threads: list[_Thread] = []
        self.status_replies: list[_Thread] = []
        self.stats = CorpusStats()
        # pools drawn once: picking from them keeps generation fast
        self.sentence_pool = [self._make_sentence() for _ in range(3000)]
        self.code_pool = [self._make_code_line() for _ in range(600)]

    # -- the stream --------------------------------------------------------------

    def messages(self, n: int) -> Iterator[bytes]:
        for _ in range(n):
            yield self.next_message()

    def next_message(self) -> bytes:
        rng = self.rng
        if rng.random() < self.thread_share:
            raw = self.status_reply()
        else:
            target = self._target_size()
            kind = rng.random()
            if kind < 0.25 or not self.threads:
                raw = self._patch(target)
            elif kind < 0.85:
                raw = self._review(target)
            else:
                raw = self._discussion(target)
        self.stats.messages += 1
        self.stats.sizes.append(len(raw))
        return raw

    def status_reply(self, kind: str = "") -> bytes:
        """A reply in the status thread: to the status mail, or to an earlier reply.

        ``kind`` ("claim", "point", "done", "chatter") fixes what a reply to
        the status mail says; by default it is drawn, and some replies answer
        earlier replies instead.
        """
        rng = self.rng
        self.stats.thread_replies += 1
        if not kind and self.status_replies and rng.random() < 0.3:
            parent = rng.choice(self.status_replies[-20:])
            name, addr = self._replier(rng.choice(PEOPLE))
            first = _new_text(parent.text).strip().split("\n", 1)[0]
            body = (
                f"On {self._date_text()}, someone wrote:\n"
                + "".join(f"> {line}\n" for line in parent.text.strip().splitlines())
                + "\n"
                + self._follow_up(rng.choice(FOLLOW_UPS)).format(name=name.split()[0])
                + "\n\n"
                + (f"(re: {first[:40]})\n\n" if rng.random() < 0.2 else "")
                + f"{name.split()[0]}.\n"
            )
            refs = (*parent.refs, parent.msgid)
        else:
            name, addr = rng.choice(PEOPLE)
            quoted = rng.choice(self.items)
            what = {"claim": 0.0, "point": 0.3, "done": 0.6, "chatter": 0.8}.get(kind, rng.random())
            if what < 0.3:
                new = rng.choice(CLAIMS).format(area=rng.choice(AREAS))
            elif what < 0.6:
                new = rng.choice(POINTS).format(url=self._archive_url())
            elif what < 0.8:
                new = rng.choice(DONES).format(commit=f"{rng.getrandbits(48):012x}")
            else:
                new = rng.choice(CHATTER).format(area=rng.choice(AREAS))
            # most people quote a stretch of the mail above the item they answer
            context = self._quote_before(quoted, self._target_size() - 1300)
            body = (
                "Ian Campbell wrote:\n"
                + context
                + quoted
                + "\n"
                + new
                + "\n\n"
                + f"{name.split()[0]}.\n"
            )
            refs = (STATUS_ID,)
        msgid = self._msgid(addr)
        raw = self._compose(name, addr, "Re: " + STATUS_SUBJECT, msgid, refs, body, cc_status=True)
        self.status_replies.append(_Thread(msgid, STATUS_SUBJECT, refs, body.split("\n", 1)[1]))
        return raw

    # -- hooks a corpus with other headers or speakers overrides -------------------

    def _replier(self, person: tuple[str, str]) -> tuple[str, str]:
        """Who answers an earlier status-thread reply (drawn by the caller)."""
        return person

    def _follow_up(self, text: str) -> str:
        """What an answer to an earlier status-thread reply says (drawn by the caller)."""
        return text

    def _dress(self, headers: list[str], name: str, addr: str, msgid: str) -> str:
        """The header block of a message whose own fields are ``headers``.

        The body's size is already fixed from the undressed block, so a corpus
        with longer headers carries the same bodies.
        """
        return "\n".join(headers) + "\n"

    def _quote_before(self, item: str, size: int) -> str:
        """Quoted status-mail lines just above ``item``, about ``size`` bytes."""
        end = self.quoted_mail.find(item)
        if end <= 0 or size <= 0:
            return ""
        start = self.quoted_mail.rfind("\n", 0, max(0, end - size)) + 1
        return self.quoted_mail[start:end]

    # -- ordinary list traffic ---------------------------------------------------

    def _target_size(self) -> int:
        rng = self.rng
        roll = rng.random()
        if roll < 0.01:
            return rng.randint(900, 1900)
        if roll < 0.02:
            return rng.randint(9000, 40000)
        # log-normal around 5 KB, cut to the 2-8 KB band the list's mail sits in
        return max(2100, min(7900, int(5000 * math.exp(rng.gauss(0.0, 0.22)))))

    def _patch(self, target: int) -> bytes:
        rng = self.rng
        self.stats.patches += 1
        name, addr = rng.choice(PEOPLE)
        n = rng.randint(1, 9)
        subject = (
            f"[Xen-devel] [PATCH v{rng.randint(1, 6)} {rng.randint(1, n)}/{n}] "
            f"{rng.choice(AREAS)}: {rng.choice(VERBS)} {rng.choice(NOUNS)}"
        )
        head = self._sentences(rng.randint(2, 5)) + "\n\n" + self._sentences(rng.randint(1, 4))
        trailer = f"\n\nSigned-off-by: {name} <{addr}>\n---\n"
        files = rng.sample(FILES, rng.randint(1, 3))
        stat = "".join(f" {f} | {rng.randint(2, 60)} ++++----\n" for f in files)
        body = head + trailer + stat + f" {len(files)} files changed\n\n"
        body += self._diff(files, max(300, target - len(body) - 700))
        body += "-- \n1.7.2.5\n"
        msgid = self._msgid(addr)
        raw = self._compose(name, addr, subject, msgid, (), body, target)
        self._remember(_Thread(msgid, subject, (), body[:600]))
        return raw

    def _review(self, target: int) -> bytes:
        rng = self.rng
        parent = rng.choice(self.threads[-400:])
        name, addr = rng.choice(PEOPLE)
        lines = parent.text.splitlines()
        start = rng.randrange(max(1, len(lines) - 8))
        quote = "".join(f"> {x}\n" for x in lines[start : start + rng.randint(3, 12)])
        body = f"On {self._date_text()}, {rng.choice(PEOPLE)[0]} wrote:\n{quote}\n"
        body += self._sentences(rng.randint(1, 4)) + "\n\n"
        while len(body) < target - 900:
            body += "".join(f"> {x}\n" for x in self._code_lines(rng.randint(4, 12)))
            body += "\n" + self._sentences(rng.randint(1, 3)) + "\n\n"
        if rng.random() < 0.3:
            body += f"Acked-by: {name} <{addr}>\n"
        body += f"\n{name.split()[0]}\n"
        msgid = self._msgid(addr)
        subject = parent.subject if parent.subject.startswith("Re:") else "Re: " + parent.subject
        refs = (*parent.refs[-8:], parent.msgid)
        raw = self._compose(name, addr, subject, msgid, refs, body, target)
        self._remember(_Thread(msgid, subject, refs, _new_text(body) or body[:600]))
        return raw

    def _discussion(self, target: int) -> bytes:
        rng = self.rng
        name, addr = rng.choice(PEOPLE)
        subject = f"[Xen-devel] {rng.choice(AREAS)}: {rng.choice(OPENERS)} {rng.choice(NOUNS)}"
        body = "Hi all,\n\n"
        while len(body) < target - 800:
            body += self._sentences(rng.randint(2, 6)) + "\n\n"
            if rng.random() < 0.3:
                body += "".join(f"    {x}\n" for x in self._code_lines(rng.randint(3, 8))) + "\n"
        body += f"Thanks,\n{name}\n"
        msgid = self._msgid(addr)
        raw = self._compose(name, addr, subject, msgid, (), body, target)
        self._remember(_Thread(msgid, subject, (), body[:600]))
        return raw

    def _remember(self, thread: _Thread) -> None:
        self.threads.append(thread)
        if len(self.threads) > 2000:
            del self.threads[:1000]

    # -- pieces ------------------------------------------------------------------

    def _compose(
        self,
        name: str,
        addr: str,
        subject: str,
        msgid: str,
        refs: tuple[str, ...],
        body: str,
        target: int = 0,
        *,
        cc_status: bool = False,
    ) -> bytes:
        rng = self.rng
        self.when += dt.timedelta(seconds=rng.randint(5, 240))
        self.count += 1
        headers = [
            "Return-Path: <xen-devel-bounces@lists.xen.org>",
            f"Received: from lists.xen.org ([50.57.142.19]) by mx.example.org with esmtp "
            f"id {rng.getrandbits(40):010x}; {email.utils.format_datetime(self.when)}",
            f"From: {name} <{addr}>",
            f"To: {LIST}" if not cc_status else "To: Ian Campbell <Ian.Campbell@citrix.com>",
        ]
        if cc_status:
            headers.append(f"Cc: {LIST}")
        elif rng.random() < 0.6:
            cc = ", ".join(f"{n} <{a}>" for n, a in rng.sample(PEOPLE, rng.randint(1, 4)))
            headers.append(f"Cc: {cc}")
        headers += [
            f"Subject: {subject}",
            f"Date: {email.utils.format_datetime(self.when)}",
            f"Message-ID: <{msgid}>",
        ]
        if refs:
            headers.append(f"In-Reply-To: <{refs[-1]}>")
            headers.append("References: " + "\n ".join(f"<{r}>" for r in refs))
        headers += [
            "MIME-Version: 1.0",
            "List-Id: Xen developer discussion <xen-devel.lists.xen.org>",
            "List-Post: <mailto:xen-devel@lists.xen.org>",
            "Precedence: list",
            "Sender: xen-devel-bounces@lists.xen.org",
            "Errors-To: xen-devel-bounces@lists.xen.org",
        ]
        footer = (
            "\n_______________________________________________\nXen-devel mailing list\n"
            "Xen-devel@lists.xen.org\nhttp://lists.xen.org/xen-devel\n"
        )
        head = "\n".join(headers) + "\n"
        # what the body may take so the whole message comes out near ``target``
        budget = target - len(head) - len(footer) - 80 if target else 0
        head = self._dress(headers, name, addr, msgid)
        # thread replies stay single-part plain text more often, as on the real list
        if rng.random() < (0.15 if cc_status else 0.31):
            self.stats.multipart += 1
            content = self._multipart(body, footer, budget)
        else:
            if budget:
                body = _fit(body, budget)
            content = (
                'Content-Type: text/plain; charset="us-ascii"\nContent-Transfer-Encoding: 7bit\n\n'
                + body
                + footer
            )
        return (head + content).encode("utf-8")

    def _multipart(self, body: str, footer: str, budget: int) -> str:
        rng = self.rng
        boundary = f"=-{rng.getrandbits(64):016x}"
        text_part = (
            'Content-Type: text/plain; charset="us-ascii"\nContent-Transfer-Encoding: 7bit\n\n'
        )
        kind = rng.random()
        if kind < 0.4:
            if budget:
                body = _fit(body, budget - 750)
            signature = base64.encodebytes(rng.randbytes(280)).decode()
            return (
                "Content-Type: multipart/signed; micalg=pgp-sha1; "
                'protocol="application/pgp-signature"; '
                f'boundary="{boundary}"\n\n--{boundary}\n{text_part}{body}\n--{boundary}\n'
                'Content-Type: application/pgp-signature; name="signature.asc"\n'
                "Content-Description: This is a digitally signed message part\n\n"
                "-----BEGIN PGP SIGNATURE-----\nVersion: GnuPG v1.4.11 (GNU/Linux)\n\n"
                f"{signature}=abcd\n-----END PGP SIGNATURE-----\n\n--{boundary}--\n{footer}"
            )
        if kind < 0.7:
            # keep the total near the drawn size: part of the text becomes the attachment
            if budget:
                body = _fit(body, budget - 300)
            cut = len(body) * 2 // 3
            log_text = "".join(
                f"(XEN) [{rng.uniform(0, 999):10.6f}] {self._sentences(1)}\n"
                for _ in range(max(2, (len(body) - cut) // 140))
            )
            data = base64.encodebytes(log_text.encode()).decode()
            return (
                f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n--{boundary}\n'
                f"{text_part}{body[:cut]}\n\n--{boundary}\n"
                'Content-Type: text/x-log; name="xl-dmesg.log"\n'
                'Content-Disposition: attachment; filename="xl-dmesg.log"\n'
                f"Content-Transfer-Encoding: base64\n\n{data}\n--{boundary}--\n{footer}"
            )
        # the HTML copy of a line is about 1.3 times its size
        half = _fit(body, (budget - 400) * 10 // 23) if budget else body[: len(body) // 2]
        html = (
            "<html><body>"
            + "".join(
                f"<p>{line.replace('&', '&amp;').replace('<', '&lt;')}</p>"
                for line in half.splitlines()
            )
            + "</body></html>\n"
        )
        return (
            f'Content-Type: multipart/alternative; boundary="{boundary}"\n\n--{boundary}\n'
            f"{text_part}{half}\n--{boundary}\n"
            'Content-Type: text/html; charset="us-ascii"\nContent-Transfer-Encoding: 7bit\n\n'
            f"{html}\n--{boundary}--\n{footer}"
        )

    def _sentences(self, n: int) -> str:
        return _wrap(" ".join(self.rng.choices(self.sentence_pool, k=n)))

    def _code_lines(self, n: int) -> list[str]:
        return self.rng.choices(self.code_pool, k=n)

    def _make_sentence(self) -> str:
        rng = self.rng
        words = rng.choices(WORDS, k=rng.randint(6, 18))
        return " ".join(words).capitalize() + rng.choice((".", ".", ".", "?"))

    def _make_code_line(self) -> str:
        rng = self.rng
        v = rng.choice(("rc", "d", "p2m", "gfn", "mfn", "ctx", "gc", "domid", "ret"))
        noun = rng.choice(NOUNS).split()[-1].replace("-", "_").replace("/", "_")
        return rng.choice(
            (
                f"    if ( {v} == NULL )",
                "        return -EINVAL;",
                f"    {v} = {noun}_lookup({v}, {rng.randint(0, 64)});",
                f"    spin_lock(&{v}->lock);",
                f'    LOG(ERROR, "failed to {rng.choice(VERBS)} {v}");',
                "    }",
            )
        )

    def _diff(self, files: list[str], size: int) -> str:
        rng = self.rng
        out = []
        per_file = max(200, size // len(files))
        for f in files:
            blobs = f"{rng.getrandbits(28):07x}..{rng.getrandbits(28):07x}"
            chunk = f"diff --git a/{f} b/{f}\nindex {blobs} 100644\n"
            chunk += f"--- a/{f}\n+++ b/{f}\n"
            while len(chunk) < per_file:
                line = rng.randint(10, 3000)
                func = f"{rng.choice(VERBS).replace(' ', '_')}_{rng.randint(0, 99)}"
                chunk += f"@@ -{line},7 +{line},8 @@ static int {func}(void)\n"
                for code in self._code_lines(rng.randint(4, 10)):
                    chunk += rng.choice((" ", " ", "+", "-")) + code + "\n"
            out.append(chunk)
        return "".join(out)

    def _msgid(self, addr: str) -> str:
        domain = addr.rsplit("@", 1)[1].lower()
        return f"{self.seed}.{self.count}.{self.rng.getrandbits(40):010x}@{domain}"

    def _archive_url(self) -> str:
        number = self.rng.randint(0, 1999)
        return f"http://lists.xen.org/archives/html/xen-devel/2012-04/msg{number:05d}.html"

    def _date_text(self) -> str:
        return self.when.strftime("%a, %d %b %Y at %H:%M")


def _wrap(text: str, width: int = 72) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return "\n".join(lines)


def _fit(body: str, size: int) -> str:
    """``body`` cut at a line end to at most ``size`` bytes (at least its first lines)."""
    if len(body) <= size:
        return body
    cut = body.rfind("\n", 0, max(size, 200))
    return body[: cut + 1] if cut > 0 else body[:size]


def _new_text(body: str) -> str:
    """The lines of a reply that are not quotes (what the next reply quotes)."""
    return "\n".join(
        x for x in body.splitlines() if x and not x.startswith(">") and not x.endswith("wrote:")
    )


_FROM_LINE = re.compile(rb"^(>*From )", re.MULTILINE)


def write_mboxrd(path: Path, messages: Iterable[bytes]) -> None:
    """Write raw messages as an mboxrd file (``From `` lines in them quoted)."""
    with path.open("wb") as out:
        for raw in messages:
            out.write(b"From list@lists.xen.org Mon Apr 16 13:00:00 2012\n")
            out.write(_FROM_LINE.sub(rb">\1", raw))
            if not raw.endswith(b"\n"):
                out.write(b"\n")
            out.write(b"\n")


def write_mbox(path: Path, n: int, seed: int = 42) -> CorpusStats:
    """Write ``n`` messages as an mboxrd file; returns what went in."""
    corpus = Corpus(seed)
    write_mboxrd(path, corpus.messages(n))
    return corpus.stats


if __name__ == "__main__":
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    c = Corpus(int(sys.argv[2]) if len(sys.argv) > 2 else 42)
    for _ in c.messages(count):
        pass
    print(c.stats.summary())
