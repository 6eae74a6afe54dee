"""Who a person is: a sender's name and address, and names folded so that the ways a
name is written in a status mail and in a From header match.

"Jürgen Groß" and "Juergen Gross", "Ian J" and "Ian Jackson", Outlook's "Last, First"
are one person here; the policy decides what each person may do.

Powers go by address, never by name: a display name is the sender's to write.
A release manager is the address of their ``"Name <address>"`` entry and the
addresses ``[people.aliases]`` lists under that exact name; an owner is the
person an owner string names, found among the aliases (names fold here) and
the RM entries, and known by the addresses listed there.
"""

from __future__ import annotations

import difflib
import email.utils
import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from relbot.core.identity import Verification


@dataclass(frozen=True, slots=True)
class Sender:
    name: str
    addr: str
    #: what the mail proved of this address; None: nothing was checked
    verification: Verification | None = None

    @property
    def from_line(self) -> str:
        """``Name <addr>`` as a From line shows it; an address that is not ASCII too."""
        if not self.addr:
            return self.name
        try:
            return email.utils.formataddr((self.name, self.addr))
        except UnicodeError:  # SMTPUTF8, or raw 8-bit bytes
            return f"{self.name} <{self.addr}>" if self.name else self.addr


#: letters with no decomposition to a base letter, spelt as in ASCII mail
_SPELT = str.maketrans(
    {"ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
#: German transliteration spells an umlaut with an e ("Juergen" for "Jürgen"); folded
#: away on both sides, so "Jürgen", "Jurgen" and "Juergen" are one word
_UMLAUT_E = re.compile(r"(?<=[aou])e")


def fold_name(text: str) -> str:
    """A name in lower-case ASCII letters: accents dropped, transliterations made one.

    "Jürgen Groß" and "Juergen Gross" fold alike, as do "Roger Pau Monné" and
    "Roger Pau Monne", "Marczykowski-Górecki" and "Marczykowski-Gorecki".
    """
    folded = unicodedata.normalize("NFKD", text.lower().translate(_SPELT))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _UMLAUT_E.sub("", folded)


#: the longest text taken for a person's name; longer is a mangled header or
#: a pasted paragraph, and no owner or sender is named by it
MAX_NAME = 120


@functools.lru_cache(maxsize=4096)
def name_words(text: str) -> tuple[str, ...]:
    """The folded words of a name. Kept for the names seen last: a claim is
    compared with every owner of its item, and each owner with every claim."""
    if text.count(",") == 1 and "@" not in text:
        last, first = text.split(",")  # Outlook's "Gross, Juergen"
        text = f"{first} {last}"
    return tuple(w for w in _NOT_NAME.split(fold_name(text)) if w)


_NOT_NAME = re.compile(r"[^a-z0-9]+")


def _word_match(short: str, full: str) -> bool:
    if full.startswith(short):
        return True
    if len(short) >= 5 and difflib.SequenceMatcher(None, short, full).ratio() >= 0.85:
        return True  # a typo in the mail: "Olaf Herring" for "Olaf Hering"
    # mangled accents ("MonnÃ" for "Monné") keep the stem
    common = 0
    for a, b in zip(short, full, strict=False):
        if a != b:
            break
        common += 1
    return common >= 4 and abs(len(short) - len(full)) <= 2


def names_match(owner: str, name: str) -> bool:
    if len(owner) > MAX_NAME or len(name) > MAX_NAME:
        return False
    ow, nw = name_words(owner), name_words(name)
    if not ow or not nw:
        return False
    if ow == nw:
        return True
    compact = "".join(ow)
    if len(ow) == 1 and compact in (
        "".join(nw),
        nw[0] + "".join(w[0] for w in nw[1:]),
        "".join(w[0] for w in nw),
    ):
        return True
    if len(ow) > len(nw):
        return False
    if all(_word_match(a, b) for a, b in zip(ow, nw, strict=False)):
        return True
    # a middle name left out: "Konrad Wilk" for "Konrad Rzeszutek Wilk"
    return len(ow) == 2 and ow[0] == nw[0] and len(ow[1]) >= 3 and ow[1] == nw[-1]


def _names_of(sender: Sender, aliases: Mapping[str, tuple[str, ...]]) -> list[str]:
    names = [n for n in (sender.name,) if n.strip()]
    addr = sender.addr.lower()
    if addr:
        names += [n for n, addrs in aliases.items() if addr in (a.lower() for a in addrs)]
        local = addr.split("@", 1)[0]
        if re.search(r"[._-]", local):
            names.append(local)
    return names


def same_person(owner: str, sender: Sender, aliases: Mapping[str, tuple[str, ...]] = {}) -> bool:
    """Whether an owner string names the sender."""
    if "@" in owner and sender.addr:
        return owner.strip("<> ").lower() == sender.addr.lower()
    return any(names_match(owner, n) for n in _names_of(sender, aliases))


# -- powers by address ------------------------------------------------------------


def address_of(entry: str) -> str:
    """The lower-cased address of a ``"Name <address>"`` entry, or ""."""
    addr = email.utils.parseaddr(entry)[1].strip().lower()
    return addr if "@" in addr else ""


def release_manager_addresses(
    release_managers: Sequence[str], aliases: Mapping[str, Sequence[str]]
) -> frozenset[str]:
    """Every address that is a release manager's: their own, and their aliases'.

    An alias belongs to an RM when its name is the RM's name exactly, as
    config writes both: no folding for the role with the most power.
    """
    found: set[str] = set()
    for entry in release_managers:
        name, addr = email.utils.parseaddr(entry)
        if "@" in addr:
            found.add(addr.strip().lower())
        found.update(a.strip().lower() for a in aliases.get(name.strip(), ()) if "@" in a)
    return frozenset(found)


def is_release_manager_address(
    addr: str, release_managers: Sequence[str], aliases: Mapping[str, Sequence[str]]
) -> bool:
    """Whether ``addr`` is a release manager's address."""
    addr = addr.strip().lower()
    return bool(addr) and addr in release_manager_addresses(release_managers, aliases)


def owner_addresses(
    owner: str,
    *,
    release_managers: Sequence[str] = (),
    aliases: Mapping[str, Sequence[str]] = {},
) -> frozenset[str]:
    """The addresses of the person an owner string names; none when config lists none."""
    text = owner.strip().strip("<>").strip()
    if "@" in text and " " not in text:
        return frozenset({text.lower()})
    found: set[str] = set()
    for name, addrs in aliases.items():
        if names_match(owner, name) or names_match(name, owner):
            found.update(a.strip().lower() for a in addrs if "@" in a)
    for entry in release_managers:
        name, addr = email.utils.parseaddr(entry)
        if "@" in addr and name and (names_match(owner, name) or names_match(name, owner)):
            found.add(addr.strip().lower())
    return frozenset(found)


def is_owner_address(
    owner: str,
    addr: str,
    *,
    release_managers: Sequence[str] = (),
    aliases: Mapping[str, Sequence[str]] = {},
) -> bool:
    """Whether the person at ``addr`` is the one the owner string names."""
    addr = addr.strip().lower()
    if not addr:
        return False
    text = owner.strip().strip("<>").strip()
    if not ("@" in text and " " not in text) and not _configured(addr, release_managers, aliases):
        return False  # a name stands for configured addresses only; skip the name matching
    return addr in owner_addresses(owner, release_managers=release_managers, aliases=aliases)


def _configured(
    addr: str, release_managers: Sequence[str], aliases: Mapping[str, Sequence[str]]
) -> bool:
    """Whether config lists ``addr`` for anyone: a release manager's, or an alias."""
    if any(addr == a.strip().lower() for addrs in aliases.values() for a in addrs):
        return True
    return addr in release_manager_addresses(release_managers, {})
