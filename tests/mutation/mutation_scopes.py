"""What the mutation run covers and what it found: scopes, fingerprints and recorded results.

A *scope* is one module of ``src/`` mutated with the tests that guard it (``scopes.toml``).
Its *fingerprint* hashes the module, so a change to it is a change to the scope. ``results.toml`` records, per scope, the fingerprint and counts of the last reviewed run
and every mutant that survived it, each with a verdict: ``equivalent`` (it cannot change
behaviour; the reason says why) or ``open`` (a test should kill it, and none does yet).
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

SCOPES_FILE = Path(__file__).with_name("scopes.toml")
RESULTS_FILE = Path(__file__).with_name("results.toml")
ROOT_RELATIVE_DOCS = "docs/testing.md"

VERDICTS = ("equivalent", "open")


@dataclass(frozen=True, slots=True)
class Scope:
    """One module under mutation and the test paths selected for it."""

    module: str
    tests: tuple[str, ...]
    pending: str = ""  # why the module has no reviewed run yet; the CI check skips it

    @property
    def dotted(self) -> str:
        """The module's import name, which prefixes its mutants' names."""
        return self.module.removeprefix("src/").removesuffix(".py").replace("/", ".")

    def fingerprint(self, root: Path) -> str:
        """SHA-256 of the module's source: a change to it is a change to the scope."""
        return hashlib.sha256((root / self.module).read_bytes()).hexdigest()


def load_scopes(path: Path = SCOPES_FILE) -> list[Scope]:
    """Read the scopes; each names a module and a non-empty list of test paths."""
    data = tomllib.loads(path.read_text("utf-8"))
    scopes = [
        Scope(entry["module"], tuple(entry["tests"]), entry.get("pending", ""))
        for entry in data["scope"]
    ]
    for scope in scopes:
        if not scope.tests:
            raise ValueError(f"{scope.module}: a scope needs at least one test path")
    return scopes


@dataclass(frozen=True, slots=True)
class Survivor:
    """A surviving mutant, named by what it changes rather than by mutmut's running number.

    ``function`` is the mutated function (``Class.method`` for methods) and ``change`` the
    removed and added lines, so the same mutant keeps its identity when unrelated code moves.
    """

    function: str
    change: str
    verdict: str = "open"
    reason: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.function, self.change)


_MUTANT_NAME = re.compile(r"\.(?P<function>x[_ǁ][^.]*?)__mutmut_\d+$")


def function_of(mutant_name: str) -> str:
    """The function a mutmut mutant name points at.

    >>> function_of("reptidex.engine.genetics.genotype.x_sex_pair__mutmut_2")
    'sex_pair'
    >>> function_of("reptidex.engine.genetics.genotype.xǁGenotypeǁfrom_blocks__mutmut_5")
    'Genotype.from_blocks'
    """
    match = _MUTANT_NAME.search(mutant_name)
    if match is None:
        raise ValueError(f"not a mutmut mutant name: {mutant_name!r}")
    function = match["function"]
    if function.startswith("xǁ"):
        return ".".join(part for part in function[2:].split("ǁ") if part)
    return function.removeprefix("x_")


def change_of(diff: str) -> str:
    """The removed and added lines of a unified diff, stripped, one per line.

    >>> change_of('''--- a.py
    ... +++ a.py
    ... @@ -1,3 +1,3 @@
    ...      x = 1
    ... -    return x + 1
    ... +    return x - 1''')
    '- return x + 1\\n+ return x - 1'
    """
    lines = []
    for line in diff.splitlines():
        if line.startswith(("---", "+++")):
            continue
        if line.startswith(("-", "+")):
            lines.append(f"{line[0]} {line[1:].strip()}")
    return "\n".join(lines)


@dataclass(slots=True)
class ScopeResult:
    """One scope's run: counts by mutmut status, and the survivors (including "no tests")."""

    module: str
    fingerprint: str
    counts: dict[str, int]
    survivors: list[Survivor] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def killed(self) -> int:
        """Mutants a test failed on, or that ran into the timeout (an endless loop is caught)."""
        return self.counts.get("killed", 0) + self.counts.get("timeout", 0)

    @property
    def equivalent(self) -> int:
        return sum(1 for survivor in self.survivors if survivor.verdict == "equivalent")

    @property
    def score(self) -> float:
        """Killed over the mutants that can be killed (equivalent ones cannot), in percent."""
        killable = self.total - self.equivalent
        return 100.0 if killable == 0 else 100.0 * self.killed / killable


