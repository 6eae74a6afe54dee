"""config.toml, read once and strictly into frozen dataclasses.

Every table maps onto a dataclass; the loader checks each key against the
dataclass's fields (unknown keys are rejected with a did-you-mean) and each
value against the field's type, so an error always names the key, what was
expected and what was found. Nothing falls back to a default when a value is
present but invalid. Secrets never live here: only the name of an environment
variable or a command that prints the password.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import ipaddress
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from relbot.core.outline_model import OutlineHints
from relbot.errors import ConfigError

TlsMode = Literal["ssl", "starttls", "none"]


@dataclass(frozen=True, slots=True)
class MilestoneConfig:
    when: str
    label: str
    date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class SectionConfig:
    key: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class ReleaseConfig:
    name: str = ""
    next_release: str = ""
    #: the milestone label after which new items from non-RMs wait for an RM
    freeze_milestone: str = "Feature Freeze"
    milestones: tuple[MilestoneConfig, ...] = ()
    sections: tuple[SectionConfig, ...] = ()


@dataclass(frozen=True, slots=True)
class PeopleConfig:
    #: "Name <address>" of each release manager
    release_managers: tuple[str, ...] = ()
    #: extra addresses a person writes from: {"George Dunlap" = ["george@xen.org"]}
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoreConfig:
    url: str = "sqlite:///var/relbot.db"


@dataclass(frozen=True, slots=True)
class MailboxConfig:
    #: where replies come from: a local maildir or mbox, or an IMAP account
    source: Literal["maildir", "mbox", "imap"] = "maildir"
    path: str = "var/mail"


@dataclass(frozen=True, slots=True)
class ImapConfig:
    host: str = "127.0.0.1"
    port: int = 993
    tls: TlsMode = "ssl"
    verify: bool = True
    ca_file: str = ""
    username: str = ""
    password_env: str = ""
    password_command: str = ""
    folders: tuple[str, ...] = ("INBOX",)
    timeout: float = 30.0
    idle: bool = True
    #: seconds; IDLE is renewed before the server's 30-minute limit
    idle_renew: float = 24 * 60.0
    batch_size: int = 500


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    transport: Literal["smtp", "file"] = "file"
    host: str = "127.0.0.1"
    port: int = 587
    tls: TlsMode = "starttls"
    verify: bool = True
    ca_file: str = ""
    username: str = ""
    password_env: str = ""
    password_command: str = ""
    timeout: float = 30.0
    retries: int = 3
    #: the file transport writes one .eml per message here
    outbox_dir: str = "var/outbox"


@dataclass(frozen=True, slots=True)
class MailConfig:
    from_addr: str = "relbot <relbot@localhost>"
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    #: also Cc the owners of open blockers (addresses from [people.aliases])
    cc_blocker_owners: bool = False
    reply_to: str = ""
    subject: str = "{release} Release Plan / TODO"
    message_id_domain: str = "localhost"
    threading: Literal["chain", "standalone"] = "chain"
    #: subject tags a list adds, stripped when matching subjects
    list_tags: tuple[str, ...] = ()
    #: a mail whose send was interrupted is sent again only when it is still
    #: not in the folder this long after the attempt (a slow or moderated list)
    resend_after_minutes: float = 60.0


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    #: weekday name and time, e.g. "mon 12:00"
    send: str = "mon 12:00"
    timezone: str = "UTC"
    #: seconds between polls when the server has no IDLE
    poll_interval: float = 300.0
    misfire_grace_hours: float = 6.0
    review: Literal["auto", "preview", "approve"] = "auto"
    #: hours before the send time that the preview goes to the RMs
    preview_hours: float = 24.0


@dataclass(frozen=True, slots=True)
class RenderConfig:
    template: str = "templates/status.txt.j2"
    width: int = 72
    #: show "[T12]" after each bullet; off reproduces a hand-written mail's look
    item_ids: bool = False
    #: list the unclaimed blockers and ask for volunteers
    call_for_volunteers: bool = True
    volunteer_text: str = "Volunteers wanted for these unclaimed items:"
    #: sections whose unclaimed items are listed (words of the section's key)
    volunteer_sections: tuple[str, ...] = ("blocker",)
    #: add a "changes since last week" part
    changes: bool = True
    #: ``{title}`` and ``{key}`` are the section's
    heading_style: str = "{title}:"
    greeting: str = "Plan for a {release} release:"
    timeline_intro: str = "The time line is as follows:"
    marker: str = "<< WE ARE HERE"
    marker_column: int = 55
    indent: int = 6
    step: int = 8
    #: days a done or dropped item stays in the mail
    done_days: int = 7
    keep_layout: bool = True
    max_changes: int = 20


@dataclass(frozen=True, slots=True)
class ParsingConfig:
    command_prefix: str = "#relbot"
    #: actions below this confidence wait for the RM
    confidence_threshold: float = 0.8
    tracker_prefixes: tuple[str, ...] = ()
    #: the largest message relbot reads in full; larger ones are quarantined
    max_message_bytes: int = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Config:
    release: ReleaseConfig = ReleaseConfig()
    people: PeopleConfig = PeopleConfig()
    store: StoreConfig = StoreConfig()
    mailbox: MailboxConfig = MailboxConfig()
    imap: ImapConfig = ImapConfig()
    smtp: SmtpConfig = SmtpConfig()
    mail: MailConfig = MailConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    render: RenderConfig = RenderConfig()
    parsing: ParsingConfig = ParsingConfig()
    #: the ``[import]`` table: hints for reading hand-written status mails
    import_hints: OutlineHints = field(default_factory=OutlineHints)
    #: the folder config.toml lives in: relative paths are relative to it
    base_dir: Path = Path(".")

    def path(self, value: str) -> Path:
        """A path from the config, relative to the config file's folder."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.base_dir / p


