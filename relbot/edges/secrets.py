"""Passwords for the mail servers, from an environment variable or a command.

config.toml never holds a secret: it names the variable to read or the
command whose standard output is the password (``pass show mail/relbot``).
"""

from __future__ import annotations

import os
import shlex
import subprocess

from relbot.errors import ConfigError

COMMAND_TIMEOUT = 30.0


def resolve_password(
    password_env: str,
    password_command: str,
    *,
    what: str,
    timeout: float = COMMAND_TIMEOUT,
) -> str:
    """The password for ``what`` (e.g. ``"[imap]"``); ``""`` when none is configured.

    The command is split like a shell would split it but run without a shell;
    one trailing newline is removed from its output.
    """
    if password_env:
        value = os.environ.get(password_env)
        if value is None:
            raise ConfigError(
                f"{what} password_env: environment variable {password_env} is not set; "
                f"export it or use password_command"
            )
        return value
    if password_command:
        return _run(password_command, what=what, timeout=timeout)
    return ""


def _run(command: str, *, what: str, timeout: float) -> str:
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"{what} password_command: cannot split {command!r}: {exc}") from exc
    if not argv:
        raise ConfigError(f"{what} password_command: the command is empty")
    try:
        done = subprocess.run(argv, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{what} password_command: {argv[0]!r} not found; give a full path or fix PATH"
        ) from exc
    except PermissionError as exc:
        raise ConfigError(f"{what} password_command: {argv[0]!r} is not executable") from exc
    except subprocess.TimeoutExpired as exc:
        raise ConfigError(
            f"{what} password_command: {command!r} did not finish within {timeout:g} s"
        ) from exc
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        tail = f": {err[-1]}" if err else ""
        raise ConfigError(
            f"{what} password_command: {command!r} exited with status {done.returncode}{tail}"
        )
    try:
        out = done.stdout.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{what} password_command: {command!r} printed non-UTF-8 output") from exc
    if out.endswith("\r\n"):
        return out[:-2]
    if out.endswith("\n"):
        return out[:-1]
    return out
