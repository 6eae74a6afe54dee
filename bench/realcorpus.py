"""The same list traffic as ``bench/corpus.py``, with the headers real list mail carries.

Real xen-devel mail as a subscriber's mailbox receives it has a median of
about 42 header fields and 9 ``Received`` lines in some 5-7 KB of header:
the sender's own relays (Exchange hops for a corporate Outlook sender,
Google's for Gmail, a Postfix relay or two elsewhere), the list's inbound
filter and Mailman's several hops, then the subscriber's MX. Around them sit
DKIM and ARC signatures, Authentication-Results, the list's ``List-*``
fields, and for Outlook senders a dozen ``X-MS-*`` fields, one of them a
long run of encoded words. ``RealCorpus`` dresses every message of the
plain corpus that way, with the field order of real mail, from a second
random stream: for the same seed the bodies are byte for byte those of
``Corpus``, so the two corpora differ only in their headers.

It also lets the release manager answer the thread ("Thanks, I've updated
the list" under a developer's reply), so agreement by reply is exercised.

Run: ``python bench/realcorpus.py [COUNT] [SEED]`` prints what a corpus
holds (header fields, Received lines, header bytes).
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import Corpus, CorpusStats, write_mboxrd

#: the release manager of the corpus's status mail, as config.toml names him
RELEASE_MANAGER = ("Ian Campbell", "ian.campbell@citrix.com")
#: what the release manager says when he answers a reply in the thread
RM_ANSWERS = (
    "Thanks, I've updated the list.",
    "Thanks, updated.",
    "Great, thanks {name}. I'll put that in next week's mail.",
)
#: of the answers to earlier thread replies, the share the release manager writes
RM_SHARE = 0.3

LIST_HOST = "lists.xenproject.org"
MX = "mail.lfdr.de"


def _b64(rng: random.Random, n: int) -> str:
    return base64.b64encode(rng.randbytes(n)).decode()


def _hex(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def _ip(rng: random.Random) -> str:
    return ".".join(str(rng.randint(1, 254)) for _ in range(4))


def _fold_list(values: list[str], sep: str = ",") -> str:
    return (sep + "\n ").join(values)


def _wrap_b64(text: str, width: int = 64, indent: str = "\t ") -> str:
    return ("\n" + indent).join(text[i : i + width] for i in range(0, len(text), width))


class RealCorpus(Corpus):
    """``Corpus`` with real-like headers (and the release manager's answers)."""

    def __init__(self, seed: int = 42, thread_share: float = 0.02) -> None:
        super().__init__(seed, thread_share)
        self.hrng = random.Random(f"headers-{seed}")
        self._rm_speaks = False
        self.header_fields: list[int] = []
        self.received_lines: list[int] = []
        self.header_bytes: list[int] = []
        self.rm_answers = 0

    # -- who answers ---------------------------------------------------------------

    def _replier(self, person: tuple[str, str]) -> tuple[str, str]:
        self._rm_speaks = self.hrng.random() < RM_SHARE
        if self._rm_speaks:
            self.rm_answers += 1
            return RELEASE_MANAGER
        return person

    def _follow_up(self, text: str) -> str:
        if self._rm_speaks:
            return self.hrng.choice(RM_ANSWERS)
        return text

    # -- headers -------------------------------------------------------------------

    def _dress(self, headers: list[str], name: str, addr: str, msgid: str) -> str:
        rng = self.hrng
        own = {h.split(":", 1)[0].lower(): h for h in headers}
        domain = addr.rsplit("@", 1)[1].lower()
        provider = self._provider(domain)
        when = self.when
        trace: list[str] = [
            f"Return-Path: <xen-devel-bounces@{LIST_HOST}>",
            "X-Original-To: lists+xen-devel@lfdr.de",
            "Delivered-To: lists+xen-devel@lfdr.de",
            *self._list_hops(when + dt.timedelta(seconds=rng.randint(20, 90)), addr),
            *self._sender_hops(provider, domain, when),
            "X-BeenThere: xen-devel@lists.xenproject.org",
            "List-Id: Xen developer discussion <xen-devel.lists.xenproject.org>",
            "List-Unsubscribe: <https://lists.xenproject.org/mailman/options/xen-devel>,\n"
            " <mailto:xen-devel-request@lists.xenproject.org?subject=unsubscribe>",
            "List-Archive: <https://lists.xenproject.org/archives/html/xen-devel>",
            "List-Post: <mailto:xen-devel@lists.xenproject.org>",
            "List-Help: <mailto:xen-devel-request@lists.xenproject.org?subject=help>",
            "List-Subscribe: <https://lists.xenproject.org/mailman/listinfo/xen-devel>,\n"
            " <mailto:xen-devel-request@lists.xenproject.org?subject=subscribe>",
            "Errors-To: xen-devel-bounces@lists.xenproject.org",
            "Precedence: list",
            'Sender: "Xen-devel" <xen-devel-bounces@lists.xenproject.org>',
            f"X-Inumbo-ID: {self._uuid()}",
            *self._auth(provider, domain, when),
        ]
        own_fields = [
            own["message-id"],
            own["date"],
            own["from"] if rng.random() < 0.7 else self._encoded_from(name, addr),
            own["to"],
        ]
        if "cc" in own:
            own_fields.append(_fold_cc(own["cc"]))
        own_fields.append(own["subject"])
        for key in ("in-reply-to", "references"):
            if key in own:
                own_fields.append(own[key])
        own_fields += self._client(provider)
        own_fields.append("MIME-Version: 1.0")
        rng.shuffle(own_fields)  # clients order their own fields in many ways
        fields = trace + own_fields + self._after(provider)
        self.header_fields.append(len(fields))
        self.received_lines.append(sum(f.startswith("Received:") for f in fields))
        head = "\n".join(fields) + "\n"
        self.header_bytes.append(len(head))
        return head

    def _provider(self, domain: str) -> str:
        if domain in ("citrix.com", "amd.com"):
            return "outlook"
        if domain in ("linux.it", "aepfle.de", "iweb.com", "cs.ubc.ca"):
            return "gmail"
        return "postfix"

    def _uuid(self) -> str:
        h = _hex(self.hrng, 32)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _date(self, when: dt.datetime) -> str:
        return email.utils.format_datetime(when)

    def _list_hops(self, when: dt.datetime, addr: str) -> list[str]:
        """The subscriber's MX and Mailman's own hops: five Received lines."""
        rng = self.hrng
        mailman = f"{rng.randint(90000, 1200000)}.{rng.randint(100000, 1500000)}"
        exim = f"1{_hex(rng, 5)}-000{rng.randint(1, 9)}{_hex(rng, 2)}-{_hex(rng, 2).upper()}"
        srs = f"SRS0={_hex(rng, 4)}={rng.choice('ABCDEFGH')}{rng.randint(1, 9)}"
        user, _, domain = addr.partition("@")
        date = self._date(when)
        return [
            f"Received: from {LIST_HOST} ({LIST_HOST} [192.237.175.120])\n"
            f"\tby {MX} (Postfix) with ESMTPS id {_hex(rng, 11).upper()}\n"
            f"\tfor <lists+xen-devel@lfdr.de>; {date}",
            f"Received: from list by {LIST_HOST} with outflank-mailman.{mailman} (Exim 4.92)\n"
            f"\t(envelope-from <xen-devel-bounces@{LIST_HOST}>)\n"
            f"\tid {exim}; {date}",
            "X-Outflank-Mailman: Message body and most headers restored to incoming version",
            f"Received: by outflank-mailman (output) from mailman id {mailman}; {date}",
            f"Received: from localhost ([127.0.0.1] helo={LIST_HOST})\n"
            f"\tby {LIST_HOST} with esmtp (Exim 4.92)\n"
            f"\t(envelope-from <xen-devel-bounces@{LIST_HOST}>)\n"
            f"\tid {exim}; {date}",
            f"Received: by outflank-mailman (input) for mailman id {mailman.split('.')[0]};\n"
            f" {date}",
            f"Received: from se1-gles-flk1-in.inumbo.com ([{_ip(rng)}]\n"
            " helo=se1-gles-flk1.inumbo.com)\n"
            f" by {LIST_HOST} with esmtp (Exim 4.92) (envelope-from\n"
            f" <{srs}={domain}={user}@srs-se1.protection.inumbo.net>)\n"
            f" id {exim}\n for xen-devel@{LIST_HOST}; {date}",
        ]

    def _sender_hops(self, provider: str, domain: str, when: dt.datetime) -> list[str]:
        """The sender's side: two to six Received lines, by provider."""
        rng = self.hrng
        date = self._date(when)
        inbound = (
            f"Received: from {rng.choice(('mail-', 'mx', 'smtp-out'))}{_hex(rng, 4)}."
            f"{domain} ([{_ip(rng)}])\n by se1-gles-flk1.inumbo.com (Halon) with ESMTPS\n"
            f" id {self._uuid()};\n {date}"
        )
        if provider == "outlook":
            hops = [inbound]
            for _ in range(rng.randint(2, 4)):
                a, b = _hex(rng, 4).upper(), _hex(rng, 4).upper()
                hops.append(
                    f"Received: from {a}PR{rng.randint(10, 99)}MB{rng.randint(1000, 9999)}."
                    f"namprd{rng.randint(10, 12)}.prod.outlook.com (2603:10b6:{_hex(rng, 3)}::"
                    f"{_hex(rng, 2)})\n by {b}PEPF0000{_hex(rng, 4).upper()}.mail.protection."
                    "outlook.com\n (2603:10b6:a03:339:cafe::1c) with Microsoft SMTP Server "
                    "(version=TLS1_2,\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id "
                    f"15.20.{rng.randint(8000, 9100)}.{rng.randint(1, 40)}; {date}"
                )
            return hops
        if provider == "gmail":
            return [
                inbound,
                f"Received: by mail-wm1-f{rng.randint(40, 80)}.google.com with SMTP id "
                f"{_hex(rng, 16)}.{rng.randint(1, 9)}\n for <xen-devel@{LIST_HOST}>; {date}",
                f"X-Received: by 2002:a05:600c:{_hex(rng, 4)}:b0:{_hex(rng, 3)}:{_hex(rng, 4)} "
                f"with SMTP id\n {_hex(rng, 16)}-{_hex(rng, 8)}.{rng.randint(1, 9)}."
                f"{rng.randint(1000000, 9999999)}; {date}",
                f"Received: from [{_ip(rng)}] ({_ip(rng)})\n by smtp.gmail.com with ESMTPSA id "
                f"{_hex(rng, 20)}.{rng.randint(1, 9)}.2025.{rng.randint(1, 12):02d}.\n "
                f"{rng.randint(1, 28):02d} for <xen-devel@{LIST_HOST}>\n "
                f"(version=TLS1_3 cipher=TLS_AES_128_GCM_SHA256 bits=128/128); {date}",
            ]
        return [
            inbound,
            f"Received: from relay{rng.randint(1, 9)}.{domain} (unknown [{_ip(rng)}])\n"
            f" by mx{rng.randint(1, 4)}.{domain} (Postfix) with ESMTP id "
            f"{_hex(rng, 9).upper()};\n {date}",
            *(
                [
                    f"Received: from [{_ip(rng)}] (unknown [{_ip(rng)}])\n"
                    f"\tby relay{rng.randint(1, 9)}.{domain} (Postfix) with ESMTPSA id "
                    f"{_hex(rng, 9).upper()};\n\t{date}"
                ]
                if rng.random() < 0.6
                else []
            ),
        ]

    def _dkim(self, domain: str, when: dt.datetime, *, prefix: str = "DKIM-Signature") -> str:
        rng = self.hrng
        signed = (
            "from:from:reply-to:date:date:message-id:message-id:to:to:cc:cc:\n"
            "\t mime-version:mime-version:content-type:content-type:\n"
            "\t content-transfer-encoding:content-transfer-encoding:\n"
            "\t in-reply-to:in-reply-to:references:references"
        )
        return (
            f"{prefix}: v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; "
            f"s=selector{rng.randint(1, 2)};\n\tt={int(when.timestamp())}; h={signed};\n"
            f"\tbh={_b64(rng, 32)};\n\tb={_wrap_b64(_b64(rng, 256), 70, chr(9))}"
        )

    def _auth(self, provider: str, domain: str, when: dt.datetime) -> list[str]:
        """DKIM, ARC and the authentication results, in a provider's manner."""
        rng = self.hrng
        results = (
            f"Authentication-Results: {MX};\n\tdkim=pass header.d={domain} "
            f"header.s=selector1 header.b={_b64(rng, 6)};\n\tspf=pass "
            f"(mail.lfdr.de: domain of xen-devel-bounces@{LIST_HOST} designates "
            f"192.237.175.120 as permitted sender)\n\tsmtp.mailfrom=xen-devel-bounces@{LIST_HOST};"
            f"\n\tdmarc=pass (policy=quarantine) header.from={domain}"
        )
        # the list's own inbound filter adds its verdict before Mailman's hops
        inbound = (
            f"Authentication-Results: se1-gles-flk1.inumbo.com;\n\tdkim=pass "
            f"header.d={domain} header.s=selector1 header.b={_b64(rng, 6)};\n\t"
            f"spf=pass smtp.mailfrom={domain};\n\tdmarc=pass (policy=none) header.from={domain}"
        )
        fields = [results, inbound, f"X-Virus-Scanned: by amavisd-new at {domain}"]
        fields.append(f"X-Spam-Level: {'*' * rng.randint(0, 3)}")
        fields.append(
            f"X-Spam-Status: No, score=-{rng.randint(1, 9)}.{rng.randint(0, 9)} required=5.0\n"
            "\ttests=BAYES_00,DKIM_SIGNED,DKIM_VALID,DKIM_VALID_AU,RCVD_IN_DNSWL_MED,\n"
            "\tSPF_HELO_NONE,SPF_PASS autolearn=ham autolearn_force=no version=3.4.6"
        )
        if provider in ("outlook", "gmail"):
            signer = "microsoft.com" if provider == "outlook" else "google.com"
            fields += [
                f"ARC-Seal: i=1; a=rsa-sha256; s=arcselector10001; d={signer}; cv=none;\n"
                f" b={_wrap_b64(_b64(rng, 256), 200, ' ')}",
                f"ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d={signer};\n"
                " s=arcselector10001;\n h=From:Date:Subject:Message-ID:Content-Type:"
                "MIME-Version:X-MS-Exchange-AntiSpam-MessageData-ChunkCount;\n"
                f" bh={_b64(rng, 32)};\n b={_wrap_b64(_b64(rng, 256), 200, ' ')}",
                f"ARC-Authentication-Results: i=1; mx.{signer} 1; spf=pass (sender ip is\n"
                f" {_ip(rng)}) smtp.rcpttodomain={LIST_HOST} smtp.mailfrom={domain};\n"
                f" dmarc=pass (p=quarantine sp=quarantine pct=100) action=none\n"
                f" header.from={domain}; dkim=pass header.d={domain}; arc=none (0)",
            ]
        fields.append(self._dkim(domain, when))
        if provider == "gmail":
            fields += [
                self._dkim("1e100.net", when, prefix="X-Google-DKIM-Signature"),
                f"X-Gm-Message-State: {_b64(rng, 40)}\n\t{_b64(rng, 30)}",
                f"X-Google-Smtp-Source: {_b64(rng, 60)}",
            ]
        fields.append(
            f"Received-SPF: Pass (protection.outlook.com: domain of {domain} designates\n"
            f" {_ip(rng)} as permitted sender) receiver=protection.outlook.com;\n"
            f" client-ip={_ip(rng)}; helo=smtp.{domain}; pr=C"
            if provider == "outlook"
            else f"Received-SPF: pass (se1-gles-flk1: domain of {domain} designates "
            f"{_ip(rng)} as permitted sender)"
        )
        return fields

    def _encoded_from(self, name: str, addr: str) -> str:
        word = base64.b64encode(name.encode("utf-8")).decode()
        return f"From: =?UTF-8?B?{word}?= <{addr}>"

    def _client(self, provider: str) -> list[str]:
        rng = self.hrng
        if provider == "outlook":
            return [
                "Content-Language: en-US",
                "Thread-Topic: " + _hex(rng, 10),
                "Thread-Index: " + _b64(rng, 30),
                "X-MS-Has-Attach:",
                "X-MS-TNEF-Correlator:",
            ]
        agent = rng.choice(
            (
                "User-Agent: Mozilla Thunderbird",
                "User-Agent: Mutt/2.2.12 (2023-09-09)",
                "X-Mailer: git-send-email 2.43.0",
                "User-Agent: Evolution 3.50.4",
            )
        )
        return [agent, "Content-Language: en-US"] if "Thunderbird" in agent else [agent]

    def _after(self, provider: str) -> list[str]:
        """Fields relays add below the sender's own (Exchange's many X-MS-* ones)."""
        rng = self.hrng
        if provider != "outlook":
            return [f"X-Spam-Score: -{rng.randint(1, 9)}.{rng.randint(0, 9)}"]
        info = "\n ".join(f"=?utf-8?B?{_b64(rng, 45)}?=" for _ in range(rng.randint(8, 20)))
        return [
            "X-EOPAttributedMessage: 0",
            "X-MS-PublicTrafficType: Email",
            f"X-MS-TrafficTypeDiagnostic: {_hex(rng, 12).upper()}:EE_|{_hex(rng, 12).upper()}:EE_",
            f"X-MS-Office365-Filtering-Correlation-Id: {self._uuid()}",
            "X-MS-Exchange-SenderADCheck: 1",
            "X-MS-Exchange-AntiSpam-Relay: 0",
            f"X-Microsoft-Antispam:\n\tBCL:0;ARA:{rng.randint(10000000, 99999999)}|"
            f"{rng.randint(10000000000, 99999999999)};",
            f"X-Microsoft-Antispam-Message-Info:\n\t{info}",
            f"X-Forefront-Antispam-Report:\n\tCIP:{_ip(rng)};CTRY:;LANG:en;SCL:1;SRV:;"
            f"IPV:NLI;SFV:NSPM;H:smtp.example;PTR:InfoDomainNonexistent;CAT:NONE;",
            f"X-MS-Exchange-CrossTenant-Network-Message-Id: {self._uuid()}",
            f"X-MS-Exchange-Transport-CrossTenantHeadersStamped: {_hex(rng, 12).upper()}",
        ]

    def stats_summary(self) -> str:
        """What the headers of the messages made so far look like."""
        if not self.header_fields:
            return "no messages"
        return (
            f"header fields median {statistics.median(self.header_fields):.0f} "
            f"(min {min(self.header_fields)}, max {max(self.header_fields)}), Received lines "
            f"median {statistics.median(self.received_lines):.0f}, header block median "
            f"{statistics.median(self.header_bytes) / 1024:.1f} KB, "
            f"{self.rm_answers} answers by the release manager"
        )


def _fold_cc(field: str) -> str:
    name, _, value = field.partition(": ")
    return f"{name}: " + _fold_list([v.strip() for v in value.split(",")])


def write_mbox(
    path: Path, n: int, seed: int = 42, thread_share: float = 0.02
) -> tuple[CorpusStats, str]:
    """Write ``n`` real-like messages as an mboxrd file; (what went in, header summary)."""
    corpus = RealCorpus(seed, thread_share)
    write_mboxrd(path, corpus.messages(n))
    return corpus.stats, corpus.stats_summary()


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    c = RealCorpus(int(sys.argv[2]) if len(sys.argv) > 2 else 42)
    for _ in c.messages(count):
        pass
    print(c.stats.summary())
    print(c.stats_summary())
