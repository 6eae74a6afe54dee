"""The ``relbot`` command line.

The group and its shared options live in ``base``; every other module in this
package adds its commands to that group and is imported here, so a command
family is one file.
"""

from __future__ import annotations

import importlib
import pkgutil

from relbot.cli.base import main

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name != "base":
        importlib.import_module(f"{__name__}.{_info.name}")

__all__ = ["main"]
