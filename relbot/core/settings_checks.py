"""Rules on config values that the types alone do not catch: the placeholders of the
texts relbot fills in, the addresses mail goes from and to, and the numbers the
renderer lays lines out with. Each broken value is one ``ConfigError`` that names
the key, what it holds and what would be right.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from email.headerregistry import HeaderRegistry
from email.utils import getaddresses

from relbot.core.settings import Config
from relbot.errors import ConfigError

#: the placeholders each text may use, with a sample value to try it with
PLACEHOLDERS: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("render", "heading_style"): ("title", "key"),
    ("render", "greeting"): ("release", "next_release"),
    ("render", "signature"): ("release", "release_managers"),
    ("mail", "subject"): ("release", "next_release", "date", "week"),
}

_ADDR_SPEC = re.compile(
    r"(?<![^@\s<>()\[\],;:\"])[^@\s<>()\[\],;:\"]++@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?"
)
_HEADERS = HeaderRegistry()


def check_settings(config: Config, source: str = "config.toml") -> None:
    """Raise ConfigError for the first value that would fail when a mail is made."""
    _check_numbers(config, source)
    for (table, key), names in PLACEHOLDERS.items():
        check_placeholders(getattr(getattr(config, table), key), names, f"{source} [{table}] {key}")
    mail = config.mail
    check_address(mail.from_addr, f"{source} [mail] from_addr")
    _check_addresses(mail.to, f"{source} [mail] to")
    _check_addresses(mail.cc, f"{source} [mail] cc")
    if mail.reply_to:
        check_address(mail.reply_to, f"{source} [mail] reply_to")
    _check_addresses(config.people.release_managers, f"{source} [people] release_managers")
    for person, addresses in config.people.aliases.items():
        _check_addresses(addresses, f'{source} [people.aliases] "{person}"')


def check_placeholders(text: str, allowed: Iterable[str], where: str) -> None:
    """``text`` uses only ``{name}`` placeholders from ``allowed`` and formats cleanly."""
    names = tuple(allowed)
    known = ", ".join("{" + n + "}" for n in names)
    try:
        fields = [f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        raise ConfigError(
            f"{where}: {exc} in {text!r} (write {{{{ and }}}} for a brace; known: {known})"
        ) from exc
    for name in fields:
        root = re.split(r"[.\[]", name, maxsplit=1)[0]
        if root not in names:
            shown = "{" + name + "}" if name else "{} (a placeholder needs a name)"
            raise ConfigError(f"{where}: unknown placeholder {shown} in {text!r} (known: {known})")
    try:
        text.format(**dict.fromkeys(names, "x"))
    except (ValueError, IndexError, KeyError, AttributeError, TypeError) as exc:
        raise ConfigError(f"{where}: cannot fill in {text!r}: {exc} (known: {known})") from exc


def check_address(value: str, where: str) -> str:
    """``value`` is one address (``Name <local@domain>`` or ``local@domain``): its addr-spec."""
    pairs = getaddresses([value])
    addr = pairs[0][1] if len(pairs) == 1 else ""
    problem = "" if _ADDR_SPEC.fullmatch(addr) else "not an address"
    if not problem:
        try:
            header = _HEADERS("To", value)
        except Exception:  # the stdlib's parser raises IndexError and others on some junk
            problem = "not an address"
        else:
            found = getattr(header, "addresses", ())
            if header.defects or len(found) != 1:
                problem = "; ".join(str(d) for d in header.defects) or "more than one address"
    if problem:
        raise ConfigError(
            f'{where}: {problem}: {value!r} (expected "Name <name@example.org>" or '
            '"name@example.org")'
        )
    return addr


def _check_addresses(values: Iterable[str], where: str) -> None:
    for number, value in enumerate(values):
        check_address(value, f"{where}[{number}]")


def _check_numbers(config: Config, source: str) -> None:
    render = config.render
    rules = (
        ("width", render.width, 20, 998, "columns of a line"),
        ("indent", render.indent, 0, 40, "columns before a top-level bullet"),
        ("step", render.step, 0, 20, "columns per nesting level"),
        ("marker_column", render.marker_column, -1, 200, "the marker's column, -1 for line end"),
        ("done_days", render.done_days, 0, 366, "days"),
        ("max_changes", render.max_changes, 1, 10_000, "lines per person"),
    )
    for key, value, low, high, what in rules:
        if not low <= value <= high:
            raise ConfigError(
                f"{source} [render] {key}: expected {what} from {low} to {high}, got {value}"
            )
