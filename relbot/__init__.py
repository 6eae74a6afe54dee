"""relbot: a release-manager bot for developer mailing lists."""

__version__ = "0.1.0"
