"""Release managers and owners by address: a display name alone is never enough."""

from __future__ import annotations

from relbot.core.people import (
    MAX_NAME,
    Sender,
    address_of,
    is_owner_address,
    is_release_manager_address,
    names_match,
    owner_addresses,
    release_manager_addresses,
    same_person,
)

RMS = ("Ian Campbell <Ian.Campbell@citrix.example>",)
ALIASES = {
    "Ian Campbell": ("ijc@hellion.example",),
    "Ian J": ("ian.jackson@eu.citrix.example",),
}


def test_rm_by_own_address_and_alias_addresses() -> None:
    assert release_manager_addresses(RMS, ALIASES) == {
        "ian.campbell@citrix.example",
        "ijc@hellion.example",
    }
    assert is_release_manager_address("IAN.CAMPBELL@citrix.example", RMS, ALIASES)
    assert is_release_manager_address("ijc@hellion.example", RMS, ALIASES)


def test_rm_name_at_another_address_is_not_the_rm() -> None:
    assert not is_release_manager_address("ian.campbell@attacker.example", RMS, ALIASES)
    assert not is_release_manager_address("", RMS, ALIASES)
    assert not is_release_manager_address("ian.jackson@eu.citrix.example", RMS, ALIASES)


def test_owner_written_as_a_name_is_found_through_aliases() -> None:
    kw = {"release_managers": RMS, "aliases": ALIASES}
    assert owner_addresses("Ian Jackson", **kw) == {"ian.jackson@eu.citrix.example"}
    assert is_owner_address("Ian J", "ian.jackson@eu.citrix.example", **kw)
    assert is_owner_address("Ian Campbell", "ian.campbell@citrix.example", **kw)
    assert not is_owner_address("Ian Jackson", "ian.jackson@attacker.example", **kw)
    assert not is_owner_address("Jan Beulich", "jbeulich@suse.example", **kw)


def test_owner_written_as_an_address() -> None:
    assert is_owner_address("<JBeulich@suse.example>", "jbeulich@suse.example")
    assert not is_owner_address("jbeulich@suse.example", "jan@suse.example")
    assert not is_owner_address("Jan Beulich", "")


def test_address_of() -> None:
    assert address_of("Ian <Ian@X.example>") == "ian@x.example"
    assert address_of("Ian Campbell") == ""


def test_text_longer_than_a_name_names_nobody() -> None:
    pasted = "George Dunlap " * 20_000  # a mangled header or a pasted paragraph
    assert len(pasted) > MAX_NAME
    assert not names_match(pasted, "George Dunlap")
    assert not names_match("George Dunlap", pasted)
    assert not same_person(pasted, Sender("George Dunlap", "george.dunlap@citrix.com"))
    assert names_match("George Dunlap", "George Dunlap")
