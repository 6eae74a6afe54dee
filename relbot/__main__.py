"""``python -m relbot``: the same as the ``relbot`` command."""

from relbot.cli import main

main()
