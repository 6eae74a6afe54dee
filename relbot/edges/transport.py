"""The sending edge: hand a finished message to SMTP, or write it to a file.

Nothing here decides what to send or to whom. SMTP answers are sorted into
temporary (4xx, a dropped connection: retried with backoff) and permanent
(5xx, TLS and login problems: raised at once) as ``DeliveryError``. A
connection lost or timed out after the whole message was transmitted is
neither: the server may have queued it without our hearing so. That is
raised at once as ``uncertain`` and never retried here; the caller looks for
the mail on the list before sending it again.
"""

from __future__ import annotations

import contextlib
import email.policy
import errno
import logging
import os
import re
import smtplib
import ssl
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from relbot.core.settings import SmtpConfig
from relbot.errors import DeliveryError

log = logging.getLogger("relbot.edges.transport")

#: CRLF, no folding below 998: with the default 78 a Message-ID longer than
#: about 77 characters in In-Reply-To/References is RFC 2047-encoded
#: (CPython gh-100991), which breaks threading in every mail client.
SMTP_POLICY = email.policy.SMTP.clone(max_line_length=998)
FILE_POLICY = SMTP_POLICY.clone(linesep="\n")


class Transport(Protocol):
    def send(self, msg: EmailMessage, *, envelope_from: str, recipients: Sequence[str]) -> None: ...


def serialise(msg: EmailMessage, policy: email.policy.Policy = SMTP_POLICY) -> bytes:
    return msg.as_bytes(policy=policy)


class _Temporary(Exception):
    """One attempt failed in a way that another attempt may not."""


class SmtpTransport:
    """Send through an SMTP server (submission with STARTTLS, SMTPS, or plain loopback)."""

    def __init__(
        self,
        config: SmtpConfig,
        password: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        backoff_base: float = 2.0,
        backoff_cap: float = 60.0,
        local_hostname: str = "localhost",
    ) -> None:
        self.config = config
        self.password = password
        self.where = f"SMTP {config.host}:{config.port}"
        self.sleep = sleep
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.local_hostname = local_hostname
        #: recipients the server refused while accepting the others (last send)
        self.refused: dict[str, tuple[int, str]] = {}

    def send(self, msg: EmailMessage, *, envelope_from: str, recipients: Sequence[str]) -> None:
        if not recipients:
            raise DeliveryError(
                f"{self.where}: no recipients for {msg['Message-ID']}", permanent=True
            )
        data = serialise(msg)
        attempts = self.config.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                self._send_once(data, envelope_from, list(recipients))
                return
            except _Temporary as exc:
                if attempt == attempts:
                    raise DeliveryError(
                        f"{exc} (gave up after {attempts} attempts; the mail was not sent)",
                        permanent=False,
                    ) from exc.__cause__
                delay = min(self.backoff_cap, self.backoff_base * 2.0 ** (attempt - 1))
                log.warning(
                    "%s; retrying in %.0f s (attempt %d of %d)", exc, delay, attempt + 1, attempts
                )
                self.sleep(delay)

    def _connect(self, context: ssl.SSLContext | None) -> smtplib.SMTP:
        cfg = self.config
        if cfg.tls == "ssl":
            return smtplib.SMTP_SSL(
                cfg.host,
                cfg.port,
                local_hostname=self.local_hostname,
                timeout=cfg.timeout,
                context=context,
            )
        return smtplib.SMTP(
            cfg.host, cfg.port, local_hostname=self.local_hostname, timeout=cfg.timeout
        )

    def _send_once(self, data: bytes, envelope_from: str, recipients: list[str]) -> None:
        cfg, where = self.config, self.where
        context = _tls_context(cfg) if cfg.tls != "none" else None
        smtp: smtplib.SMTP | None = None
        progress: _Progress | None = None
        try:
            smtp = self._connect(context)
            smtp.ehlo()
            if cfg.tls == "starttls":
                if not smtp.has_extn("starttls"):
                    raise DeliveryError(
                        f"{where}: the server does not offer STARTTLS; "
                        'refusing to send in the clear (tls = "starttls")',
                        permanent=True,
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if cfg.username:
                if not isinstance(smtp.sock, ssl.SSLSocket):
                    raise DeliveryError(
                        f"{where}: refusing to send the password for {cfg.username} without "
                        'TLS; set [smtp] tls = "starttls" or "ssl", or leave username empty',
                        permanent=True,
                    )
                smtp.login(cfg.username, self.password)
            progress = _Progress()
            self.refused = {
                rcpt: (code, _text(reply))
                for rcpt, (code, reply) in _transaction(
                    smtp, envelope_from, recipients, data, progress
                ).items()
            }
            if self.refused:
                log.warning("%s: accepted the mail but refused %s", where, self.refused)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"{where}: login failed for {cfg.username}: {exc.smtp_code} "
                f"{_text(exc.smtp_error)} — check [smtp] username and the password "
                "from password_env / password_command",
                permanent=True,
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(
                f"{where}: {exc} — set username only if the server wants AUTH", permanent=True
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            replies = {r: (code, _text(msg)) for r, (code, msg) in exc.recipients.items()}
            detail = "; ".join(f"{r}: {code} {text}" for r, (code, text) in replies.items())
            message = f"{where}: every recipient was refused: {detail}"
            if all(400 <= code < 500 for code, _ in replies.values()):
                raise _Temporary(message) from exc
            raise DeliveryError(message, permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            message = f"{where}: {exc.smtp_code} {_text(exc.smtp_error)}"
            if 400 <= exc.smtp_code < 500:
                raise _Temporary(message) from exc
            raise DeliveryError(message, permanent=True) from exc
        except ssl.SSLCertVerificationError as exc:
            raise DeliveryError(
                f"{where}: certificate verification failed ({exc.verify_message}); "
                "set [smtp] ca_file to the server's CA, or verify = false for a test server",
                permanent=True,
            ) from exc
        except ssl.SSLError as exc:
            raise DeliveryError(
                f"{where}: TLS failed ({exc.reason}) — "
                f'is tls = "{cfg.tls}" right for port {cfg.port}?',
                permanent=True,
            ) from exc
        except (smtplib.SMTPServerDisconnected, TimeoutError) as exc:
            # smtplib reports a read that timed out as a disconnection
            if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
                what = f"no answer within {cfg.timeout:g} s"
            else:
                what = f"connection dropped: {exc}"
            if progress is not None and progress.payload_sent:
                raise _uncertain(where, what) from exc
            raise _Temporary(f"{where}: {what}") from exc
        except ConnectionRefusedError as exc:
            raise _Temporary(f"{where}: connection refused — is the server running?") from exc
        except smtplib.SMTPException as exc:  # (an OSError too: keep it above OSError)
            raise DeliveryError(f"{where}: {exc}", permanent=True) from exc
        except OSError as exc:
            if progress is not None and progress.payload_sent:
                raise _uncertain(where, str(exc.strerror or exc)) from exc
            raise _Temporary(f"{where}: {exc.strerror or exc}") from exc
        finally:
            if smtp is not None:
                _quit(smtp)


class _Progress:
    """How far one SMTP transaction got."""

    def __init__(self) -> None:
        #: the message and its final "." went out: the server may have queued it
        self.payload_sent = False


def _uncertain(where: str, what: str) -> DeliveryError:
    return DeliveryError(
        f"{where}: {what}, after the whole message was sent; the server may have "
        "accepted it, so it is not sent again before it is looked for on the list",
        uncertain=True,
    )


_LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)


def _transaction(
    smtp: smtplib.SMTP,
    envelope_from: str,
    recipients: list[str],
    data: bytes,
    progress: _Progress,
) -> dict[str, tuple[int, bytes]]:
    """MAIL, RCPT and DATA, as ``smtplib.SMTP.sendmail``, noting when the payload went out.

    ``sendmail`` cannot tell a connection lost before DATA (nothing was
    delivered: safe to retry) from one lost while waiting for the answer to
    the payload (it may have been delivered), so the steps are spelled out.
    ``data`` has CRLF line endings (``SMTP_POLICY``). Returns the refused
    recipients.
    """
    options = [f"SIZE={len(data)}"] if smtp.has_extn("size") else []
    code, reply = smtp.mail(envelope_from, options)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, envelope_from)
    refused: dict[str, tuple[int, bytes]] = {}
    for rcpt in recipients:
        code, reply = smtp.rcpt(rcpt)
        if code not in (250, 251):
            refused[rcpt] = (code, reply)
    if len(refused) == len(recipients):
        raise smtplib.SMTPRecipientsRefused(refused)
    code, reply = smtp.docmd("DATA")
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    payload = _LEADING_DOT.sub(b"..", data)
    if not payload.endswith(b"\r\n"):
        payload += b"\r\n"
    smtp.send(payload + b".\r\n")
    progress.payload_sent = True
    code, reply = smtp.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)
    return refused


