"""The edges: everything that talks to the world (IMAP, local mailboxes, SMTP and file
transport, the store, secrets, config and template files).

Each edge is a thin adapter with no domain decisions; it imports the core and the error
tree, never another edge, the service layer or the CLI (``tests/test_architecture.py``).
"""
