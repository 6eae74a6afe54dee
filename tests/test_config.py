"""config.toml: strict loading, and errors that name the key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from relbot.core.settings import Config, parse_send_time
from relbot.edges.config import load_config, parse_config
from relbot.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def test_shipped_config_describes_the_seed_release() -> None:
    config = load_config(REPO / "config.toml")
    assert config.release.name == "4.2"
    assert [m.when for m in config.release.milestones][:2] == ["19 March", "2 April"]
    assert config.release.sections[0].key == "hypervisor, blockers"
    assert config.store.url.startswith("sqlite:///var/")
    assert config.smtp.transport == "file"
    assert config.mailbox.source == "maildir"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"imap": {"hots": "x"}}, 'unknown key [imap] hots — did you mean "host"?'),
        ({"smpt": {}}, 'unknown key smpt — did you mean "smtp"?'),
        ({"smtp": {"port": "abc"}}, 'config.toml [smtp] port: expected an integer, got "abc"'),
        ({"smtp": {"port": True}}, "[smtp] port: expected an integer, got true"),
        ({"imap": {"verify": "yes"}}, '[imap] verify: expected true or false, got "yes"'),
        ({"imap": {"tls": "tls"}}, '[imap] tls: expected one of "ssl", "starttls", "none"'),
        ({"imap": {"folders": "INBOX"}}, "[imap] folders: expected a list"),
        ({"schedule": {"send": "1 12:00"}}, "[schedule] send: expected a weekday and a time"),
        ({"schedule": {"send": "mon 25:00"}}, "[schedule] send"),
        ({"schedule": {"timezone": "Mars/Olympus"}}, "[schedule] timezone"),
        ({"parsing": {"confidence_threshold": 2}}, "confidence_threshold: expected a number"),
        ({"imap": {"tls": "none", "host": "mail.example.org"}}, "only on loopback"),
        (
            {"release": {"milestones": [{"when": "x", "label": "y", "date": "soon"}]}},
            "date: expected a date like 2012-04-02",
        ),
        ({"release": {"milestones": [{"label": "y"}]}}, "milestones"),
        ({"mailbox": {"source": "imap"}}, "[imap] username: required"),
        ({"imap": {"password_env": "A", "password_command": "pass x"}}, "not both"),
    ],
)
def test_bad_values_name_the_key(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(raw)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[smtp\nport = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(binary)


def test_values_become_frozen_tuples() -> None:
    config = parse_config({"imap": {"folders": ["INBOX", "lists/dev"]}, "smtp": {"timeout": 5}})
    assert config.imap.folders == ("INBOX", "lists/dev")
    assert config.smtp.timeout == 5.0
    with pytest.raises(AttributeError):
        config.imap.host = "x"  # type: ignore[misc]


def test_relative_paths_follow_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('[mailbox]\npath = "box"\n')
    config = load_config(tmp_path / "c.toml")
    assert config.path(config.mailbox.path) == tmp_path / "box"


def test_send_time_uses_weekday_names() -> None:
    assert parse_send_time("mon 12:00") == ("mon", 12, 0)
    assert parse_send_time("Friday 9:30") == ("fri", 9, 30)
    with pytest.raises(ConfigError):
        parse_send_time("0 12 * * 1")


def test_every_key_is_documented() -> None:
    doc = (REPO / "docs" / "config.md").read_text(encoding="utf-8")
    missing = []
    for table in dataclasses.fields(Config):
        if table.name == "base_dir":
            continue
        name = "import" if table.name == "import_hints" else table.name
        assert f"## [{name}]" in doc, name
        for key in dataclasses.fields(getattr(Config(), table.name)):
            if f"`{key.name}`" not in doc:
                missing.append(f"[{name}] {key.name}")
    assert missing == []
