"""relbot works from an installed wheel, not only from a checkout.

The wheel carries the starter config, the status-mail template and the demo
(the 2012 mail and its example replies) as package data: `relbot init` in an
empty folder writes a commented config.toml from it, and `init --demo` then
`run --once` go through a whole week there.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

from click.testing import CliRunner, Result
from clirun import REPO

from relbot.cli import main
from relbot.edges.config import load_config, parse_config
from relbot.edges.packaged import starter_config
from relbot.edges.templating import builtin_template

AT = "2026-11-30T12:05+0000"


def relbot(folder: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(folder / "config.toml"), *args])


def test_init_in_an_empty_folder_writes_a_commented_config(tmp_path: Path) -> None:
    result = relbot(tmp_path, "init")
    assert result.exit_code == 0, result.output
    assert "relbot init" not in result.stderr  # it does not send the RM back to itself
    config = (tmp_path / "config.toml").read_text(encoding="utf-8")
    assert sum(line.lstrip().startswith("#") for line in config.splitlines()) >= 10
    assert tomllib.loads(config)["release"]["name"]
    assert f"wrote {tmp_path / 'config.toml'}" in result.output
    checked = relbot(tmp_path, "check-config")
    assert checked.exit_code == 0, checked.output
    # a second init keeps the RM's config as it is
    (tmp_path / "config.toml").write_text(config + "\n# mine\n", encoding="utf-8")
    assert relbot(tmp_path, "init").exit_code == 0
    assert (tmp_path / "config.toml").read_text(encoding="utf-8").endswith("# mine\n")


def test_init_demo_and_run_once_in_an_empty_folder(tmp_path: Path) -> None:
    result = relbot(tmp_path, "init", "--demo")
    assert result.exit_code == 0, result.output
    assert "imported status-4.2.eml: 49 items" in result.output
    assert len(list((tmp_path / "var" / "mail" / "new").iterdir())) == 6
    ran = relbot(tmp_path, "run", "--once", "--at", AT)
    assert ran.exit_code == 0, ran.output
    assert "2026-W49: sent <relbot.4.2.2026-W49." in ran.output
    assert len(list((tmp_path / "var" / "outbox").glob("*.eml"))) == 1


def test_init_template_writes_the_built_in_one_to_edit(tmp_path: Path) -> None:
    result = relbot(tmp_path, "init", "--template")
    assert result.exit_code == 0, result.output
    written = tmp_path / "templates" / "status.txt.j2"
    assert written.read_text(encoding="utf-8") == builtin_template()
    config = tmp_path / "config.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("# template = ", "template = "), encoding="utf-8")
    written.write_text("{{ view.release }} is the release\n", encoding="utf-8")
    assert relbot(tmp_path, "render").output == "4.2 is the release\n"
    # a second run leaves the RM's template alone
    assert "left as it is" in relbot(tmp_path, "init", "--template").output
    assert written.read_text(encoding="utf-8").startswith("{{ view.release }}")


def test_the_starter_config_is_the_repos_example() -> None:
    """The repository's config.toml and the one `init` writes describe the same release."""
    starter = parse_config(tomllib.loads(starter_config()))
    example = load_config(REPO / "config.toml")
    assert starter.render.template == ""
    assert dataclasses.replace(example.render, template="") == starter.render
    same = dataclasses.replace(example, render=starter.render, base_dir=starter.base_dir)
    assert same == starter


def _build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "src"
    source.mkdir()
    skip = shutil.ignore_patterns("__pycache__")
    shutil.copytree(REPO / "relbot", source / "relbot", ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    dist = tmp_path / "dist"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check"),
            *("--no-deps", "--no-build-isolation", str(source), "-w", str(dist)),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = dist.glob("relbot-*.whl")
    return wheel


def test_the_wheel_runs_a_week_outside_the_repo(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith(".j2") for n in names), names
    assert any(n.endswith(".toml") for n in names), names
    assert sum(n.endswith(".eml") for n in names) == 7, names
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # the runtime dependencies come from this interpreter's site-packages, put on the path
    # after the venv's own by a .pth line; the .pth files there (an editable relbot of a
    # checkout) are not run, so the relbot imported is the wheel's
    [site] = (venv / "lib").glob("python3*/site-packages")
    here = dict.fromkeys((sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]))
    (site / "zz-dependencies.pth").write_text("\n".join(here) + "\n", encoding="utf-8")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "install", "--quiet", "--no-deps", "--no-index", "--ignore-installed", str(wheel)],
        check=True,
    )
    work = tmp_path / "empty"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

    def run(*args: str) -> str:
        done = subprocess.run(
            [str(venv / "bin" / "relbot"), *args], cwd=work, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, f"relbot {' '.join(args)}:\n{done.stdout}{done.stderr}"
        return done.stdout

    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import relbot; print(relbot.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(venv)), where
    assert "49 items" in run("init", "--demo")
    assert "2026-W49: sent" in run("run", "--once", "--at", AT)
    assert len(list((work / "var" / "outbox").glob("*.eml"))) == 1
