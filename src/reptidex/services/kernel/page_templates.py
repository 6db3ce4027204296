"""Jinja2 templates of a service's server-rendered pages (the ops dashboard, core's account
pages): every value escaped, an unknown name an error, nothing reloaded from disk."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig


def page_templates(folder: Path) -> TemplateConfig[JinjaTemplateEngine]:
    """The template configuration of the pages whose templates are in ``folder``."""
    environment = Environment(
        loader=FileSystemLoader(folder),
        autoescape=True,
        undefined=StrictUndefined,
        auto_reload=False,
    )
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))
