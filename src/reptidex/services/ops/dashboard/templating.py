"""The dashboard's Jinja2 templates: every value escaped, an unknown name an error."""

from __future__ import annotations

from pathlib import Path

from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig

from reptidex.services.kernel.page_templates import page_templates

TEMPLATES = Path(__file__).parent / "templates"


def dashboard_templates() -> TemplateConfig[JinjaTemplateEngine]:
    """The template configuration of repti-ops (autoescape on for every template)."""
    return page_templates(TEMPLATES)
