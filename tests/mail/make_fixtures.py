"""Write the odd-mail fixtures in this folder; run it after changing one.

The bytes are built here because several oddities (CRLF, raw 8-bit headers,
invalid UTF-8, binary junk) are awkward to keep intact in a text editor.
``python tests/mail/make_fixtures.py`` rewrites every ``*.eml`` beside it.
"""

from __future__ import annotations

import base64
from pathlib import Path

HERE = Path(__file__).resolve().parent

LIST_HEADERS = (
    b"List-Id: Xen developer discussion <xen-devel.lists.xenproject.org>\n"
    b"List-Post: <mailto:xen-devel@lists.xenproject.org>\n"
)
FOOTER = (
    b"_______________________________________________\n"
    b"Xen-devel mailing list\n"
    b"Xen-devel@lists.xenproject.org\n"
    b"https://lists.xenproject.org/mailman/listinfo/xen-devel\n"
)
REPLY_BODY = (
    b"On 05.02.2024 20:23, Release Manager wrote:\n"
    b">     * x86: PV shim cleanup (Andrew)\n"
    b"\n"
    b"I'm working on this, patches next week.\n"
)


def head(msgid: bytes, sender: bytes, subject: bytes = b"Re: Xen 4.19 release status") -> bytes:
    return (
        b"From: " + sender + b"\n"
        b"To: xen-devel@lists.xenproject.org\n"
        b"Subject: " + subject + b"\n"
        b"Date: Mon, 05 Feb 2024 21:00:00 +0100\n"
        b"Message-ID: <" + msgid + b">\n"
        b"In-Reply-To: <status-0042@relbot.example>\n"
        b"References: <status-0041@relbot.example> <status-0042@relbot.example>\n" + LIST_HEADERS
    )


def crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def b64(data: bytes) -> bytes:
    return base64.encodebytes(data)


FIXTURES: dict[str, bytes] = {}

FIXTURES["plain_reply.eml"] = (
    head(b"20240205200000.1234-1-anthony@example.org", b"Anthony PERARD <anthony@example.org>")
    + b"Content-Type: text/plain; charset=us-ascii\n\n"
    + REPLY_BODY
    + FOOTER
)

FIXTURES["base64_crlf.eml"] = crlf(
    head(b"base64.crlf.1@example.org", b"Roger Pau Monne <roger@example.org>")
    + b"MIME-Version: 1.0\n"
    b"Content-Type: text/plain; charset=utf-8\n"
    b"Content-Transfer-Encoding: base64\n\n"
    + b64(crlf("Monné here.\n\nThe shim work is DONE.\n".encode()))
)

FIXTURES["quoted_printable_url.eml"] = (
    head(b"qp.url.1@example.org", b"Jan Beulich <jbeulich@example.com>") + b"MIME-Version: 1.0\n"
    b"Content-Type: text/plain; charset=iso-8859-1\n"
    b"Content-Transfer-Encoding: quoted-printable\n\n"
    b"Patches posted: https://lore.kernel.org/xen-devel/20240205123456.4321-1-jbe=\n"
    b"ulich@example.com/T/#t\n"
    b"Gr=FC=DFe, Jan=\n"
    b"\n"
)

FIXTURES["pgp_signed_in_mixed.eml"] = (
    head(b"pgp.mixed.1@example.org", b"Marek Marczykowski <marmarek@example.org>")
    + b"MIME-Version: 1.0\n"
    b'Content-Type: multipart/mixed; boundary="outer"\n\n'
    b"--outer\n"
    b'Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature";'
    b' boundary="inner"\n\n'
    b"--inner\n"
    b"Content-Type: text/plain; charset=us-ascii\n"
    b"Content-Disposition: inline\n\n"
    b"> * stubdomain PCI passthrough\n\nThis went in last week.\n"
    b"--inner\n"
    b"Content-Type: application/pgp-signature; name=signature.asc\n\n"
    b"-----BEGIN PGP SIGNATURE-----\niQEzBAEBCAAdFiEE\n-----END PGP SIGNATURE-----\n"
    b"--inner--\n"
    b"--outer\n"
    b"Content-Type: text/plain; charset=us-ascii\n"
    b'Content-Disposition: attachment; filename="config.txt"\n\n'
    b"CONFIG_XEN=y\n"
    b"--outer\n"
    b"Content-Type: text/plain; charset=us-ascii\n"
    b"Content-Disposition: inline\n\n" + FOOTER + b"--outer--\n"
)

