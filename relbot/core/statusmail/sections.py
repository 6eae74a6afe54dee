"""Naming the sections of a status mail by their heading path.

A section's key is its heading lower-cased with the decoration removed
("hypervisor, blockers"); a nested heading joins its path with " / ", and a
heading that only groups others is left out of the path unless it tells two
sections apart.
"""

from __future__ import annotations

from relbot.core.statusmail.draft import DraftSection


def heading_key(text: str) -> str:
    """ "Hypervisor, Blockers:" -> "hypervisor, blockers"."""
    return " ".join(text.strip().strip(":").lower().split())


def kept_sections(drafts: list[DraftSection]) -> list[tuple[str, DraftSection]]:
    """Drop empty grouping headings, and name each section by its path.

    A grouping heading ("= Projects =") is left out of the names under it,
    unless that would give two different paths one name: "Blockers" and
    "Features" each with a "Hypervisor" part stay "blockers / hypervisor" and
    "features / hypervisor".
    """
    has_content = {sec.path for sec in drafts if sec.items or sec.text}
    short: dict[tuple[str, ...], str] = {}
    for path in dict.fromkeys(sec.path for sec in drafts if sec.path in has_content):
        parts = [
            heading_key(path[i])
            for i in range(len(path))
            if path[: i + 1] in has_content or i == len(path) - 1
        ]
        short[path] = " / ".join(p for p in parts if p)
    paths_of: dict[str, set[tuple[str, ...]]] = {}
    for path, key in short.items():
        paths_of.setdefault(key, set()).add(path)
    # a group that tells two sections apart names every section under it
    groups = {
        path[:i]
        for paths in paths_of.values()
        if len(paths) > 1
        for path in paths
        for i in range(1, len(path))
    }
    # so does one beside a heading that holds items itself: "** Blockers **" with
    # parts, then "** Features **" with its items directly under it
    filled: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    for path in has_content:
        filled.setdefault(path[:-1], set()).add(path)
    groups |= {
        path[:i]
        for path in short
        for i in range(1, len(path))
        if filled.get(path[: i - 1], set()) - {path[:i]}
    }
    kept: list[tuple[str, DraftSection]] = []
    for sec in drafts:
        if sec.path not in has_content:
            continue
        path = sec.path
        parts = [
            heading_key(path[i])
            for i in range(len(path))
            if path[: i + 1] in has_content or path[: i + 1] in groups or i == len(path) - 1
        ]
        kept.append((" / ".join(p for p in parts if p), sec))
    return kept
