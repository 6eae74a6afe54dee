"""Undoing ``format=flowed`` (RFC 3676): the sender's soft line breaks joined again.

Thunderbird and others send ``text/plain; format=flowed``: a line that ends
in a space continues on the next line of the same quote depth, and a line
that starts with a space, ``>`` or ``From `` had a space put in front of it
("stuffing"). Read as plain text, a flowed mail breaks a title, a sentence
or a URL in two ("please track " / URL / "for 5.2"). Joining the
soft breaks gives back the lines the writer typed; quoted lines keep their
``>`` marks, and the signature separator ``-- `` is never joined.
"""

from __future__ import annotations

import re

_DEPTH = re.compile(r"^>+")


def _split(line: str) -> tuple[int, str]:
    m = _DEPTH.match(line)
    depth = len(m.group(0)) if m else 0
    body = line[depth:]
    return depth, body[1:] if body.startswith(" ") else body


def unflow(text: str, *, delsp: bool = False) -> str:
    """The text with RFC 3676 soft line breaks joined and space-stuffing undone."""
    out: list[str] = []
    pending: tuple[int, str] | None = None
    for raw in text.replace("\r\n", "\n").split("\n"):
        depth, body = _split(raw)
        if pending is not None and pending[0] == depth:
            body = pending[1] + body
        elif pending is not None:
            out.append(_join(*pending))
        pending = None
        if body.endswith(" ") and body != "-- ":
            pending = (depth, body[:-1] if delsp else body)
            continue
        out.append(_join(depth, body))
    if pending is not None:
        out.append(_join(*pending))
    return "\n".join(out)


def _join(depth: int, body: str) -> str:
    return (">" * depth + " " + body if body else ">" * depth) if depth else body