def scopes_to_check(
    scopes: list[Scope], recorded: dict[str, ScopeResult], root: Path
) -> tuple[list[Scope], list[Scope]]:
    """(the scopes CI mutates, the pending ones it skips): a recorded scope whose module changed,
    and a new scope that is not pending (every survivor of its first run is new)."""
    stale, skipped = [], []
    for scope in scopes:
        if scope.module in recorded:
            if recorded[scope.module].fingerprint != scope.fingerprint(root):
                stale.append(scope)
        elif scope.pending:
            skipped.append(scope)
        else:
            stale.append(scope)
    return stale, skipped


def new_survivors(found: list[Survivor], recorded: list[Survivor]) -> list[Survivor]:
    """Survivors of this run that the record does not list (counted, so duplicates matter)."""
    allowance = Counter(survivor.key for survivor in recorded)
    fresh = []
    for survivor in found:
        if allowance[survivor.key] > 0:
            allowance[survivor.key] -= 1
        else:
            fresh.append(survivor)
    return fresh


def with_verdicts(found: list[Survivor], recorded: list[Survivor]) -> list[Survivor]:
    """This run's survivors, carrying over the verdict and reason recorded for each."""
    by_key: dict[tuple[str, str], list[Survivor]] = {}
    for survivor in recorded:
        by_key.setdefault(survivor.key, []).append(survivor)
    result = []
    for survivor in found:
        previous = by_key.get(survivor.key)
        result.append(previous.pop(0) if previous else survivor)
    return result


def load_results(path: Path = RESULTS_FILE) -> dict[str, ScopeResult]:
    """The recorded results, by module path; an absent file records nothing."""
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text("utf-8"))
    results = {}
    for module, entry in data.get("module", {}).items():
        survivors = [
            Survivor(item["function"], item["change"], item["verdict"], item.get("reason", ""))
            for item in entry.get("survivor", [])
        ]
        for survivor in survivors:
            if survivor.verdict not in VERDICTS:
                raise ValueError(f"{module}: verdict {survivor.verdict!r} is not one of {VERDICTS}")
            if survivor.verdict == "equivalent" and not survivor.reason:
                raise ValueError(f"{module}: an equivalent mutant needs a reason ({survivor.key})")
        results[module] = ScopeResult(
            module, entry["fingerprint"], dict(entry["counts"]), survivors
        )
    return results


def _toml_string(value: str) -> str:
    # JSON's escapes (\" \\ \n \t \uXXXX) are all valid in a TOML basic string.
    return json.dumps(value, ensure_ascii=False)


def dump_results(results: dict[str, ScopeResult]) -> str:
    """``results.toml`` text: modules in path order, survivors in function order."""
    out = [
        "# Mutation results, written by `./dev mutation --record` and reviewed by hand: for each",
        '# survivor, set verdict = "equivalent" with the reason it cannot change behaviour, or',
        '# leave it "open" until a test kills it. See docs/testing.md.',
    ]
    for module in sorted(results):
        result = results[module]
        out += [
            "",
            f"[module.{_toml_string(module)}]",
            f"fingerprint = {_toml_string(result.fingerprint)}",
        ]
        counts = ", ".join(f"{_toml_string(k)} = {v}" for k, v in sorted(result.counts.items()))
        out.append(f"counts = {{ {counts} }}")
        for survivor in sorted(result.survivors, key=lambda s: s.key):
            out += [
                "",
                f"[[module.{_toml_string(module)}.survivor]]",
                f"function = {_toml_string(survivor.function)}",
                f"change = {_toml_string(survivor.change)}",
                f"verdict = {_toml_string(survivor.verdict)}",
            ]
            if survivor.reason:
                out.append(f"reason = {_toml_string(survivor.reason)}")
    return "\n".join(out) + "\n"


def markdown_report(results: dict[str, ScopeResult], scopes: list[Scope]) -> str:
    """What docs/testing.md shows: the score per module, the modules not measured yet, then
    every equivalent survivor."""
    rows = [
        "| module | mutants | killed | equivalent | open survivors | score |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    equivalents = []
    for module in sorted(results):
        result = results[module]
        name = module.removeprefix("src/reptidex/")
        open_count = len(result.survivors) - result.equivalent
        rows.append(
            f"| `{name}` | {result.total} | {result.killed} "
            f"| {result.equivalent} | {open_count} | {result.score:.1f}% |"
        )
        for survivor in sorted(result.survivors, key=lambda s: s.key):
            if survivor.verdict == "equivalent":
                change = "; ".join(f"`{line}`" for line in survivor.change.splitlines())
                equivalents.append(
                    f"- `{name}`, `{survivor.function}`: {change}. {survivor.reason}"
                )
    listing = "\n".join(equivalents) if equivalents else "None."
    return (
        "\n".join(rows) + "\n\nEquivalent survivors (they cannot change behaviour):\n\n" + listing
    )