FIXTURES["rfc2047_utf8_b.eml"] = (
    head(
        b"rfc2047.b.1@example.org",
        b"=?UTF-8?B?SsO8cmdlbiBHcm/Dnw==?= <jgross@example.com>",
        b"=?UTF-8?B?UmU6IFhlbiA0LjE5IHJlbGVhc2Ugc3RhdHVzIOKAkyB3ZWVrIDM=?=",
    )
    + b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
    + "Grüße: mine.\n".encode()
)

FIXTURES["rfc2047_latin1_q.eml"] = (
    head(
        b"rfc2047.q.1@example.org",
        b'"=?iso-8859-1?Q?Fr=E9d=E9ric_P=E9rard?=" <fperard@example.fr>',
    )
    + b"Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n"
    + "Déjà fait.\n".encode("latin-1")
)

FIXTURES["encoded_word_bad_utf8.eml"] = (
    head(
        b"bad.utf8.word.1@example.org",
        b"=?UTF-8?Q?Ren=E9_Bad=FF?= <rene@example.org>",
        b"=?UTF-8?B?//4=?= status",
    )
    + b"Content-Type: text/plain\n\nok\n"
)

FIXTURES["raw_8bit_headers.eml"] = (
    head(
        b"raw.8bit.1@example.org",
        "Stéphane Café <stephane@example.fr>".encode("latin-1"),
        "Re: café au lait".encode("latin-1"),
    )
    + b"Content-Type: text/plain\n\nraw 8-bit headers\n"
)

FIXTURES["raw_utf8_headers.eml"] = (
    head(
        b"raw.utf8.1@example.org",
        "Jürgen Groß <jgross@example.com>".encode(),
        "Re: Größe".encode(),
    )
    + b"Content-Type: text/plain\n\nraw utf-8 headers\n"
)

FIXTURES["charset_unknown.eml"] = (
    head(b"x.unknown.1@example.org", b"Olaf Hering <olaf@example.de>")
    + b"Content-Type: text/plain; charset=X-UNKNOWN\nContent-Transfer-Encoding: 8bit\n\n"
    + "Schöne Grüße, patches posted.\n".encode()
    + b"Latin-1 line: caf\xe9\n"
)

FIXTURES["tab_after_colon.eml"] = (
    b"From:\tWei Liu <wl@example.org>\n"
    b"To:\txen-devel@lists.xenproject.org\n"
    b"Subject:\tRe: Xen 4.19 release status\n"
    b"Date:\tMon, 05 Feb 2024 21:00:00 +0100\n"
    b"Message-ID:\t<tab.colon.1@example.org>\n"
    b"In-Reply-To:\t<status-0042@relbot.example>\n"
    b"\n"
    b"tab after colon\n"
)

FIXTURES["malformed_cc.eml"] = (
    head(b"bad.cc.1@example.org", b"Ian Jackson <ijackson@example.com>")
    + b"Cc: :, a@b\n"
    + b"Content-Type: text/plain\n\n"
    + b'Release Manager writes ("Xen 4.19 release status"):\n> * libxl fix\n\nDone.\n'
)

FIXTURES["message_id_case.eml"] = (
    b"From: Julien Grall <julien@example.org>\n"
    b"Subject: Re: Xen 4.19 release status\n"
    b"Message-Id: <msgid.case.1@example.org>\n"
    b"In-Reply-To: <status-0042@relbot.example> (Release Manager's message of Mon)\n"
    b"\n"
    b"Message-Id spelled differently\n"
)

FIXTURES["references_folded_empty_first.eml"] = (
    b"From: Stefano Stabellini <sstabellini@example.org>\n"
    b"Subject: Re: Xen 4.19 release status\n"
    b"Message-ID: <alpine.DEB.2.22.394.2402051234560.123@ubuntu-desktop>\n"
    b"In-Reply-To: <status-0042@relbot.example>\n"
    b"References:\n"
    b" <status-0040@relbot.example>\n"
    b"\t<status-0041@relbot.example>\n"
    b" <status-0042@relbot.example> <status-0041@relbot.example>\n"
    b"\n"
    b"folded references\n"
)

FIXTURES["big_headers.eml"] = (
    b"".join(
        b"Received: from relay%d.example.net (relay%d.example.net [192.0.2.%d])\n"
        b"\tby mx.example.org with ESMTPS id abcdef%06d; Mon, 5 Feb 2024 21:00:%02d +0100\n"
        % (i, i, i % 250, i, i % 60)
        for i in range(120)
    )
    + head(b"big.headers.1@example.org", b"Bertrand Marquis <bertrand@example.com>")
    + b"Content-Type: text/plain\n\nafter many headers\n"
)

