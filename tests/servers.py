"""Real mail servers for the edge tests: Dovecot (IMAP + LMTP) and an aiosmtpd list.

Both listen on free loopback ports and live in a temp dir of their own. Every
start has a matching stop in a ``finally``; a Dovecot master is started in its
own session so that stopping it can also reap any child it left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from imapclient import IMAPClient

from tests.localserver import LocalServer, free_port

DOVECOT = Path("/usr/sbin/dovecot")
DOVEADM = Path("/usr/bin/doveadm")
INSTALL_HINT = (
    "run scripts/install-system-deps (as root) to install dovecot-imapd and dovecot-lmtpd"
)
NOBODY = 65534
USER = "relbot"
PASSWORD = "secret"
#: a user whose login succeeds but whose session cannot start (no uid in the userdb)
BROKEN_USER = "broken"

_CONFIG = """\
protocols = imap lmtp
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/log/dovecot.log
{ssl}
auth_mechanisms = plain login
auth_failure_delay = 0
auth_username_format = %Ln
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/passwd
}}
userdb {{
  driver = passwd-file
  args = {d}/passwd
}}
mail_location = maildir:{d}/mail/%n:LAYOUT=fs
mail_max_userip_connections = 50
lda_mailbox_autocreate = yes
lmtp_save_to_detail_mailbox = yes
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
"""


def require_dovecot() -> None:
    """Fail loudly, never skip, when the Dovecot binaries are missing."""
    missing = [str(p) for p in (DOVECOT, DOVEADM) if not p.exists()]
    lmtp = Path("/usr/lib/dovecot/lmtp")
    if not lmtp.exists():
        missing.append(str(lmtp))
    if missing:
        raise RuntimeError(f"missing {', '.join(missing)}: {INSTALL_HINT}")


class Dovecot(LocalServer):
    """One private Dovecot instance: IMAP on ``imap_port``, LMTP on ``lmtp_port``."""

    kind = "dovecot"
    user = USER
    password = PASSWORD

    def __init__(self, root: Path | None = None, tls: TlsCert | None = None) -> None:
        """``tls``: also offer STARTTLS on ``imap_port`` and implicit TLS on ``imaps_port``."""
        require_dovecot()
        self.tls = tls
        self._own_root = root is None
        self.root = Path(tempfile.mkdtemp(prefix="relbot-dovecot-")) if root is None else root
        self.imap_port = free_port()
        self.lmtp_port = free_port()
        # port 0 disables the listener (a root Dovecot would otherwise take :993)
        self.imaps_port = free_port() if tls is not None else 0
        self.conf = self.root / "dovecot.conf"
        self.log = self.root / "log" / "dovecot.log"
        self.mail = self.root / "mail"
        self._proc: subprocess.Popen[bytes] | None = None
        self._write_config()

    # -- lifecycle -------------------------------------------------------------

    def _write_config(self) -> None:
        # The auth and mail processes run as other users: every directory on
        # the way to the passwd file and the mail must be traversable.
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        for sub in ("run", "state", "log"):
            (self.root / sub).mkdir(exist_ok=True)
        self.mail.mkdir(exist_ok=True)
        os.chown(self.mail, NOBODY, NOBODY)
        ssl_settings = "ssl = no"
        if self.tls is not None:
            ssl_settings = f"ssl = yes\nssl_cert = <{self.tls.cert}\nssl_key = <{self.tls.key}"
        self.conf.write_text(
            _CONFIG.format(
                d=self.root,
                ssl=ssl_settings,
                imap_port=self.imap_port,
                imaps_port=self.imaps_port,
                lmtp_port=self.lmtp_port,
            )
        )
        (self.root / "passwd").write_text(
            f"{USER}:{{PLAIN}}{PASSWORD}:{NOBODY}:{NOBODY}::{self.mail / USER}::\n"
            f"{BROKEN_USER}:{{PLAIN}}{PASSWORD}:::::\n"
        )

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self, timeout: float = 10.0) -> None:
        if self._proc is not None:
            raise RuntimeError("Dovecot is already running")
        with (self.root / "log" / "stdout.log").open("ab") as out:
            self._proc = subprocess.Popen(
                [str(DOVECOT), "-F", "-c", str(self.conf)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_ready(timeout, interval=0.01)
        except BaseException:
            self.stop()
            raise

    def _probe(self) -> tuple[bool, str]:
        try:
            with socket.create_connection((self.host, self.imap_port), timeout=1.0) as s:
                greeting = s.recv(200)
        except OSError as exc:
            return False, str(exc)
        return greeting.startswith(b"* OK"), greeting.decode("ascii", "replace")

    def stop(self, timeout: float = 0.5) -> None:
        """SIGTERM the master's session and wait; SIGKILL it after ``timeout``.

        Signalling only the master costs a second (it waits for its children),
        and a master that catches SIGTERM while a child starts or exits can
        linger for seconds. The mail processes have exited by then and every
        change they made is on disk, so a short grace is enough.
        """
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    _killpg(proc.pid)
                    proc.wait()
        finally:
            self._reap_session(proc.pid)

    def kill(self) -> None:
        """Crash the server: SIGKILL the master and every process it started."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            _killpg(proc.pid)
            proc.wait()
        finally:
            self._reap_session(proc.pid)

    def restart(self) -> None:
        """Stop and start again on the same ports and the same mail."""
        self.stop()
        self.start()

    def _reap_session(self, sid: int, timeout: float = 5.0) -> None:
        # Children notice the master's death and exit on their own; wait for
        # that, then kill any straggler so no test leaves a process behind.
        deadline = time.monotonic() + timeout
        while session_pids(sid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if session_pids(sid):
            _killpg(sid)

    def processes(self) -> list[int]:
        """Pids of the running master's session (empty when stopped)."""
        return session_pids(self._proc.pid) if self._proc is not None else []

    def _remove(self) -> None:
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            text = ""
        out = self.root / "log" / "stdout.log"
        with contextlib.suppress(OSError):
            text += out.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    # -- mail --------------------------------------------------------------------

    def client(self, user: str = USER, password: str = PASSWORD) -> IMAPClient:
        """A logged-in imapclient connection (the caller logs out)."""
        c = IMAPClient(self.host, self.imap_port, ssl=False, timeout=10)
        try:
            c.login(user, password)
        except BaseException:
            c.shutdown()
            raise
        return c

    def create(self, folder: str) -> None:
        c = self.client()
        try:
            if not c.folder_exists(folder):
                c.create_folder(folder)
        finally:
            c.logout()

    def append(self, folder: str, raw: bytes, flags: Sequence[str] = ()) -> int:
        """IMAP APPEND (creating the folder if needed); returns the new UID."""
        c = self.client()
        try:
            if not c.folder_exists(folder):
                c.create_folder(folder)
            resp = c.append(folder, raw, flags=tuple(flags))
        finally:
            c.logout()
        m = re.search(rb"APPENDUID \d+ (\d+)", resp)
        if m is None:
            raise RuntimeError(f"APPEND gave no APPENDUID: {resp!r}")
        return int(m.group(1))

    def flags(self, folder: str, uid: int) -> tuple[bytes, ...]:
        c = self.client()
        try:
            c.select_folder(folder, readonly=True)
            got = c.get_flags([uid])
        finally:
            c.logout()
        return tuple(got.get(uid, ()))

    def deliver_lmtp(
        self, raw: bytes, folder: str = "INBOX", sender: str = "list@localhost"
    ) -> None:
        """Deliver one message over LMTP; Dovecot files it into ``folder``."""
        rcpt = USER if folder == "INBOX" else f"{USER}+{folder}"
        # smtplib reads a single LMTP reply, so one recipient per transaction.
        lmtp = smtplib.LMTP(self.host, self.lmtp_port, timeout=10)
        try:
            lmtp.sendmail(sender, [f"{rcpt}@localhost"], raw)
        finally:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                lmtp.quit()
            lmtp.close()

    def folder_dir(self, folder: str) -> Path:
        home = self.mail / USER
        return home if folder == "INBOX" else home / folder

    def write_maildir(self, folder: str, messages: Iterable[bytes], seen: bool = False) -> int:
        """Write messages straight into ``folder``'s ``cur/`` (fast, for big folders).

        Works with the server running or stopped; Dovecot indexes the files the
        next time the folder is opened.
        """
        target = self.folder_dir(folder)
        created = _makedirs_owned(target, stop_at=self.mail)
        for sub in ("cur", "new", "tmp"):
            (target / sub).mkdir(exist_ok=True)
            os.chown(target / sub, NOBODY, NOBODY)
        del created
        stamp = int(time.time())
        count = 0
        flags = "S" if seen else ""
        for count, raw in enumerate(messages, start=1):
            name = target / "cur" / f"{stamp}.M{count}P{os.getpid()}.relbot,S={len(raw)}:2,{flags}"
            # one fd for write and chown: several times faster than by path
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                os.fchown(fd, NOBODY, NOBODY)
                f.write(raw)
        return count

    def uidvalidity(self, folder: str) -> int:
        c = self.client()
        try:
            info = c.select_folder(folder, readonly=True)
        finally:
            c.logout()
        return int(info[b"UIDVALIDITY"])

    def change_uidvalidity(self, folder: str) -> int:
        """Give ``folder`` a new UIDVALIDITY (as after a server-side rebuild)."""
        new = self.uidvalidity(folder) + 1
        subprocess.run(
            [
                str(DOVEADM),
                "-c",
                str(self.conf),
                "mailbox",
                "update",
                "-u",
                USER,
                "--uid-validity",
                str(new),
                folder,
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
        return new


def _makedirs_owned(path: Path, stop_at: Path) -> list[Path]:
    created: list[Path] = []
    for p in reversed([path, *path.parents]):
        if p == stop_at or stop_at not in p.parents:
            continue
        if not p.exists():
            p.mkdir()
            os.chown(p, NOBODY, NOBODY)
            created.append(p)
    return created


def _killpg(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def session_pids(sid: int) -> list[int]:
    """Pids of live (non-zombie) processes whose session id is ``sid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp session ..."; comm may contain spaces
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            found.append(int(entry.name))
    return found


# -- TLS ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TlsCert:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx


def make_cert(directory: Path, name: str = "localhost") -> TlsCert:
    """A self-signed certificate for localhost and 127.0.0.1."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subj = ["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
    argv = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
    argv += ["-keyout", str(key), "-out", str(cert), *subj]
    subprocess.run(argv, check=True, capture_output=True, timeout=60)
    return TlsCert(cert, key)


# -- the mailing list (SMTP) ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Received:
    """One message the list accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    login: str


@dataclass
class ListServer:
    """aiosmtpd playing the mailing list: STARTTLS, then AUTH, then DATA.

    ``replies`` queues answers for the next DATA commands (``"451 4.3.0 try
    later"``, ``"550 5.7.1 no"``, ``"drop"`` to close the connection instead
    of answering, or ``"stall"`` to accept and deliver the mail, set
    ``stalled``, and hold the 250 back until ``unstall`` is set: a client can
    be killed after the list took its mail but before it heard so); when it
    is empty the mail is accepted, recorded in ``received`` and, when
    ``deliver_to`` is set, delivered over LMTP into ``deliver_folder`` so the
    poller sees the list's copy.
    """

    cert: TlsCert | None
    implicit_tls: bool = False
    auth: bool = True
    deliver_to: Dovecot | None = None
    deliver_folder: str = "INBOX"
    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    replies: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    data_attempts: int = 0
    stalled: threading.Event = field(default_factory=threading.Event)
    unstall: threading.Event = field(default_factory=threading.Event)
    _controller: Controller | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        kwargs: dict[str, Any] = {}
        if self.cert is not None:
            ctx = self.cert.server_context()
            if self.implicit_tls:
                kwargs["ssl_context"] = ctx
            else:
                kwargs.update(tls_context=ctx, require_starttls=True)
        if self.auth:
            if self.cert is None:
                raise ValueError("AUTH needs TLS (aiosmtpd warns about AUTH in the clear)")
            if self.implicit_tls:
                # aiosmtpd only counts STARTTLS as TLS for AUTH, so on an SMTPS
                # port AUTH must be offered "without TLS", and then it cannot
                # be required without a warning: it is optional here.
                kwargs.update(authenticator=_authenticate, auth_require_tls=False)
            else:
                kwargs.update(
                    authenticator=_authenticate, auth_required=True, auth_require_tls=True
                )
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, **kwargs)
        self._controller.start()

    def stop(self) -> None:
        self.unstall.set()  # a held answer must not keep the server from stopping
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _next_reply(self) -> str | None:
        with self._lock:
            self.data_attempts += 1
            return self.replies.pop(0) if self.replies else None


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


class _Handler:
    def __init__(self, owner: ListServer) -> None:
        self.owner = owner

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = self.owner._next_reply()
        if reply == "drop":
            assert server.transport is not None
            server.transport.close()
            return "421 4.3.0 closing"
        if reply is not None and reply != "stall":
            return reply
        raw = envelope.original_content or b""
        sender = envelope.mail_from or ""
        login = session.auth_data.login.decode() if session.auth_data else ""
        self.owner.received.append(Received(sender, tuple(envelope.rcpt_tos), raw, login))
        target = self.owner.deliver_to
        if target is not None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(
                None, target.deliver_lmtp, raw, self.owner.deliver_folder, sender
            )
        if reply == "stall":
            self.owner.stalled.set()
            await asyncio.get_running_loop().run_in_executor(None, self.owner.unstall.wait, 60.0)
        return "250 2.0.0 OK queued"
