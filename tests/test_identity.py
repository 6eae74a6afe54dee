"""Sender verification with real cryptography: keys made here, mail signed by dkimpy.

Each mail's expected verdict is asserted: who it proves to be the author and
whether that is proven. dkimpy looks keys up through its ``dnsfunc`` hook in
the test's own key table; no lookup leaves the process.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from relbot.core.identity import Status, Verification, header_fields, verify_sender
from relbot.core.settings import TrustConfig
from relbot.edges.config import load_config
from relbot.edges.dkim import caching, check_message, within
from relbot.errors import ConfigError
from tests.dkimkit import KeyTable, mail, through_list

RM = "Ian Campbell <ian.campbell@citrix.example>"
OWNER = "Roger Pau Monne <roger.pau@citrix.example>"
LIST = "lists.xen.example"
DKIM = TrustConfig(mode="dkim", list_domains=(LIST,))
RESULTS = TrustConfig(
    mode="authentication-results", authserv_ids=("mx.relbot.example",), list_domains=(LIST,)
)


@pytest.fixture(scope="module")
def keys() -> KeyTable:
    table = KeyTable()
    for domain in ("citrix.example", "attacker.example", "member.example", LIST):
        table.add(domain)
    return table


def check(keys: KeyTable, raw: bytes, settings: TrustConfig = DKIM) -> Verification:
    crypto = check_message(raw, dnsfunc=keys.dnsfunc)
    return verify_sender(header_fields(raw), crypto, settings)


# -- controls: what must still be proven ----------------------------------------


def test_signed_mail_of_the_rm_is_verified(keys: KeyTable) -> None:
    got = check(keys, keys.sign(mail(RM), "citrix.example"))
    assert (got.status, got.author, got.method) == (
        Status.PASS,
        "ian.campbell@citrix.example",
        "dkim",
    )
    assert got.summary() == "pass (dkim, citrix.example)"


def test_signed_mail_of_an_owner_is_verified(keys: KeyTable) -> None:
    got = check(keys, keys.sign(mail(OWNER, body="This is done.\n"), "citrix.example"))
    assert got.verified and got.author == "roger.pau@citrix.example"


def test_subdomain_signature_aligns(keys: KeyTable) -> None:
    keys.add("mail.citrix.example")
    got = check(keys, keys.sign(mail(RM), "mail.citrix.example"))
    assert got.verified and got.domain == "mail.citrix.example"


def test_list_tag_and_footer_break_dkim_and_the_lists_arc_vouches(keys: KeyTable) -> None:
    signed = keys.sign(mail(OWNER), "citrix.example")
    listed = through_list(
        keys, signed, list_domain=LIST, verified="dkim=pass header.d=citrix.example"
    )
    crypto = check_message(listed, dnsfunc=keys.dnsfunc)
    assert not crypto.signatures[0].valid  # the footer broke the author's signature
    assert crypto.arc == "pass"
    got = verify_sender(header_fields(listed), crypto, DKIM)
    assert (got.status, got.author, got.method, got.domain) == (
        Status.PASS,
        "roger.pau@citrix.example",
        "arc",
        LIST,
    )


def test_rewritten_from_takes_the_author_the_list_verified(keys: KeyTable) -> None:
    signed = keys.sign(mail(OWNER), "citrix.example")
    listed = through_list(
        keys,
        signed,
        list_domain=LIST,
        verified="dkim=pass header.d=citrix.example; dmarc=pass header.from=citrix.example",
        rewrite_from=f"Roger Pau Monne via Xen-devel <xen-devel@{LIST}>",
    )
    got = check(keys, listed)
    assert got.verified and got.rewritten
    assert (got.author, got.name) == ("roger.pau@citrix.example", "Roger Pau Monne")


# -- forgeries and breakage: nothing proven ----------------------------------------


def test_tampered_body_is_not_verified(keys: KeyTable) -> None:
    signed = keys.sign(mail(RM, body="#relbot hold\n"), "citrix.example")
    tampered = signed.replace(b"#relbot hold", b"#relbot approve")
    got = check(keys, tampered)
    assert got.status is Status.FAIL and "body hash mismatch" in got.detail


def test_changed_signed_header_is_not_verified(keys: KeyTable) -> None:
    signed = keys.sign(mail(RM), "citrix.example")
    changed = signed.replace(b"In-Reply-To: <status@", b"In-Reply-To: <other@")
    got = check(keys, changed)
    assert got.status is Status.FAIL and "not valid" in got.detail


def test_signature_of_another_domain_proves_nothing_of_the_from(keys: KeyTable) -> None:
    forged = keys.sign(mail(RM), "attacker.example")
    got = check(keys, forged)
    assert got.status is Status.FAIL
    assert "attacker.example does not align with citrix.example" in got.detail


def test_expired_signature_is_not_verified(keys: KeyTable) -> None:
    got = check(keys, keys.sign_expired(mail(RM), "citrix.example"))
    assert got.status is Status.FAIL and "x= value is past" in got.detail


def test_unsigned_mail_is_not_verified(keys: KeyTable) -> None:
    got = check(keys, mail(RM))
    assert got.status is Status.FAIL and got.detail.startswith("no DKIM signature")


def test_unknown_selector_is_not_verified(keys: KeyTable) -> None:
    keys.add("citrix.example", selector="gone")
    signed = keys.sign(mail(RM), "citrix.example", selector="gone")
    del keys.records[b"gone._domainkey.citrix.example."]
    assert check(keys, signed).status is Status.FAIL


def test_display_name_of_the_rm_from_another_address_is_that_address(keys: KeyTable) -> None:
    got = check(
        keys, keys.sign(mail("Ian Campbell <ian.campbell@attacker.example>"), "attacker.example")
    )
    # verified, but as the attacker's address: being the RM is decided by address
    assert got.verified and got.author == "ian.campbell@attacker.example"


def test_x_original_from_of_a_member_is_ignored(keys: KeyTable) -> None:
    raw = mail("Mallory <mallory@member.example>", extra=f"X-Original-From: {RM}\n")
    got = check(keys, keys.sign(raw, "member.example"))
    assert got.author == "mallory@member.example"


def test_reply_to_of_a_member_is_ignored(keys: KeyTable) -> None:
    raw = mail("Mallory <mallory@member.example>", extra=f"Reply-To: {RM}\n")
    got = check(keys, keys.sign(raw, "member.example"))
    assert got.author == "mallory@member.example"


def test_reply_to_under_a_rewritten_from_needs_the_lists_word(keys: KeyTable) -> None:
    # Mallory posts through the list with Reply-To naming the RM; the list
    # rewrites From and keeps Reply-To; it verified Mallory's domain only
    raw = mail("Mallory <mallory@member.example>", extra=f"Reply-To: {RM}\n")
    signed = keys.sign(raw, "member.example")
    head, _, body = signed.partition(b"\r\n\r\n")
    head = head.replace(
        b"From: Mallory <mallory@member.example>",
        f"From: Mallory via Xen-devel <xen-devel@{LIST}>".encode(),
    )
    listed = through_list(
        keys,
        head + b"\r\n\r\n" + body,
        list_domain=LIST,
        verified="dkim=pass header.d=member.example",
    )
    got = check(keys, listed)
    assert got.status is Status.FAIL and got.author == f"xen-devel@{LIST}"
    assert "ian.campbell@citrix.example not taken" in got.detail
    assert got.name == "Mallory"  # the list's From, not the name Reply-To gives


def test_forged_from_through_the_list_stays_unverified(keys: KeyTable) -> None:
    listed = through_list(
        keys,
        mail(RM),
        list_domain=LIST,
        verified="dkim=none; dmarc=fail header.from=citrix.example",
    )
    got = check(keys, listed)
    assert got.status is Status.FAIL and "did not verify citrix.example" in got.detail


def test_arc_seal_of_a_domain_that_is_no_configured_list(keys: KeyTable) -> None:
    listed = through_list(
        keys,
        mail(RM),
        list_domain="attacker.example",
        verified="dkim=pass header.d=citrix.example",
    )
    got = check(keys, listed)
    assert got.status is Status.FAIL and "not a configured list" in got.detail


def test_replayed_list_mail_with_a_new_body_and_a_new_seal(keys: KeyTable) -> None:
    signed = keys.sign(mail(RM, body="#relbot hold\n"), "citrix.example")
    listed = through_list(
        keys, signed, list_domain=LIST, verified="dkim=pass header.d=citrix.example"
    )
    replayed = keys.arc_seal(
        listed.replace(b"#relbot hold", b"#relbot approve"), "attacker.example"
    )
    got = check(keys, replayed)
    assert got.status is Status.FAIL


# -- Authentication-Results -----------------------------------------------------------


def _received(raw: bytes, *results: str) -> bytes:
    return b"".join(f"Authentication-Results: {r}\r\n".encode() for r in results) + raw


def test_results_of_the_trusted_server_verify(keys: KeyTable) -> None:
    raw = _received(
        mail(RM),
        "mx.relbot.example; dkim=pass header.d=citrix.example; "
        "dmarc=pass header.from=citrix.example",
    )
    got = verify_sender(header_fields(raw), None, RESULTS)
    assert got.verified and got.method == "authentication-results"
    assert got.domain == "mx.relbot.example"


def test_results_of_an_untrusted_server_do_not(keys: KeyTable) -> None:
    raw = _received(mail(RM), "mx.attacker.example; dkim=pass header.d=citrix.example")
    got = verify_sender(header_fields(raw), None, RESULTS)
    assert got.status is Status.FAIL
    assert "no Authentication-Results from a trusted server (found mx.attacker.example)" in (
        got.detail
    )


def test_only_the_topmost_trusted_results_count(keys: KeyTable) -> None:
    # the sender wrote the lower header, naming the receiving server
    forged = _received(mail(RM), "mx.relbot.example; dkim=pass header.d=citrix.example")
    raw = _received(forged, "mx.relbot.example; dkim=fail header.d=citrix.example; dmarc=fail")
    got = verify_sender(header_fields(raw), None, RESULTS)
    assert got.status is Status.FAIL and "did not verify" in got.detail


def test_results_for_another_domain_do_not_verify_the_from(keys: KeyTable) -> None:
    raw = _received(mail(RM), "mx.relbot.example; dkim=pass header.d=attacker.example")
    assert verify_sender(header_fields(raw), None, RESULTS).status is Status.FAIL


def test_results_with_arc_of_a_rewriting_list(keys: KeyTable) -> None:
    signed = keys.sign(mail(OWNER), "citrix.example")
    listed = through_list(
        keys,
        signed,
        list_domain=LIST,
        verified="dkim=pass header.d=citrix.example",
        rewrite_from=f"Roger Pau Monne via Xen-devel <xen-devel@{LIST}>",
    )
    raw = _received(listed, f"mx.relbot.example; arc=pass; dkim=pass header.d={LIST}")
    got = verify_sender(header_fields(raw), None, RESULTS)
    assert got.verified and got.author == "roger.pau@citrix.example"
    no_arc = _received(listed, f"mx.relbot.example; arc=fail; dkim=pass header.d={LIST}")
    got = verify_sender(header_fields(no_arc), None, RESULTS)
    assert got.status is Status.FAIL and got.author == f"xen-devel@{LIST}"


def test_unreadable_results_of_the_trusted_server_never_fall_through(keys: KeyTable) -> None:
    forged = _received(mail(RM), "mx.relbot.example; dkim=pass header.d=citrix.example")
    raw = _received(forged, "mx.relbot.example; dkim=pass header.d=\x01\x02 ((")
    assert verify_sender(header_fields(raw), None, RESULTS).status is Status.FAIL


# -- the other modes and the plumbing --------------------------------------------------


def test_mode_none_checks_nothing(keys: KeyTable) -> None:
    got = verify_sender(header_fields(mail(RM)), None, TrustConfig(mode="none"))
    assert got.status is Status.UNCHECKED and got.author == "ian.campbell@citrix.example"
    assert not TrustConfig(mode="none").needs("release_manager")
    assert DKIM.needs("release_manager") and DKIM.needs("owner")
    assert not DKIM.needs("anyone")


def test_no_lookup_leaves_the_key_table(keys: KeyTable) -> None:
    keys.lookups.clear()
    check(keys, keys.sign(mail(RM), "citrix.example"))
    assert keys.lookups == [b"s1._domainkey.citrix.example."]


def test_caching_asks_once_per_key(keys: KeyTable) -> None:
    keys.lookups.clear()
    lookup = caching(keys.dnsfunc)
    raw = keys.sign(mail(RM), "citrix.example")
    for _ in range(3):
        assert check_message(raw, dnsfunc=lookup).signatures[0].valid
    assert len(keys.lookups) == 1


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"From: nobody\r\n\r\n",
        b"DKIM-Signature: v=1; d=\r\nFrom: a@b.example\r\n\r\nx",
        b"ARC-Seal: i=x\r\nFrom: a@b.example\r\n\r\nx",
        b"DKIM-Signature: \xff\xfe\r\nFrom: a@b.example\r\n\r\n",
    ],
)
def test_malformed_mail_never_raises(keys: KeyTable, raw: bytes) -> None:
    assert check(keys, raw).status is Status.FAIL


def test_two_from_addresses_prove_nothing(keys: KeyTable) -> None:
    raw = keys.sign(mail(f"{RM}, {OWNER}"), "citrix.example")
    got = check(keys, raw)
    assert got.status is Status.FAIL and got.detail == "2 From addresses"


def test_config_reads_trust_and_refuses_results_without_a_server(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[trust]\nmode = "authentication-results"\nauthserv_ids = ["mx.relbot.example"]\n'
        'require_verified = ["release_manager", "owner", "anyone"]\n'
    )
    trust = load_config(path).trust
    assert trust.authserv_ids == ("mx.relbot.example",) and trust.needs("anyone")
    path.write_text('[trust]\nmode = "authentication-results"\n')
    with pytest.raises(ConfigError, match=r"\[trust\] authserv_ids: required"):
        load_config(path)
    path.write_text('[trust]\nrequire_verified = ["rm"]\n')
    with pytest.raises(ConfigError, match=r"\[trust\] require_verified\[0\]: expected one of"):
        load_config(path)
    assert load_config(_empty(tmp_path)).trust.mode == "dkim"


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.toml"
    path.write_text("")
    return path


TAGS = "bh=AA==; b=AA=="


def test_lookups_stay_bounded_whatever_the_sender_adds(keys: KeyTable) -> None:
    raw = mail(RM)
    for n in range(30):
        raw = (
            f"DKIM-Signature: v=1; a=rsa-sha256; d=x{n}.example; s=s; h=from; {TAGS}\r\n".encode()
            + raw
        )
    for n in range(1, 20):
        raw = (
            f"ARC-Seal: i={n}; a=rsa-sha256; cv=pass; d=x.example; s=s; b=AA==\r\n"
            f"ARC-Message-Signature: i={n}; a=rsa-sha256; d=x.example; s=s; h=from; {TAGS}\r\n"
            f"ARC-Authentication-Results: i={n}; x.example; dkim=pass header.d=citrix.example\r\n"
        ).encode() + raw
    keys.lookups.clear()
    crypto = check_message(raw, dnsfunc=keys.dnsfunc)
    assert len(crypto.signatures) == 8 and len(keys.lookups) <= 8
    assert crypto.arc == "fail" and "19 ARC sets" in crypto.arc_reason
    assert verify_sender(header_fields(raw), crypto, DKIM).status is Status.FAIL


def test_slow_lookups_get_a_bounded_time_per_message(keys: KeyTable) -> None:
    calls: list[bytes] = []

    def slow(name: bytes, timeout: int = 5) -> bytes | None:
        calls.append(name)
        time.sleep(0.05)
        return keys.dnsfunc(name, timeout=timeout)

    raw = keys.sign(mail(RM), "citrix.example")
    for n in range(7):  # the sender's own signatures above the real one, looked up first
        bogus = f"DKIM-Signature: v=1; a=rsa-sha256; d=x{n}.example; s=s; h=from; {TAGS}\r\n"
        raw = bogus.encode() + raw
    crypto = check_message(raw, dnsfunc=within(slow, 0.12))
    assert 2 <= len(calls) <= 3  # at least 0.15 s spent after three: the rest find no key
    assert not any(s.valid for s in crypto.signatures)
    assert check_message(raw, dnsfunc=within(slow, 10)).signatures[7].valid


def test_a_store_from_before_verification_is_migrated(tmp_path: Path) -> None:
    import datetime as dt

    import sqlalchemy as sa

    from relbot.edges.store.store import Store

    url = f"sqlite:///{tmp_path / 'old.db'}"
    at = dt.datetime(2012, 4, 17, tzinfo=dt.UTC)
    store = Store(url)
    with store.transaction() as conn:
        store.record_message(conn, message_id="old@x", raw=b"x", state="applied", at=at)
    with store.transaction() as conn:  # as a store made before [trust] left it
        conn.execute(sa.text("ALTER TABLE messages DROP COLUMN verification"))
        conn.execute(sa.text("DELETE FROM schema_migrations WHERE name LIKE '0003%'"))
    store.close()
    again = Store(url)
    with again.transaction() as conn:
        again.record_message(
            conn,
            message_id="new@x",
            raw=b"y",
            state="applied",
            at=at,
            verification="pass (dkim, x)",
        )
    rows = {m.message_id: m.verification for m in again.messages()}
    assert rows == {"old@x": "", "new@x": "pass (dkim, x)"}
    assert again.migrate() == []
    again.close()