# -- loading -------------------------------------------------------------------

T = TypeVar("T")

#: TOML keys whose field has another name (``import`` is a Python keyword)
_KEY_FIELDS = {"import": "import_hints"}

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SEND = re.compile(r"(?P<day>[a-z]{3})[a-z]*\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})")


def load_config(path: Path | str) -> Config:
    """Read and check config.toml; raise ConfigError naming the bad key."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such file (create one with `relbot init`)") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return parse_config(raw, source=path.name, base_dir=path.resolve().parent)


def parse_config(
    raw: dict[str, Any], *, source: str = "config.toml", base_dir: Path = Path(".")
) -> Config:
    config = _build(Config, raw, source, "", skip=("base_dir",))
    config = dataclasses.replace(config, base_dir=base_dir)
    _check(config, source)
    return config


def _build(cls: type[T], raw: Any, source: str, where: str, skip: tuple[str, ...] = ()) -> T:
    label = f"[{where}]" if where else "top level"
    if not isinstance(raw, dict):
        raise ConfigError(f"{source} {label}: expected a table, got {_kind(raw)}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in skip}  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = _KEY_FIELDS.get(key, key.replace("-", "_"))
        if name not in fields:
            close = difflib.get_close_matches(name, list(fields), n=1)
            hint = f' — did you mean "{close[0]}"?' if close else ""
            keyname = f"[{where}] {key}" if where else key
            raise ConfigError(f"{source}: unknown key {keyname}{hint}")
        sub = f"{where}.{key}" if where else key
        values[name] = _coerce(hints[name], value, source, sub)
    missing = [
        name
        for name, f in fields.items()
        if name not in values
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ConfigError(f"{source} {label}: missing key {missing[0]!r}")
    return cls(**values)


def _coerce(hint: Any, value: Any, source: str, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)

    def bad(expected: str) -> ConfigError:
        table, _, key = where.rpartition(".")
        name = f"[{table}] {key}" if table else key
        return ConfigError(f"{source} {name}: expected {expected}, got {_show(value)}")

    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _build(hint, value, source, where)
    if origin is Literal:
        if value not in args:
            raise bad("one of " + ", ".join(f'"{a}"' for a in args))
        return value
    if origin in (types.UnionType, typing.Union):
        options = [a for a in args if a is not type(None)]
        return _coerce(options[0], value, source, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise bad("a list")
        return tuple(_coerce(args[0], v, source, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise bad("a table")
        return {str(k): _coerce(args[1], v, source, f"{where}.{k}") for k, v in value.items()}
    if hint is bool:
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("an integer")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad("a number")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise bad("a string")
        return value
    if hint is dt.date:
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            if isinstance(value, str):
                try:
                    return dt.date.fromisoformat(value)
                except ValueError:
                    pass
            raise bad("a date like 2012-04-02")
        return value
    raise bad(str(hint))  # a field type this loader does not know: a bug, said plainly


def _check(config: Config, source: str) -> None:
    """Rules that span one value: formats and combinations."""
    parse_send_time(config.schedule.send, source)
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(config.schedule.timezone)
    except Exception as exc:
        raise ConfigError(
            f'{source} [schedule] timezone: expected an IANA zone like "Europe/London", '
            f"got {config.schedule.timezone!r}"
        ) from exc
    for table, tls, host in (
        ("imap", config.imap.tls, config.imap.host),
        ("smtp", config.smtp.tls, config.smtp.host),
    ):
        if tls == "none" and not _is_loopback(host):
            raise ConfigError(
                f'{source} [{table}] tls: "none" is allowed only on loopback, '
                f'but host is {host!r}; use "ssl" or "starttls"'
            )
    if not 0.0 <= config.parsing.confidence_threshold <= 1.0:
        raise ConfigError(
            f"{source} [parsing] confidence_threshold: expected a number from 0 to 1, "
            f"got {config.parsing.confidence_threshold}"
        )
    for table, password_env, password_command in (
        ("imap", config.imap.password_env, config.imap.password_command),
        ("smtp", config.smtp.password_env, config.smtp.password_command),
    ):
        if password_env and password_command:
            raise ConfigError(f"{source} [{table}]: set password_env or password_command, not both")
    if config.mailbox.source == "imap" and not config.imap.username:
        raise ConfigError(f'{source} [imap] username: required when [mailbox] source = "imap"')


def parse_send_time(text: str, source: str = "config.toml") -> tuple[str, int, int]:
    """``"mon 12:00"`` -> ("mon", 12, 0); weekday names, never crontab numbers."""
    m = _SEND.fullmatch(text.strip().lower())
    if not m or m["day"] not in _WEEKDAYS or int(m["hour"]) > 23 or int(m["minute"]) > 59:
        raise ConfigError(
            f'{source} [schedule] send: expected a weekday and a time like "mon 12:00", '
            f"got {text!r}"
        )
    return m["day"], int(m["hour"]), int(m["minute"])


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _kind(value: Any) -> str:
    names: dict[type, str] = {dict: "a table", list: "a list", str: "a string"}
    return names.get(type(value), type(value).__name__)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    return repr(value)
