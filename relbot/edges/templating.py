"""Loading the status-mail template and rendering a view with it.

The template comes from a file the RM may swap, so it runs sandboxed with
``StrictUndefined``: a typo in a variable name is an error, not an empty
string. Every Jinja failure becomes a ``ConfigError`` naming the template.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import StrictUndefined, TemplateError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from relbot.core.views import StatusView
from relbot.errors import ConfigError


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render_status(view: StatusView, template_path: Path) -> str:
    """The status mail's text: ``view`` laid out by the template at ``template_path``."""
    try:
        source = template_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"template {template_path}: cannot read it ({exc})") from exc
    try:
        template = _environment().from_string(source)
        return template.render(view=view)
    except SecurityError as exc:
        raise ConfigError(f"template {template_path}: not allowed in a template: {exc}") from exc
    except TemplateError as exc:
        lineno = getattr(exc, "lineno", None)
        where = f" line {lineno}" if lineno else ""
        raise ConfigError(f"template {template_path}{where}: {exc}") from exc
    except OverflowError as exc:
        raise ConfigError(f"template {template_path}: a value is too large ({exc})") from exc
