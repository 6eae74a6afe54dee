"""What config.toml says, as frozen dataclasses: the vocabulary the core, the edges and the
service share. Reading and checking the file is ``relbot.edges.config``'s job; ``~`` in a
path is expanded there, so nothing here touches the environment.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from relbot.core.statusmail.outline import OutlineHints
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


#: the default poll interval for a local maildir or mbox: reading one is cheap
LOCAL_POLL_INTERVAL = 30.0


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    #: weekday name and time, e.g. "mon 12:00"
    send: str = "mon 12:00"
    timezone: str = "UTC"
    #: seconds between polls when the server has no IDLE (a local maildir or
    #: mbox: LOCAL_POLL_INTERVAL unless config.toml says otherwise)
    poll_interval: float = 300.0
    misfire_grace_hours: float = 6.0
    review: Literal["auto", "preview", "approve"] = "auto"
    #: hours before the send time that the preview goes to the RMs
    preview_hours: float = 24.0


@dataclass(frozen=True, slots=True)
class RenderConfig:
    #: the RM's own Jinja2 layout; empty: relbot's built-in template
    template: str = ""
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
    #: lines under "-- " at the end; empty: none (the mail is from the bot, not a person)
    signature: str = ""
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
    #: actions below this confidence wait for the RM. Set from the calibration
    #: table of `bench/real --labelled` (docs/benchmarks.md, "Real list mail"):
    #: every confidence bin from 0.8 up is right at least 95% of the time on the
    #: real and the hand-labelled mail, and none below 0.8 is on real mail alone
    confidence_threshold: float = 0.8
    tracker_prefixes: tuple[str, ...] = ()
    #: the largest message relbot reads in full; larger ones are quarantined
    max_message_bytes: int = 10 * 1024 * 1024
    #: understanding one mail is cut off after this many seconds; the mail is
    #: kept, unprocessed, with the reason (0: no limit)
    max_seconds_per_message: float = 10.0


TrustMode = Literal["dkim", "authentication-results", "none"]
TrustRole = Literal["release_manager", "owner", "anyone"]


@dataclass(frozen=True, slots=True)
class TrustConfig:
    """``[trust]``: how a sender is verified, and whose powers need it (docs/security.md)."""

    mode: TrustMode = "dkim"
    #: the receiving server's own authserv-ids (mode "authentication-results")
    authserv_ids: tuple[str, ...] = ()
    #: domains of mailing lists that rewrite mail; their ARC seals are believed
    list_domains: tuple[str, ...] = ()
    #: the roles whose powers need a verified sender
    require_verified: tuple[TrustRole, ...] = ("release_manager", "owner")
    #: seconds for each DNS lookup of a DKIM key
    dns_timeout: float = 5.0

    def needs(self, role: TrustRole) -> bool:
        """Whether this role's powers need a verified sender."""
        return self.mode != "none" and role in self.require_verified


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
    trust: TrustConfig = TrustConfig()
    #: the ``[import]`` table: hints for reading hand-written status mails
    import_hints: OutlineHints = field(default_factory=OutlineHints)
    #: the folder config.toml lives in: relative paths are relative to it
    base_dir: Path = Path(".")

    def path(self, value: str) -> Path:
        """A path from the config, relative to the config file's folder."""
        p = Path(value)
        return p if p.is_absolute() else self.base_dir / p


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SEND = re.compile(r"(?P<day>[a-z]{3})[a-z]*\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})")


def parse_send_time(text: str, source: str = "config.toml") -> tuple[str, int, int]:
    """``"mon 12:00"`` -> ("mon", 12, 0); weekday names, never crontab numbers."""
    m = _SEND.fullmatch(text.strip().lower())
    if not m or m["day"] not in _WEEKDAYS or int(m["hour"]) > 23 or int(m["minute"]) > 59:
        raise ConfigError(
            f'{source} [schedule] send: expected a weekday and a time like "mon 12:00", '
            f"got {text!r}"
        )
    return m["day"], int(m["hour"]), int(m["minute"])
