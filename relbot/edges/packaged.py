"""The files relbot ships inside its package: the starter config.toml and the demo
(the Xen 4.2 status mail of 16 April 2012 and six example replies to it).

They are package data, so ``relbot init`` works from an installed wheel as well
as from a checkout. (The built-in template is read by ``edges/templating.py``.)
"""

from __future__ import annotations

import importlib.resources
from importlib.resources.abc import Traversable

DEMO_STATUS = "status-4.2.eml"


def _data() -> Traversable:
    return importlib.resources.files("relbot").joinpath("data")


def starter_config() -> str:
    """The commented config.toml ``relbot init`` writes where there is none."""
    return _data().joinpath("config.toml").read_text(encoding="utf-8")


def demo_status_mail() -> bytes:
    """The demo's status mail, a whole message."""
    return _data().joinpath("demo", DEMO_STATUS).read_bytes()


def demo_replies() -> list[tuple[str, bytes]]:
    """The demo's example replies, (file name, message), in the order they arrive."""
    folder = _data().joinpath("demo", "replies")
    found = [(f.name, f.read_bytes()) for f in folder.iterdir() if f.name.endswith(".eml")]
    return sorted(found)
