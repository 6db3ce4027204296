"""The dependency rule, checked on every import: services → domain ← adapters, domain → engine."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "reptidex"

ENGINE_ALLOWED_THIRD_PARTY = {"numpy", "networkx"}
ENGINE_OPTIONAL_EXTRAS = {"pandas", "matplotlib"}
"""Imported by the engine in one module, ``engine/_optional.py``, when a caller asks for them,
and named elsewhere only for the type checker (under ``if TYPE_CHECKING:``)."""


def type_checking_lines(path: Path) -> set[int]:
    """Lines of the imports under ``if TYPE_CHECKING:``, which never run."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {
        inner.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
        for inner in node.body
        if isinstance(inner, ast.Import | ast.ImportFrom)
    }


FORBIDDEN_INSIDE = {
    "engine": ("reptidex.domain", "reptidex.adapters", "reptidex.services", "reptidex.cli"),
    "domain": ("reptidex.adapters", "reptidex.services", "reptidex.cli"),
    "adapters": ("reptidex.services", "reptidex.cli"),
    # the property-testing kit draws what the engine takes, for projects outside this one
    "testing": ("reptidex.domain", "reptidex.adapters", "reptidex.services", "reptidex.cli"),
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
        unused_at_run_time = type_checking_lines(path)
        for line, module in imported_modules(path):
            top = module.split(".")[0]
            if top in ("reptidex", "__future__") or top in sys.stdlib_module_names:
                continue
            if top in ENGINE_OPTIONAL_EXTRAS and (
                path == PACKAGE / "engine" / "_optional.py" or line in unused_at_run_time
            ):
                continue
            if top not in ENGINE_ALLOWED_THIRD_PARTY:
                breaches.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert not breaches, "\n".join(breaches)


def test_the_engine_imports_its_optional_extras_only_when_asked() -> None:
    """pandas and matplotlib are imported inside the functions of ``engine/_optional.py``, never
    at a module's top level, so ``import reptidex.engine`` works without them."""
    path = PACKAGE / "engine" / "_optional.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    top_level = [
        alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names
    ] + [node.module or "" for node in tree.body if isinstance(node, ast.ImportFrom)]
    assert not [m for m in top_level if m.split(".")[0] in ENGINE_OPTIONAL_EXTRAS]


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


SERVICES = PACKAGE / "services"
COMPOSITION_MODULES = {"app.py", "wiring.py"}
"""A service's composition root and its wiring (with its areas' ``<area>_wiring.py``, as
repti-community's): the only modules of a service that choose adapters."""


def is_composition(path: Path) -> bool:
    """Whether ``path`` is a composition root or wiring module."""
    return path.name in COMPOSITION_MODULES or path.name.endswith("_wiring.py")


def service_modules() -> list[Path]:
    """The modules of the six services (not the kernel, the registry or the runner)."""
    return sorted(
        path
        for path in SERVICES.rglob("*.py")
        if path.parent != SERVICES and SERVICES / "kernel" not in (path, *path.parents)
    )


def controller_modules() -> list[Path]:
    """Every service module but its composition root and wiring: controllers and their
    helpers, which get adapters by dependency injection."""
    return [path for path in service_modules() if not is_composition(path)]


def attribute_reads(path: Path, name: str) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == name
    ]


def test_the_services_are_found() -> None:
    names = {path.relative_to(SERVICES).parts[0] for path in service_modules()}
    assert names == {"animal", "commerce", "community", "core", "media", "ops", "web"}
    assert SERVICES / "animal" / "genetics.py" in controller_modules()
    assert SERVICES / "media" / "wiring.py" not in controller_modules()


def test_the_web_application_reaches_the_services_only_over_http() -> None:
    """repti-web owns no database and calls the six only through their public APIs: it imports
    no domain, adapter or other service's module (the kernel's HTTP plumbing only)."""
    web = SERVICES / "web"
    modules = sorted(web.rglob("*.py"))
    assert web / "app.py" in modules
    allowed = ("reptidex.services.web", "reptidex.services.kernel", "reptidex.__")
    breaches = [
        f"{path.relative_to(PACKAGE)}:{line} imports {module}"
        for path in modules
        for line, module in imported_modules(path)
        if module.startswith("reptidex") and not module.startswith(allowed) and module != "reptidex"
    ]
    assert not breaches, "\n".join(breaches)


def test_controllers_import_no_adapters() -> None:
    breaches = [
        f"{path.relative_to(PACKAGE)}:{line} imports {module}"
        for path in controller_modules()
        for line, module in imported_modules(path)
        if module.startswith("reptidex.adapters")
    ]
    assert not breaches, "\n".join(breaches)


def test_nothing_is_looked_up_on_app_state() -> None:
    breaches = [
        f"{path.relative_to(PACKAGE)}:{line} reads .state"
        for path in sorted(SERVICES.rglob("*.py"))
        for line in attribute_reads(path, "state")
    ]
    assert not breaches, "\n".join(breaches)


def test_handlers_reach_nothing_through_the_app() -> None:
    """A handler declares what it needs (Litestar injects it); it never goes through
    ``request.app``, nor through the getters kept for the runner and the tests."""
    getters = {"kernel_of", "components_of"}
    breaches = [
        f"{path.relative_to(PACKAGE)}:{line} reads .app"
        for path in controller_modules()
        for line in attribute_reads(path, "app")
    ]
    for path in sorted(SERVICES.rglob("*.py")):
        if path == SERVICES / "runner.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        breaches += [
            f"{path.relative_to(PACKAGE)}:{node.lineno} imports {alias.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
            if alias.name in getters
        ]
    assert not breaches, "\n".join(breaches)


def test_importing_the_engine_imports_no_optional_extra() -> None:
    import subprocess
    import sys

    code = (
        "import sys, reptidex.engine.genetics, reptidex.engine.pedigree, reptidex.engine.carriers\n"
        "print(sorted(m for m in ('pandas', 'matplotlib') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
