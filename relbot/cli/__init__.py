"""The ``relbot`` command line.

The group and its shared options live in ``base``; every other module in this
package adds its commands to that group, so a command family is one file.
``base.COMMANDS`` names each command's module, which is imported only when
the command runs: a command pays for the imports it needs and no others.
"""

from __future__ import annotations

from relbot.cli.base import main

__all__ = ["main"]
