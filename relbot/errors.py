"""The one error tree: every failure relbot reports is a RelbotError.

Third-party exceptions are wrapped once, at the edge that called the library
(``raise StoreError(...) from exc``); the CLI turns any RelbotError into a
one-line message and exit status 1.
"""


class RelbotError(Exception):
    """Base of every error relbot raises on purpose."""


class ConfigError(RelbotError):
    """config.toml is missing, malformed, or holds a value of the wrong kind."""


class UsageError(RelbotError):
    """A command was given an unknown item id, a bad status, a bad date, ..."""


class ImportFailed(RelbotError):
    """A status mail could not be read; carries the per-line problems."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class MailboxError(RelbotError):
    """The IMAP server or a local mailbox could not be read."""


class DeliveryError(RelbotError):
    """Mail could not be handed to SMTP (or written by the file transport).

    ``permanent``: the server refused it for good (5xx). ``uncertain``: the
    connection was lost after the whole message went out, so the server may
    have accepted it; sending it again before looking for it would risk a
    second copy.
    """

    def __init__(self, message: str, *, permanent: bool = False, uncertain: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.uncertain = uncertain


class StoreError(RelbotError):
    """The database could not be opened, migrated, read or written."""