FIXTURES["html_only.eml"] = (
    head(b"html.only.1@example.org", b"Oleksii Kurochko <oleksii@example.com>")
    + b"MIME-Version: 1.0\n"
    b"Content-Type: text/html; charset=utf-8\n\n"
    b"<html><head><style>p {color: red}</style></head><body>"
    b"<p>I&#39;ll take it &amp; post\nv2 soon.</p>"
    b"<div>On Mon, Feb 5, 2024 at 8:23 PM Release Manager wrote:<br></div>"
    b'<blockquote class="gmail_quote"><pre>    * RISC-V: full Xen build</pre>'
    b"<blockquote>older &lt;text&gt;</blockquote></blockquote>"
    b'<p>See <a href="https://gitlab.com/xen-project/xen/-/issues/28">the issue</a>.</p>'
    b"</body></html>\n"
)

FIXTURES["announce_reply_to.eml"] = (
    b"From: Release Manager <rm@example.org>\n"
    b"To: xen-announce@lists.xenproject.org\n"
    b"Cc: xen-devel@lists.xenproject.org\n"
    b"Reply-To: xen-devel@lists.xenproject.org\n"
    b"Subject: Xen 4.19 release status\n"
    b"Date: Mon, 05 Feb 2024 09:00:00 +0000\n"
    b"Message-ID: <status-0042@relbot.example>\n"
    b"List-Id: Xen announcements <xen-announce.lists.xenproject.org>\n"
    b"\n"
    b"= Timeline =\n\n* 2024-03-01 -- Feature freeze\n"
)

FIXTURES["mailman_footer_part.eml"] = (
    head(b"footer.part.1@example.org", b"Andrew Cooper <andrew.cooper3@example.com>")
    + b"MIME-Version: 1.0\n"
    b'Content-Type: multipart/mixed; boundary="===============1234=="\n\n'
    b"--===============1234==\n"
    b"Content-Type: text/plain; charset=utf-8\n"
    b"Content-Transfer-Encoding: 7bit\n\n"
    b"Deferred to 4.20, sorry.\n"
    b"--===============1234==\n"
    b"Content-Type: text/plain; charset=us-ascii\n"
    b"Content-Transfer-Encoding: 7bit\n"
    b"Content-Disposition: inline\n\n" + FOOTER + b"--===============1234==--\n"
)

FIXTURES["mailman_via_from.eml"] = (
    b"From: Jan Beulich via Xen-devel <xen-devel@lists.xenproject.org>\n"
    b"X-Original-From: Jan Beulich <jbeulich@example.com>\n"
    b"Reply-To: Jan Beulich <jbeulich@example.com>\n"
    b"To: Release Manager <rm@example.org>\n"
    b"Cc: xen-devel@lists.xenproject.org\n"
    b"Subject: Re: Xen 4.19 release status\n"
    b"Date: Mon, 05 Feb 2024 21:00:00 +0100\n"
    b"Message-ID: <via.from.1@example.com>\n"
    b"In-Reply-To: <status-0042@relbot.example>\n" + LIST_HEADERS + b"\n" + REPLY_BODY
)

FIXTURES["mailman_via_reply_to.eml"] = (
    b'From: "Juergen Gross via Xen-devel" <xen-devel@lists.xenproject.org>\n'
    b"Reply-To: Juergen Gross <jgross@example.com>\n"
    b"Subject: Re: Xen 4.19 release status\n"
    b"Message-ID: <via.replyto.1@example.com>\n" + LIST_HEADERS + b"\n" + REPLY_BODY
)

FIXTURES["broken_boundary_unclosed.eml"] = (
    head(b"unclosed.1@example.org", b"Michal Orzel <michal@example.com>") + b"MIME-Version: 1.0\n"
    b'Content-Type: multipart/alternative; boundary="b1"\n\n'
    b"--b1\n"
    b"Content-Type: text/plain; charset=utf-8\n\n"
    b"Plain part of a truncated mail.\n"
    b"--b1\n"
    b"Content-Type: text/html; charset=utf-8\n\n"
    b"<p>HTML part of a truncated mail.</p>\n"
)

FIXTURES["broken_boundary_mismatch.eml"] = (
    head(b"mismatch.1@example.org", b"Michal Orzel <michal@example.com>") + b"MIME-Version: 1.0\n"
    b'Content-Type: multipart/mixed; boundary="declared"\n\n'
    b"This is a multi-part message in MIME format.\n"
    b"--actual\n"
    b"Content-Type: text/plain; charset=utf-8\n"
    b"Content-Transfer-Encoding: quoted-printable\n\n"
    b"Committed as 0123456789ab (=22arm: fix foo=22).\n"
    b"--actual--\n"
)

FIXTURES["empty.eml"] = b""

FIXTURES["binary_junk.eml"] = bytes((i * 73 + 41) % 256 for i in range(2048))


def main() -> None:
    for name, data in FIXTURES.items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
