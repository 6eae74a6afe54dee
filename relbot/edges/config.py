"""config.toml, read once and strictly into frozen dataclasses.

Every table maps onto a dataclass; the loader checks each key against the
dataclass's fields (unknown keys are rejected with a did-you-mean) and each
value against the field's type, so an error always names the key, what was
expected and what was found. Nothing falls back to a default when a value is
present but invalid. Secrets never live here: only the name of an environment
variable or a command that prints the password.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import ipaddress
import json
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar

from relbot.core.settings import (
    LOCAL_POLL_INTERVAL,
    Config,
    parse_send_time,
)
from relbot.core.settings_checks import check_settings
from relbot.errors import ConfigError

# -- loading -------------------------------------------------------------------

T = TypeVar("T")

#: TOML keys whose field has another name (``import`` is a Python keyword)
_KEY_FIELDS = {"import": "import_hints"}


def load_config(path: Path | str) -> Config:
    """Read and check config.toml; raise ConfigError naming the bad key."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such file (create one with `relbot init`)") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return parse_config(raw, source=path.name, base_dir=path.resolve().parent)


def parse_config(
    raw: dict[str, Any], *, source: str = "config.toml", base_dir: Path = Path(".")
) -> Config:
    config = _build(Config, raw, source, "", skip=("base_dir",))
    config = dataclasses.replace(config, base_dir=base_dir)
    schedule = raw.get("schedule")
    if config.mailbox.source != "imap" and "poll_interval" not in (
        schedule if isinstance(schedule, dict) else {}
    ):
        local = dataclasses.replace(config.schedule, poll_interval=LOCAL_POLL_INTERVAL)
        config = dataclasses.replace(config, schedule=local)
    config = _expand_home(config)
    _check(config, source)
    return config


def _expand_home(config: Config) -> Config:
    """``~`` at the start of a path means the user's home folder, as in a shell."""

    def home(value: str) -> str:
        return str(Path(value).expanduser()) if value.startswith("~") else value

    return dataclasses.replace(
        config,
        mailbox=dataclasses.replace(config.mailbox, path=home(config.mailbox.path)),
        smtp=dataclasses.replace(config.smtp, outbox_dir=home(config.smtp.outbox_dir)),
        render=dataclasses.replace(config.render, template=home(config.render.template)),
    )