def _tls_context(cfg: SmtpConfig) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=cfg.ca_file or None)
    if not cfg.verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


# -- files --------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]+")


class FileTransport:
    """Write each message to ``<directory>/<UTC timestamp>-<message id>.eml``.

    The file appears complete or not at all (temp file + rename). For dry
    runs and setups with no SMTP server; the envelope is not kept.
    """

    def __init__(self, directory: Path, *, clock: Callable[[], datetime] | None = None) -> None:
        self.directory = directory
        self.clock = clock or (lambda: datetime.now(UTC))
        self.last_path: Path | None = None

    def send(self, msg: EmailMessage, *, envelope_from: str, recipients: Sequence[str]) -> None:
        stamp = self.clock().astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        ident = _UNSAFE.sub("_", str(msg["Message-ID"] or "").strip("<> ")).strip("_")[:100]
        name = f"{stamp}-{ident or 'no-message-id'}.eml"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self.last_path = _write_atomically(self.directory / name, serialise(msg, FILE_POLICY))
        except OSError as exc:
            raise DeliveryError(
                f"cannot write {self.directory / name}: {exc.strerror or exc}",
                permanent=exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EAGAIN),
            ) from exc


def _write_atomically(path: Path, data: bytes) -> Path:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".eml")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def make_transport(config: SmtpConfig, password: str, base_dir: Path) -> Transport:
    """The transport ``[smtp] transport`` names; relative outbox paths are under ``base_dir``."""
    if config.transport == "file":
        outbox = Path(config.outbox_dir).expanduser()
        return FileTransport(outbox if outbox.is_absolute() else base_dir / outbox)
    return SmtpTransport(config, password)
