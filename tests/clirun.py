"""Running the relbot CLI in-process against a project folder of its own."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from relbot.cli import main

REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "seed" / "000_d73fea7d9df65d49.txt"
SEED_COPY = REPO / "docs" / "examples" / "status-4.2.txt"


def seed_path() -> Path:
    """The model status mail (a copy ships in docs/examples)."""
    return SEED if SEED.exists() else SEED_COPY


#: ``python -c`` code that runs a relbot command (its arguments after the code) and then
#: prints every module it loaded (sys.modules) to stderr
MODULES_PROBE = """
import runpy, sys
sys.argv = ["relbot", *sys.argv[1:]]
try:
    runpy.run_module("relbot", run_name="__main__")
except SystemExit as exc:
    if exc.code:
        raise
print("\\n".join(sorted(sys.modules)), file=sys.stderr)
"""


@dataclass
class Project:
    """A folder with config.toml and templates/, as a release manager has."""

    root: Path

    @classmethod
    def create(cls, root: Path, extra_config: str = "", *, trust: str = "none") -> Project:
        """The shipped config, with ``[trust] mode = trust``.

        The example replies are unsigned 2012 mail; tests of what mail says run
        with "none", tests of who may say it pass the shipped "dkim".
        """
        root.mkdir(parents=True, exist_ok=True)
        shipped = (REPO / "config.toml").read_text(encoding="utf-8")
        assert '\nmode = "dkim"\n' in shipped, "config.toml: [trust] mode moved"
        (root / "config.toml").write_text(
            shipped.replace('\nmode = "dkim"\n', f'\nmode = "{trust}"\n'), encoding="utf-8"
        )
        shutil.copytree(REPO / "templates", root / "templates")
        if extra_config:
            with (root / "config.toml").open("a", encoding="utf-8") as handle:
                handle.write("\n" + extra_config)
        return cls(root)

    def run(self, *args: str, input: str | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(
            main,
            ["--config", str(self.root / "config.toml"), *args],
            input=input,
            catch_exceptions=False,
        )

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.exit_code == 0, f"relbot {' '.join(args)}: {result.output}"
        return result.output


def find_in_state(state: dict[str, Any], item_id: str) -> dict[str, Any]:
    """An item of a `show --json` state, at any depth."""

    def walk(items: list[dict[str, Any]]) -> dict[str, Any] | None:
        for it in items:
            if it["id"] == item_id:
                return it
            found = walk(it["children"])
            if found is not None:
                return found
        return None

    for section in state["sections"]:
        hit = walk(section["items"])
        if hit is not None:
            return hit
    raise AssertionError(f"{item_id} not in the tracker")


def find_item(project: Project, item_id: str) -> dict[str, Any]:
    """An item as `relbot show --json` shows it now."""
    return find_in_state(json.loads(project.ok("show", "--json")), item_id)
