"""Real DKIM and ARC for tests: RSA keys made here, signatures made by dkimpy.

``KeyTable`` is a test's own DNS: the TXT records of its selectors, handed to
dkimpy through its ``dnsfunc`` hook, so nothing goes to the network.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field

import dkim
import dkim.crypto
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

#: 1024 bits is dkimpy's smallest accepted key, and quick to make
KEY_BITS = 1024


@dataclass
class KeyTable:
    """Private keys by (selector, domain), and the TXT records DNS would serve."""

    private: dict[tuple[str, str], bytes] = field(default_factory=dict)
    records: dict[bytes, bytes] = field(default_factory=dict)
    lookups: list[bytes] = field(default_factory=list)

    def add(self, domain: str, selector: str = "s1") -> bytes:
        key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.private[(selector, domain)] = pem
        name = f"{selector}._domainkey.{domain}.".encode()
        self.records[name] = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
        return pem

    def dnsfunc(self, name: bytes, timeout: int = 5) -> bytes | None:
        self.lookups.append(name)
        return self.records.get(name)

    def sign(self, message: bytes, domain: str, selector: str = "s1") -> bytes:
        """``message`` with a DKIM-Signature of ``domain`` on top."""
        header = dkim.sign(
            message,
            selector.encode(),
            domain.encode(),
            self.private[(selector, domain)],
            include_headers=[
                b"from",
                b"to",
                b"cc",
                b"subject",
                b"date",
                b"message-id",
                b"in-reply-to",
                b"references",
                b"reply-to",
                b"content-type",
            ],
        )
        return header + message

    def sign_expired(
        self, message: bytes, domain: str, selector: str = "s1", days_ago: int = 3
    ) -> bytes:
        """A signature whose x= (expiry) is ``days_ago`` days past, made as dkimpy signs."""
        signer = dkim.DKIM(message)
        key = dkim.crypto.parse_pem_private_key(self.private[(selector, domain)])
        canon = dkim.CanonicalizationPolicy.from_c_value(b"relaxed/simple")
        include = (b"from", b"to", b"subject", b"date", b"message-id")
        signer.hasher = dkim.HASH_ALGORITHMS[b"rsa-sha256"]
        body_hash = base64.b64encode(signer.hasher(canon.canonicalize_body(signer.body)).digest())
        expired = int(time.time()) - days_ago * 86400
        fields = [
            (b"v", b"1"),
            (b"a", b"rsa-sha256"),
            (b"c", b"relaxed/simple"),
            (b"d", domain.encode()),
            (b"i", b"@" + domain.encode()),
            (b"q", b"dns/txt"),
            (b"s", selector.encode()),
            (b"t", str(expired - 86400).encode()),
            (b"x", str(expired).encode()),
            (b"h", b" : ".join(include)),
            (b"bh", body_hash),
            (b"b", b"0" * 60),
        ]
        header = signer.gen_header(fields, include, canon, b"DKIM-Signature", key)
        return b"DKIM-Signature: " + header + message

    def arc_seal(self, message: bytes, domain: str, selector: str = "s1") -> bytes:
        """``message`` with the next ARC set of ``domain`` on top.

        The sealer records its own Authentication-Results (authserv-id
        ``domain``) in the message first, as a list's server does on receipt.
        """
        sets = dkim.arc_sign(
            message,
            selector.encode(),
            domain.encode(),
            self.private[(selector, domain)],
            domain.encode(),
            include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
        )
        return b"".join(sets) + message


def mail(
    frm: str,
    *,
    subject: str = "Re: 4.2 Release Plan / TODO",
    body: str = "#relbot approve\n",
    extra: str = "",
    msgid: str = "<a1@example.org>",
) -> bytes:
    """A plain reply to the status mail, CRLF line ends as on the wire."""
    text = (
        f"From: {frm}\n"
        "To: xen-devel <xen-devel@lists.example.org>\n"
        f"Subject: {subject}\n"
        "Date: Mon, 16 Apr 2012 14:02:11 +0100\n"
        f"Message-ID: {msgid}\n"
        "In-Reply-To: <status@relbot.example.org>\n"
        "References: <status@relbot.example.org>\n"
        f"{extra}"
        "Content-Type: text/plain; charset=UTF-8\n"
        "\n"
        f"{body}"
    )
    return text.replace("\n", "\r\n").encode()


def through_list(
    keys: KeyTable,
    signed: bytes,
    *,
    list_domain: str,
    verified: str,
    tag: str = "[Xen-devel] ",
    footer: str = "_______________________________________________\r\nXen-devel mailing list\r\n",
    rewrite_from: str = "",
) -> bytes:
    """What a list makes of ``signed``: its own checks recorded, subject tag, footer, ARC.

    ``verified`` is what the list's server found, e.g. ``dkim=pass header.d=x.org``.
    ``rewrite_from``: a new From (Mailman's "X via List"), the old one kept as
    X-Original-From.
    """
    head, _, body = signed.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    out = []
    for line in lines:
        if line.startswith("Subject: "):
            line = "Subject: " + tag + line[len("Subject: ") :]
        if rewrite_from and line.startswith("From: "):
            out.append("X-Original-From: " + line[len("From: ") :])
            line = "From: " + rewrite_from
        out.append(line)
    received = f"Authentication-Results: {list_domain}; {verified}\r\n".encode()
    changed = received + "\r\n".join(out).encode() + b"\r\n\r\n" + body + footer.encode()
    return keys.arc_seal(changed, list_domain)
