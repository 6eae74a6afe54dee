"""Where the edges are made and handed to each other.

``Service`` builds the store, transports and mail sources from the config in
one place and offers the operations the CLI and the scheduler share. It makes
no domain decisions: those live in ``relbot.core``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from relbot.core.settings import Config
from relbot.core.tracker.events import Event, Kind
from relbot.core.tracker.model import Item, Tracker, item_number
from relbot.edges.store.store import Store
from relbot.errors import UsageError

if TYPE_CHECKING:
    from relbot.core.identity import Verification
    from relbot.edges.imap.client import ImapSource
    from relbot.edges.transport import Transport


def person_name(entry: str) -> str:
    """``"Ian Campbell <ian@x>"`` -> ``"Ian Campbell"``."""
    name, _, _ = entry.partition("<")
    return name.strip().strip('"') or entry.strip("<> ")


log = logging.getLogger("relbot")

#: dkimpy's DNS hook: (name, timeout=...) -> the TXT record, or None
DnsLookup = Callable[..., Any]


class Service:
    def __init__(self, config: Config, *, dns_lookup: DnsLookup | None = None) -> None:
        """``dns_lookup`` replaces DNS for DKIM keys (tests hand in their own key table)."""
        self.config = config
        self.dns_lookup = dns_lookup
        if config.trust.mode == "none":
            log.warning(
                '[trust] mode = "none": senders are not verified, so anyone who writes an '
                "RM's or an owner's From address gets their powers (docs/security.md)"
            )

    @cached_property
    def store(self) -> Store:
        url = self.config.store.url
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            relative = url.removeprefix("sqlite:///")
            if relative != ":memory:":
                url = f"sqlite:///{self.config.path(relative)}"
        return Store(url)

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()

    # -- the tracker ---------------------------------------------------------

    @property
    def rm_name(self) -> str:
        """Who the command line acts as: the first release manager."""
        managers = self.config.people.release_managers
        return person_name(managers[0]) if managers else "release manager"

    def tracker(self) -> Tracker:
        return self.store.tracker()

    def record(self, events: Sequence[Event]) -> list[Event]:
        """Store events in one transaction; return them numbered."""
        with self.store.transaction() as conn:
            return self.store.append_events(conn, events)

    def item(self, tracker: Tracker, item_id: str) -> Item:
        key = item_id.strip().upper()
        if key.isdigit():
            key = f"T{key}"
        item = tracker.item(key)
        if item is None:
            known = sorted((it.id for it in tracker.items), key=item_number)
            close = difflib.get_close_matches(key, known, n=1)
            hint = f' — did you mean "{close[0]}"?' if close else " (see `relbot show`)"
            raise UsageError(f"no item {item_id!r}{hint}")
        return item

    def section_key(self, tracker: Tracker, name: str) -> str:
        """The section a person meant: its key, title, or an unambiguous prefix."""
        keys = [s.key for s in tracker.sections]
        keys += [s.key for s in self.config.release.sections if s.key not in keys]
        wanted = " ".join(name.lower().split())
        for sec in tracker.sections:
            if wanted in (sec.key.lower(), sec.title.lower().rstrip(":")):
                return sec.key
        for key in keys:
            if wanted == key.lower():
                return key
        starts = [k for k in keys if k.lower().startswith(wanted)]
        if len(starts) == 1:
            return starts[0]
        close = difflib.get_close_matches(wanted, [k.lower() for k in keys], n=1)
        hint = f' — did you mean "{close[0]}"?' if close else ""
        listing = ", ".join(f'"{k}"' for k in keys) or "none yet"
        raise UsageError(f"no section {name!r}{hint} (sections: {listing})")

    def event(
        self,
        kind: Kind,
        item: str | None = None,
        *,
        now: dt.datetime,
        actor: str | None = None,
        source: str = "cli",
        **data: object,
    ) -> Event:
        return Event(kind, now, actor or self.rm_name, source, item, data)

    # -- reading the mailbox ----------------------------------------------------

    def sender_check(self) -> Callable[[bytes], Verification]:
        """A checker of what a raw mail proves of its sender, under ``[trust]``.

        One per run of messages: the DKIM keys it looks up are remembered.
        """
        # the mail-reading stack, loaded by the commands that read mail only
        from relbot.core.identity import header_fields, verify_sender

        trust = self.config.trust
        if trust.mode != "dkim":
            return lambda raw: verify_sender(header_fields(raw), None, trust)
        from relbot.edges.dkim import caching, check_message, dns_txt, within

        lookup = caching(self.dns_lookup or dns_txt)
        timeout = max(1, round(trust.dns_timeout))

        def check(raw: bytes) -> Verification:
            # a message's lookups together get three lookups' time
            budget = within(lookup, 3 * trust.dns_timeout)
            crypto = check_message(raw, dnsfunc=budget, timeout=timeout)
            return verify_sender(header_fields(raw), crypto, trust)

        return check

    def imap_source(self) -> ImapSource:
        """A connection to ``[imap]``, with the password looked up now."""
        from relbot.edges.imap.client import ImapSource
        from relbot.edges.secrets import resolve_password

        cfg = self.config.imap
        password = resolve_password(cfg.password_env, cfg.password_command, what="[imap]")
        return ImapSource(cfg, password)

    # -- sending mail -------------------------------------------------------------

    @cached_property
    def transport(self) -> Transport:
        """How mail leaves: ``[smtp] transport`` ("file" writes .eml files to outbox_dir).

        The password is looked up only for SMTP with a username. Assign another
        transport to this attribute to send elsewhere.
        """
        from relbot.edges.secrets import resolve_password
        from relbot.edges.transport import make_transport

        smtp = self.config.smtp
        password = ""
        if smtp.transport == "smtp" and smtp.username:
            password = resolve_password(smtp.password_env, smtp.password_command, what="[smtp]")
        return make_transport(smtp, password, self.config.base_dir)
