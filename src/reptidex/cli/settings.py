"""``reptidex settings``: the settings in effect here (secrets hidden), or their README table."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Mapping
from typing import Any

from reptidex.services.kernel.setting_declarations import Family, markdown_table
from reptidex.services.kernel.settings import (
    DECLARATIONS,
    Settings,
    SettingsError,
    load_settings,
)


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``settings`` command."""
    command = subparsers.add_parser(
        "settings",
        help="show the settings in effect, secrets hidden (--markdown: the table of all settings)",
        description=(
            "Validate the REPTIDEX_* variables of this environment and show every setting's "
            "effective value, one per line, secrets hidden and URL passwords masked; a value "
            "not set here is marked '# default'."
        ),
    )
    command.add_argument(
        "--markdown",
        action="store_true",
        help="print the README's configuration table instead, generated from the declarations",
    )
    command.set_defaults(func=_show)


def _show(args: argparse.Namespace) -> int:
    if args.markdown:
        print(markdown_table(DECLARATIONS), end="")
        return 0
    try:
        settings = load_settings(os.environ)
    except SettingsError as exc:
        print(f"reptidex: {exc}", file=sys.stderr)
        return 2
    for line in effective_lines(settings, os.environ):
        print(line)
    return 0


def effective_lines(settings: Settings, environ: Mapping[str, str]) -> Iterator[str]:
    """``NAME=value`` for every variable, in the README's order, secrets hidden.

    A value not set in ``environ`` is marked as the default, with what an empty one stands for.

    >>> environ = {"REPTIDEX_LOG_LEVEL": "debug", "REPTIDEX_STRIPE_SECRET_KEY": "sk_test_123"}
    >>> lines = list(effective_lines(load_settings(environ), environ))
    >>> [line for line in lines if "LOG_LEVEL" in line or "STRIPE_SECRET" in line]
    ['REPTIDEX_LOG_LEVEL=DEBUG', 'REPTIDEX_STRIPE_SECRET_KEY=<hidden>']
    >>> lines[1:3]
    ['REPTIDEX_HOST=127.0.0.1  # default', "REPTIDEX_PORT=  # default: the service's port"]
    """
    for item in DECLARATIONS:
        value = getattr(settings, item.attribute)
        if isinstance(item, Family):
            named = [(item.env_name(member), value.get(member)) for member in item.members]
        else:
            named = [(item.name, value)]
        for name, member_value in named:
            shown = item.shown(member_value)
            if environ.get(name):
                yield f"{name}={shown}"
            elif not shown and item.shown_default:
                yield f"{name}=  # default: {item.shown_default.replace('`', '')}"
            else:
                yield f"{name}={shown}  # default"
