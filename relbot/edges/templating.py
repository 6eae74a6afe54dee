"""Loading the status-mail template and rendering a view with it.

The template is relbot's own (package data) or a file the RM names, so it runs
sandboxed with ``StrictUndefined``: a typo in a variable name is an error, not
an empty string. A template is one file: ``{% include %}``, ``{% extends %}``
and ``{% import %}`` are refused when it is read. Every failure, whether Jinja's
or one the template's own expressions raise (``{{ 1/0 }}``), becomes a
``ConfigError`` naming the template and, where known, the line.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from types import TracebackType

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from relbot.core.views import StatusView
from relbot.errors import ConfigError

#: the template relbot ships, used when ``[render] template`` names none
BUILTIN = "status.txt.j2"

_REFUSED = {
    nodes.Include: "{% include %}",
    nodes.Extends: "{% extends %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from ... import %}",
}


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def builtin_template() -> str:
    """The text of relbot's own status-mail template."""
    return importlib.resources.files("relbot").joinpath("data", BUILTIN).read_text("utf-8")


def template_name(template_path: Path | None) -> str:
    return str(template_path) if template_path is not None else f"(built-in) {BUILTIN}"


def load_template(template_path: Path | None) -> Template:
    """The template, read and checked; ConfigError if it cannot be used."""
    name = template_name(template_path)
    if template_path is None:
        source = builtin_template()
    else:
        try:
            source = template_path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise ConfigError(
                f"[render] template: {template_path} does not exist (fix the path, or "
                "remove the key to use the built-in template)"
            ) from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"[render] template: cannot read {template_path} ({exc})") from exc
    env = _environment()
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        raise ConfigError(f"template {name} line {exc.lineno}: {exc.message}") from exc
    for kind, tag in _REFUSED.items():
        for node in tree.find_all(kind):
            raise ConfigError(
                f"template {name} line {node.lineno}: {tag} is not allowed: a template is one "
                "file (put the text it would bring in into this file)"
            )
    try:
        return env.from_string(tree)
    except TemplateError as exc:
        raise ConfigError(f"template {name}: {exc}") from exc


def render_status(view: StatusView, template_path: Path | None) -> str:
    """The status mail's text: ``view`` laid out by the template (None: the built-in one)."""
    template = load_template(template_path)
    name = template_name(template_path)
    try:
        return template.render(view=view)
    except SecurityError as exc:
        where = _line(exc.__traceback__)
        raise ConfigError(f"template {name}{where}: not allowed in a template: {exc}") from exc
    except TemplateError as exc:
        lineno = getattr(exc, "lineno", None)
        where = f" line {lineno}" if lineno else _line(exc.__traceback__)
        raise ConfigError(f"template {name}{where}: {exc}") from exc
    except OverflowError as exc:
        where = _line(exc.__traceback__)
        raise ConfigError(f"template {name}{where}: a value is too large ({exc})") from exc
    except RecursionError as exc:
        raise ConfigError(f"template {name}: it nests too deeply") from exc
    except Exception as exc:  # the template's own expressions: 1/0, "a" - 1, a huge range
        where = _line(exc.__traceback__)
        raise ConfigError(f"template {name}{where}: {exc or type(exc).__name__}") from exc


def _line(tb: TracebackType | None) -> str:
    """`` line N`` of the template where an exception was raised, from its traceback."""
    found = ""
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            found = f" line {tb.tb_lineno}"
        tb = tb.tb_next
    return found