def _build(cls: type[T], raw: Any, source: str, where: str, skip: tuple[str, ...] = ()) -> T:
    label = f"[{where}]" if where else "top level"
    if not isinstance(raw, dict):
        raise ConfigError(f"{source} {label}: expected a table, got {_kind(raw)}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in skip}  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = _KEY_FIELDS.get(key, key.replace("-", "_"))
        if name not in fields:
            close = difflib.get_close_matches(name, list(fields), n=1)
            hint = f' — did you mean "{close[0]}"?' if close else ""
            keyname = f"[{where}] {key}" if where else key
            raise ConfigError(f"{source}: unknown key {keyname}{hint}")
        sub = f"{where}.{key}" if where else key
        values[name] = _coerce(hints[name], value, source, sub)
    missing = [
        name
        for name, f in fields.items()
        if name not in values
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ConfigError(f"{source} {label}: missing key {missing[0]!r}")
    return cls(**values)


def _coerce(hint: Any, value: Any, source: str, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)

    def bad(expected: str) -> ConfigError:
        table, _, key = where.rpartition(".")
        name = f"[{table}] {key}" if table else key
        return ConfigError(f"{source} {name}: expected {expected}, got {_show(value)}")

    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _build(hint, value, source, where)
    if origin is Literal:
        if value not in args:
            raise bad("one of " + ", ".join(f'"{a}"' for a in args))
        return value
    if origin in (types.UnionType, typing.Union):
        options = [a for a in args if a is not type(None)]
        return _coerce(options[0], value, source, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise bad("a list")
        return tuple(_coerce(args[0], v, source, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise bad("a table")
        return {str(k): _coerce(args[1], v, source, f"{where}.{k}") for k, v in value.items()}
    if hint is bool:
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("an integer")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad("a number")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise bad("a string")
        return value
    if hint is dt.date:
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            if isinstance(value, str):
                try:
                    return dt.date.fromisoformat(value)
                except ValueError:
                    pass
            raise bad("a date like 2012-04-02")
        return value
    raise bad(str(hint))  # a field type this loader does not know: a bug, said plainly


def _check(config: Config, source: str) -> None:
    """Rules that span one value: formats and combinations."""
    parse_send_time(config.schedule.send, source)
    if config.trust.mode == "authentication-results" and not config.trust.authserv_ids:
        raise ConfigError(
            f'{source} [trust] authserv_ids: required when mode = "authentication-results" '
            '(the receiving server\'s own, e.g. ["mx.example.org"])'
        )
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(config.schedule.timezone)
    except Exception as exc:
        raise ConfigError(
            f'{source} [schedule] timezone: expected an IANA zone like "Europe/London", '
            f"got {config.schedule.timezone!r}"
        ) from exc
    for table, tls, host in (
        ("imap", config.imap.tls, config.imap.host),
        ("smtp", config.smtp.tls, config.smtp.host),
    ):
        if tls == "none" and not _is_loopback(host):
            raise ConfigError(
                f'{source} [{table}] tls: "none" is allowed only on loopback, '
                f'but host is {host!r}; use "ssl" or "starttls"'
            )
    if not 0.0 <= config.import_hints.max_removed_share <= 1.0:
        raise ConfigError(
            f"{source} [import] max_removed_share: expected a number from 0 to 1, "
            f"got {config.import_hints.max_removed_share:g}"
        )
    if not 0.0 <= config.parsing.confidence_threshold <= 1.0:
        raise ConfigError(
            f"{source} [parsing] confidence_threshold: expected a number from 0 to 1, "
            f"got {config.parsing.confidence_threshold}"
        )
    if config.parsing.max_seconds_per_message < 0:
        raise ConfigError(
            f"{source} [parsing] max_seconds_per_message: expected a number of seconds "
            f"(0 for no limit), got {config.parsing.max_seconds_per_message}"
        )
    for table, password_env, password_command in (
        ("imap", config.imap.password_env, config.imap.password_command),
        ("smtp", config.smtp.password_env, config.smtp.password_command),
    ):
        if password_env and password_command:
            raise ConfigError(f"{source} [{table}]: set password_env or password_command, not both")
    if config.mailbox.source == "imap" and not config.imap.username:
        raise ConfigError(f'{source} [imap] username: required when [mailbox] source = "imap"')
    check_settings(config, source)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _kind(value: Any) -> str:
    names: dict[type, str] = {dict: "a table", list: "a list", str: "a string"}
    return names.get(type(value), type(value).__name__)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    return repr(value)


# -- writing -------------------------------------------------------------------


def config_toml(config: Config) -> str:
    """The config in force as TOML: every key with its value, loadable again."""
    out: list[str] = []
    fields = {v: k for k, v in _KEY_FIELDS.items()}
    for table in dataclasses.fields(config):
        value = getattr(config, table.name)
        if not dataclasses.is_dataclass(value) or isinstance(value, type):
            continue
        _table(out, fields.get(table.name, table.name), value)
    return "\n".join(out).strip() + "\n"


def _table(out: list[str], name: str, value: Any) -> None:
    out.append(f"\n[{name}]")
    later: list[tuple[str, Any]] = []
    for key in dataclasses.fields(value):
        item = getattr(value, key.name)
        if isinstance(item, dict) or (
            isinstance(item, tuple) and item and dataclasses.is_dataclass(item[0])
        ):
            later.append((key.name, item))
        elif item is not None:
            out.append(f"{key.name} = {_toml_value(item)}")
    for sub_name, item in later:
        if isinstance(item, dict):
            out.append(f"\n[{name}.{sub_name}]")
            out += [f"{_toml_value(k)} = {_toml_value(v)}" for k, v in item.items()]
            continue
        for element in item:
            out.append(f"\n[[{name}.{sub_name}]]")
            for sub in dataclasses.fields(element):
                if getattr(element, sub.name) is not None:
                    out.append(f"{sub.name} = {_toml_value(getattr(element, sub.name))}")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # a JSON string is a TOML basic string: the same quotes and escapes
    return json.dumps(str(value), ensure_ascii=False)
