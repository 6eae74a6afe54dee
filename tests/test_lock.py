"""The tests run with the versions pinned in constraints.txt, and only those.

A new upstream release must not turn the README's test command red: the
command installs from ``constraints.txt`` (kept in the repository, updated on
purpose), every package the runtime and the test tools pull in is pinned
there, each pin lies inside the range ``pyproject.toml`` declares, and the
environment the suite runs in is the pinned one.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
import shlex
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for number, raw in enumerate(
        (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines(), 1
    ):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        spec = list(req.specifier)
        assert len(spec) == 1 and spec[0].operator == "==", (
            f"constraints.txt line {number}: expected NAME==VERSION, got {raw!r}"
        )
        name = canonicalize_name(req.name)
        assert name not in pins, f"constraints.txt line {number}: {req.name} pinned twice"
        pins[name] = Version(spec[0].version)
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in project.get("optional-dependencies", {}).values():
        reqs += [Requirement(r) for r in extra]
    return [r for r in reqs if r.marker is None or r.marker.evaluate()]


def _closure(reqs: list[Requirement]) -> dict[str, str]:
    """Every installed distribution the requirements pull in: name -> version."""
    found: dict[str, str] = {}
    todo = [(r, tuple(sorted(r.extras))) for r in reqs]
    seen: set[tuple[str, tuple[str, ...]]] = set()
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        dist = metadata.distribution(req.name)
        found[name] = dist.version
        for text in dist.requires or []:
            sub = Requirement(text)
            wanted = sub.marker is None or any(
                sub.marker.evaluate({"extra": e}) for e in ("", *extras)
            )
            if wanted:
                todo.append((sub, tuple(sorted(sub.extras))))
    return found


def test_every_declared_dependency_is_pinned_inside_its_range() -> None:
    pins = _pins()
    for req in _declared():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is in pyproject.toml but not in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {req.name}=={pins[name]}, "
            f"outside pyproject.toml's range {req.specifier}"
        )


def test_transitive_dependencies_are_pinned_and_installed_as_pinned() -> None:
    pins = _pins()
    installed = _closure(_declared())
    unpinned = sorted(set(installed) - set(pins))
    assert not unpinned, f"not pinned in constraints.txt: {', '.join(unpinned)}"
    differ = {
        name: (version, str(pins[name]))
        for name, version in installed.items()
        if Version(version) != pins[name]
    }
    assert not differ, (
        "installed versions differ from constraints.txt (run `bash scripts/test`, "
        f"or update the lock on purpose): {differ}"
    )
    stale = sorted(set(pins) - set(installed))
    assert not stale, f"constraints.txt pins what nothing needs: {', '.join(stale)}"


def test_the_test_command_installs_from_the_lock() -> None:
    script = (REPO / "scripts" / "test").read_text(encoding="utf-8")
    installs = [
        shlex.split(line)
        for line in script.splitlines()
        if re.search(r"\bpip\s+install\b", line) and not line.lstrip().startswith("#")
    ]
    assert installs, "scripts/test installs nothing"
    for words in installs:
        at = [i for i, w in enumerate(words) if w in ("-c", "--constraint")]
        assert at and words[at[0] + 1] == "constraints.txt", (
            f"scripts/test installs without -c constraints.txt: {' '.join(words)}"
        )


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Test it", 1)[1]
    command = re.search(r"```sh\n(.+?)\n```", section, re.S)
    assert command is not None, "README's 'Test it' has no command"
    ci = [
        line
        for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith(("#", "set ", "cd "))
    ]
    assert ci == [f"exec {command.group(1).strip()}"]
