"""The dashboard's Jinja2 templates: every value escaped, an unknown name an error."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig

TEMPLATES = Path(__file__).parent / "templates"


def dashboard_templates() -> TemplateConfig[JinjaTemplateEngine]:
    """The template configuration of repti-ops (autoescape on for every template)."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        auto_reload=False,
    )
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))
