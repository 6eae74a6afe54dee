"""Shared fixtures: a private Dovecot, the aiosmtpd list server and its certificate, and a
private PostgreSQL server (``postgres``, ``pg_url``; ``store_url`` runs a test on SQLite and
on PostgreSQL in turn).

A missing Dovecot is an error, not a skip: the edge tests are the only proof
that relbot talks to real servers correctly.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg import pg_url, postgres, store_url  # noqa: F401  (fixtures for every test)
from servers import DOVECOT, INSTALL_HINT, Dovecot, ListServer, TlsCert, make_cert, require_dovecot


@pytest.fixture(scope="session")
def dovecot_binary() -> Path:
    """The Dovecot master binary; the test errors (never skips) when it is missing."""
    try:
        require_dovecot()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    return DOVECOT


@pytest.fixture
def dovecot(dovecot_binary: Path) -> Iterator[Dovecot]:
    """A running Dovecot with user relbot/secret, IMAP and LMTP on loopback."""
    with Dovecot() as server:
        yield server


@pytest.fixture
def dovecot_tls(dovecot_binary: Path, tls_cert: TlsCert) -> Iterator[Dovecot]:
    """Like ``dovecot``, with STARTTLS on ``imap_port`` and TLS on ``imaps_port``."""
    with Dovecot(tls=tls_cert) as server:
        yield server


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> TlsCert:
    """A self-signed certificate for localhost / 127.0.0.1."""
    if shutil.which("openssl") is None:
        pytest.fail(f"openssl not found: {INSTALL_HINT}", pytrace=False)
    return make_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def other_cert(tmp_path_factory: pytest.TempPathFactory) -> TlsCert:
    """A second, unrelated self-signed certificate (the wrong CA for tls_cert)."""
    if shutil.which("openssl") is None:
        pytest.fail(f"openssl not found: {INSTALL_HINT}", pytrace=False)
    return make_cert(tmp_path_factory.mktemp("tls-other"), name="other")


@pytest.fixture
def list_server(tls_cert: TlsCert) -> Iterator[ListServer]:
    """The mailing list: STARTTLS required, then AUTH relbot/secret.

    Set ``list_server.deliver_to = dovecot`` (and ``deliver_folder``) to have
    accepted mail delivered into a Dovecot folder over LMTP.
    """
    with ListServer(tls_cert) as server:
        yield server
