"""Every regular expression relbot applies to text, and inputs built to make one backtrack.

The patterns are found three ways, so a new one is covered without a list to
keep up to date:

1. compiled patterns held by any relbot module (globals, and the tuples,
   dicts and frozen dataclasses they hold, such as the cue table);
2. literal patterns passed straight to ``re.search``/``re.sub``/... in the
   source (found with ``ast``);
3. every pattern relbot code compiles while the sample replies are read and
   understood (patterns built at run time with f-strings).

``adversarial_inputs`` makes, for one pattern, strings of ``n`` characters
that pump its repeats: long runs of each character class the pattern names
(whitespace of three kinds, quote markers, dashes, dots, word characters,
digits, brackets, ``@``...), alone, alternating, after the pattern's leading
literal text, and each with an ending that makes the match fail at the last
moment. ``time_search`` runs one search under a wall-clock cut-off (SIGALRM
interrupts the regex engine), so a super-linear pattern fails a test fast
instead of hanging it.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

try:  # Python 3.11 names it re._parser; sre_parse is the old, deprecated alias
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]

import relbot

RELBOT = Path(relbot.__file__).resolve().parent
_RE_CALLS = {
    "compile",
    "search",
    "match",
    "fullmatch",
    "sub",
    "subn",
    "split",
    "findall",
    "finditer",
}


#: how relbot applies a pattern; a search-like use tries it at every position
SEARCHING = frozenset({"search", "finditer", "findall", "sub", "subn", "split"})
ANCHORED = frozenset({"match", "fullmatch"})


@dataclass(frozen=True)
class Found:
    pattern: re.Pattern[Any]
    #: where it was found: module.NAME, file:line, or "run time: file:line"
    where: str
    #: the methods relbot calls on it; search-like unless every use is anchored
    uses: frozenset[str] = SEARCHING

    @property
    def key(self) -> tuple[str | bytes, int]:
        return (self.pattern.pattern, self.pattern.flags)


# -- finding the patterns ------------------------------------------------------


def relbot_modules() -> list[str]:
    names = ["relbot"]
    for info in pkgutil.walk_packages([str(RELBOT)], prefix="relbot."):
        if info.name.endswith("__main__"):
            continue
        names.append(info.name)
    return sorted(names)


def _walk_value(value: Any, where: str, out: dict[Any, Found], depth: int = 0) -> None:
    if depth > 5:
        return
    if isinstance(value, re.Pattern):
        out.setdefault((value.pattern, value.flags), Found(value, where))
    elif isinstance(value, tuple | list | frozenset | set):
        for i, item in enumerate(value):
            _walk_value(item, f"{where}[{i}]", out, depth + 1)
    elif isinstance(value, dict):
        for k, item in value.items():
            _walk_value(item, f"{where}[{k!r}]", out, depth + 1)
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            _walk_value(getattr(value, f.name, None), f"{where}.{f.name}", out, depth + 1)


def pattern_uses() -> dict[str, frozenset[str]]:
    """For each name a pattern is bound to, the methods called on it anywhere in relbot.

    By name only: two modules' ``_RULE`` share their uses, which can only
    make the test stricter.
    """
    uses: dict[str, set[str]] = {}
    for path in sorted(RELBOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                uses.setdefault(node.value.id, set()).add(node.attr)
            elif isinstance(node, ast.Name):
                # passed on as a value (to a helper, into a table): any use
                uses.setdefault(node.id, set())
    return {name: frozenset(found) for name, found in uses.items()}


def _uses_of(name: str, uses: dict[str, frozenset[str]]) -> frozenset[str]:
    found = uses.get(name, frozenset()) & (SEARCHING | ANCHORED)
    return found if found and found <= ANCHORED and _only_called(name) else SEARCHING


_CALLED_ONLY: dict[str, bool] = {}


def _only_called(name: str) -> bool:
    """True when every mention of ``name`` (past its binding) is ``name.match(`` and the like."""
    if name not in _CALLED_ONLY:
        mentions = calls = 0
        for path in sorted(RELBOT.rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            mentions += len(re.findall(rf"(?<![\w.]){re.escape(name)}\b(?!\s*=[^=])", text))
            calls += len(re.findall(rf"(?<![\w.]){re.escape(name)}\.(?:match|fullmatch)\(", text))
        _CALLED_ONLY[name] = mentions == calls
    return _CALLED_ONLY[name]


def _lazy_table(value: Any, module: str) -> bool:
    """A ``functools.cache``d function of this module that takes no arguments."""
    wrapped = getattr(value, "__wrapped__", None)
    return (
        callable(value)
        and hasattr(value, "cache_info")
        and wrapped is not None
        and getattr(wrapped, "__module__", "") == module
        and wrapped.__code__.co_argcount == 0
    )


def module_patterns() -> dict[Any, Found]:
    uses = pattern_uses()
    out: dict[Any, Found] = {}
    for name in relbot_modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if isinstance(value, type) and value.__module__ == name:
                for cattr, cvalue in vars(value).items():
                    _walk_value(cvalue, f"{name}.{attr}.{cattr}", out)
            elif _lazy_table(value, name):
                # patterns compiled on first use by a cached function of no arguments
                _walk_value(value(), f"{name}.{attr}", out)
            else:
                _walk_value(value, f"{name}.{attr}", out)
    for key, found in out.items():
        attr = found.where.rsplit(".", 1)[-1]
        if "[" not in attr and "(" not in attr:
            out[key] = Found(found.pattern, found.where, _uses_of(attr, uses))
    return out


def _flags_of(call: ast.Call) -> int:
    """The flags of a literal ``re.X(pattern, ..., flags)`` call, when written as re.I etc."""
    flags = 0
    for node in [*call.args[1:], *(k.value for k in call.keywords if k.arg == "flags")]:
        for sub in ast.walk(node):
            if (
                isinstance(sub, ast.Attribute)
                and isinstance(sub.value, ast.Name)
                and sub.value.id == "re"
                and isinstance(getattr(re, sub.attr, None), re.RegexFlag)
            ):
                flags |= getattr(re, sub.attr)
    return flags


def literal_patterns() -> dict[Any, Found]:
    """``re.search(r"...", text)`` and the like with the pattern written in place."""
    out: dict[Any, Found] = {}
    for path in sorted(RELBOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr in _RE_CALLS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str | bytes)
            ):
                continue
            compiled = re.compile(node.args[0].value, _flags_of(node))
            where = f"{path.relative_to(RELBOT.parent)}:{node.lineno}"
            kind = node.func.attr
            used = frozenset({kind}) if kind in ANCHORED else SEARCHING
            out.setdefault((compiled.pattern, compiled.flags), Found(compiled, where, used))
    return out


@contextmanager
def recording_compiles() -> Iterator[dict[Any, Found]]:
    """Record every pattern relbot code compiles (directly or through re.search & co)."""
    seen: dict[Any, Found] = {}
    original = re._compile  # type: ignore[attr-defined]

    def recorder(pattern: Any, flags: Any) -> Any:
        compiled = original(pattern, flags)
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename.endswith(("re/__init__.py",)):
            frame = frame.f_back  # type: ignore[assignment]
        in_relbot = frame is not None and frame.f_code.co_filename.startswith(str(RELBOT))
        if in_relbot and isinstance(compiled, re.Pattern):
            where = f"run time: {Path(frame.f_code.co_filename).name}:{frame.f_lineno}"
            seen.setdefault((compiled.pattern, compiled.flags), Found(compiled, where))
        return compiled

    re._compile = recorder  # type: ignore[attr-defined]
    try:
        yield seen
    finally:
        re._compile = original  # type: ignore[attr-defined]


def all_patterns(exercise: Callable[[], None] | None = None) -> list[Found]:
    """Every pattern of the three kinds; ``exercise`` runs relbot over sample mail."""
    found = module_patterns()
    for key, value in literal_patterns().items():
        found.setdefault(key, value)
    if exercise is not None:
        re.purge()  # patterns compiled earlier through re.search are cached, not compiled again
        with recording_compiles() as seen:
            exercise()
        for key, value in seen.items():
            found.setdefault(key, value)
    return sorted(found.values(), key=lambda f: f.where)


# -- inputs that pump a pattern ------------------------------------------------

#: the runs every pattern is tried on
_BASE_RUNS = (
    " ",
    "\t",
    "\u00a0",
    " \t",
    " \u00a0",
    "\t\u00a0 ",
    "\n",
    " \n",
    "\r\n",
    "a",
    "a ",
    "ab",
    "0",
    "1.",
    ".",
    "-",
    "- ",
    "_",
    ">",
    "> ",
    "<",
    "@",
    "a@",
    "(",
    ")",
    "[",
    "*",
    "/",
    "a/",
    ":",
    ", ",
    "=",
    "=?",
    "#",
    "'",
    '"',
    "!",
    "?",
    "A",
    "Ab ",
    "é",
)
#: how the input ends: nothing, or a character that makes a near-match fail late
_ENDINGS = ("", "!", "\n", " !")


def _literal_chars(pattern: re.Pattern[Any]) -> set[str]:
    """Characters the pattern names: literals and the first character of each range."""
    chars: set[str] = set()
    try:
        tree = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:
        return chars

    def walk(items: Any) -> None:
        for op, av in items:
            name = str(op)
            if name in ("LITERAL", "NOT_LITERAL") and isinstance(av, int):
                chars.add(chr(av))
            elif name == "IN":
                for sop, sav in av:
                    if str(sop) == "LITERAL":
                        chars.add(chr(sav))
                    elif str(sop) == "RANGE":
                        chars.add(chr(sav[0]))
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                walk(av[2])
            elif name == "SUBPATTERN":
                walk(av[-1])
            elif name == "BRANCH":
                for branch in av[1]:
                    walk(branch)
            elif name in ("ASSERT", "ASSERT_NOT"):
                walk(av[1])
            elif name == "ATOMIC_GROUP":
                walk(av)

    walk(tree)
    return {c for c in chars if c.isprintable() or c in "\t\n\r\u00a0"}


def _leading_text(pattern: re.Pattern[Any]) -> list[str]:
    """Literal words the pattern starts with or contains ("On", "snip", "wrote"), up to 6."""
    if not isinstance(pattern.pattern, str):
        return []
    words = re.findall(r"(?<![\\?(])\b[A-Za-z]{2,}\b", pattern.pattern)
    picked = list(dict.fromkeys(w for w in words if w.lower() not in {"x", "p", "b"}))
    return picked[:6]


def adversarial_inputs(pattern: re.Pattern[Any], n: int) -> Iterator[tuple[str, str]]:
    """``(label, text)`` of about ``n`` characters each, built to pump ``pattern``."""
    named = _literal_chars(pattern)
    # runs of letters, digits and whitespace meet every class (\\w, \\S, .); a run of
    # punctuation only matters to a pattern that names one of its characters
    runs = [r for r in _BASE_RUNS if r.strip(" \t\u00a0\r\naAbé0") == "" or set(r) & named]
    for c in sorted(named):
        for run in (c, c + " ", c + "a"):
            if run not in runs:
                runs.append(run)
    for word in _leading_text(pattern):
        # the pattern's own words over and over ("http://x/http://x/...")
        for run in (word, word + " ", word + "://x/", word + "@x.", word + ":"):
            if run not in runs:
                runs.append(run)
    heads = ["", *(w + " " for w in _leading_text(pattern))]
    for head in heads:
        for run in runs if not head else _BASE_RUNS[:10]:
            body = (run * (n // len(run) + 1))[: max(0, n - len(head) - 1)]
            for ending in _ENDINGS:
                yield f"{head!r} + {run!r}*N + {ending!r}", head + body + ending


def pattern_inputs(pattern: re.Pattern[Any], n: int) -> Iterator[tuple[str, str | bytes]]:
    """Like ``adversarial_inputs``, as bytes for a bytes pattern."""
    for label, text in adversarial_inputs(pattern, n):
        if isinstance(pattern.pattern, bytes):
            yield label, text.encode("utf-8")
        else:
            yield label, text


# -- timing ---------------------------------------------------------------------


class CutOff(Exception):
    """A regex ran past its wall-clock allowance."""


def _on_alarm(_signum: int, _frame: Any) -> None:
    raise CutOff


def time_search(
    pattern: re.Pattern[Any],
    text: str | bytes,
    limit: float,
    uses: frozenset[str] = SEARCHING,
) -> float:
    """Seconds ``pattern`` takes over ``text`` as relbot applies it.

    A pattern searched with (or used in sub, split, findall, finditer) runs
    ``search`` and then ``finditer`` to the end; one only ever matched at the
    start runs ``match`` and ``fullmatch``.

    Past ``limit`` the run is cut off and ``limit`` is returned as a floor
    (only in the main thread, where SIGALRM is delivered; elsewhere it runs on).
    """
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGALRM, _on_alarm) if main else None
    started = time.perf_counter()
    try:
        if main:
            signal.setitimer(signal.ITIMER_REAL, limit)
        if uses <= ANCHORED:
            for method in sorted(uses):
                getattr(pattern, method)(text)
        else:
            pattern.search(text)
            for _ in pattern.finditer(text):
                pass
        return time.perf_counter() - started
    except CutOff:
        return max(limit, time.perf_counter() - started)
    finally:
        if main:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


@dataclass(frozen=True)
class Slow:
    found: Found
    label: str
    seconds: float


def slowest_inputs(found: Found, n: int, limit: float) -> list[Slow]:
    """The inputs of ``n`` characters on which ``found`` takes over ``limit`` seconds."""
    slow: list[Slow] = []
    for label, text in pattern_inputs(found.pattern, n):
        took = time_search(found.pattern, text, limit, found.uses)
        if took >= limit:
            slow.append(Slow(found, label, took))
    return slow
