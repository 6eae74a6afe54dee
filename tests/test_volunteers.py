"""An item's own words can say someone has it; the call for volunteers leaves it out."""

from __future__ import annotations

import pytest

from relbot.core.volunteers import taken_in_words


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        ("libxl_domain_create_{new,restore} -- IanJ has patches as part of event series.", True),
        ("libxl_cdrom_insert. Should be easy once disk_{add,remove} done, IanJ to look at.", True),
        ("libxl_fork -- IanJ's event series removes all users of this.", True),
        ("Become internal as part of Stefano's domain 0 disk attach series.", True),
        ("Roger Pau Monne fixes disk as part of hotplug script series", True),
        ("Wei Liu is working on it", True),
        ("libxl_device_pci_{add,remove}. Less trivial. A volunteer would be appreciated.", False),
        ("libxl_domain_suspend. Nobody has looked at these at all. IanJ has a patch?", False),
        ("libxl_domain_core_dump. Can take a dummy ao_how and remain synchronous.", False),
        ("More formally deprecate xm/xend. Manpage patches already in tree.", False),
        ("Manually ballooning dom0", False),
    ],
)
def test_taken_in_words(text: str, taken: bool) -> None:
    assert taken_in_words(text) is taken
