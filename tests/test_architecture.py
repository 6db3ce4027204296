"""The dependency rule, checked on every import: services → domain ← adapters, domain → engine."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "reptidex"

ENGINE_ALLOWED_THIRD_PARTY = {"numpy", "networkx"}
FORBIDDEN_INSIDE = {
    "engine": ("reptidex.domain", "reptidex.adapters", "reptidex.services", "reptidex.cli"),
    "domain": ("reptidex.adapters", "reptidex.services", "reptidex.cli"),
    "adapters": ("reptidex.services", "reptidex.cli"),
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def modules_of(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN_INSIDE))
def test_inner_layers_never_import_outer_ones(layer: str) -> None:
    breaches = [
        f"{path.relative_to(PACKAGE)}:{line} imports {module}"
        for path in modules_of(layer)
        for line, module in imported_modules(path)
        if module.startswith(FORBIDDEN_INSIDE[layer])
    ]
    assert not breaches, "\n".join(breaches)


def test_engine_uses_only_the_standard_library_numpy_and_networkx() -> None:
    import sys

    breaches = []
    for path in modules_of("engine"):
        for line, module in imported_modules(path):
            top = module.split(".")[0]
            if top in ("reptidex", "__future__") or top in sys.stdlib_module_names:
                continue
            if top not in ENGINE_ALLOWED_THIRD_PARTY:
                breaches.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert not breaches, "\n".join(breaches)


def test_nothing_outside_the_entry_points_imports_services() -> None:
    entry_points = {PACKAGE / "cli", PACKAGE / "services"}
    breaches = [
        f"{path.relative_to(PACKAGE)}:{line} imports {module}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if not any(root in path.parents for root in entry_points)
        for line, module in imported_modules(path)
        if module.startswith("reptidex.services")
    ]
    assert not breaches, "\n".join(breaches)
