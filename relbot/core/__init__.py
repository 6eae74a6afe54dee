"""The pure core: every decision relbot makes, with no I/O.

Nothing under ``relbot.core`` opens a file or socket, reads the environment or
the clock; ``now`` is always a parameter. ``tests/test_architecture.py``
enforces it.
"""
