"""HTML-only mail as plain text: block tags become line breaks, scripts and styles are
dropped, entities decoded; what a person would read in the mail, nothing more.
"""

from __future__ import annotations

from html.parser import HTMLParser

# -- HTML-only mail ------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    {"p", "div", "li", "ul", "ol", "tr", "table", "pre", "hr", "dl", "dt", "dd", "section"}
    | {"address", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_SKIP_TAGS = frozenset({"head", "style", "script", "title"})


class _TextMaker(HTMLParser):
    """HTML to plain text, with blockquotes as ``> `` quotes and links kept."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line: list[str] = []
        self.line_depth = 0
        self.depth = 0
        self.pre = 0
        self.skip = 0
        self.href = ""

    def newline(self, force: bool = False) -> None:
        text = "".join(self.line).rstrip()
        text = text if self.pre else text.lstrip()
        if text or force:
            self.lines.append(("> " * self.line_depth + text).rstrip())
        self.line = []
        self.line_depth = self.depth

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag == "br":
            self.newline(force=True)
        elif tag == "blockquote":
            self.newline()
            self.depth += 1
            self.line_depth = self.depth
        elif tag in _BLOCK_TAGS:
            self.newline()
            self.pre += tag == "pre"
        elif tag == "a":
            self.href = dict(attrs).get("href") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self.newline()
            self.depth = max(0, self.depth - 1)
            self.line_depth = self.depth
        elif tag in _BLOCK_TAGS:
            self.newline()
            self.pre = max(0, self.pre - (tag == "pre"))
        elif tag == "a" and self.href.startswith(("http:", "https:")):
            if self.href not in "".join(self.line):
                self.line.append(f" <{self.href}>")
            self.href = ""

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            first, *rest = data.split("\n")
            self.line.append(first)
            for chunk in rest:
                self.newline(force=True)
                self.line.append(chunk)
            return
        words = " ".join(data.split())
        if words:
            lead = " " if data[:1].isspace() and self.line else ""
            tail = " " if data[-1:].isspace() else ""
            self.line.append(lead + words + tail)


def html_to_text(html: str) -> str:
    """Readable text of an HTML body; never raises."""
    maker = _TextMaker()
    try:
        maker.feed(html)
        maker.close()
    except (AssertionError, ValueError):  # html.parser's complaints about broken markup
        pass
    maker.newline()
    return "\n".join(maker.lines).replace("\xa0", " ") + "\n"
