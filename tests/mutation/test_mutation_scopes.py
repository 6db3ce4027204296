"""The mutation record: scopes, fingerprints, survivor identity and the CI comparison."""

from __future__ import annotations

from pathlib import Path

import pytest
from mutation_scopes import (
    RESULTS_FILE,
    ROOT_RELATIVE_DOCS,
    Scope,
    ScopeResult,
    Survivor,
    dump_results,
    load_results,
    load_scopes,
    markdown_report,
    new_survivors,
    scopes_to_check,
    with_verdicts,
)

ROOT = Path(__file__).resolve().parents[2]


def _survivor(change: str, verdict: str = "open", reason: str = "") -> Survivor:
    return Survivor("kinship", change, verdict, reason)


def test_every_scope_names_an_existing_module_and_tests() -> None:
    scopes = load_scopes()
    assert len({scope.module for scope in scopes}) == len(scopes)
    for scope in scopes:
        assert (ROOT / scope.module).is_file(), scope.module
        for test_path in scope.tests:
            assert (ROOT / test_path).exists(), test_path


def test_fingerprint_follows_the_module_source(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    module = tmp_path / "src" / "rule.py"
    module.write_text("LIMIT = 3\n")
    scope = Scope("src/rule.py", ("tests",))
    first = scope.fingerprint(tmp_path)
    assert scope.fingerprint(tmp_path) == first
    module.write_text("LIMIT = 4\n")
    assert scope.fingerprint(tmp_path) != first


def test_a_survivor_the_record_lacks_is_new_and_duplicates_count() -> None:
    recorded = [_survivor("- a < b\n+ a <= b")]
    assert new_survivors([_survivor("- a < b\n+ a <= b")], recorded) == []
    twice = [_survivor("- a < b\n+ a <= b"), _survivor("- a < b\n+ a <= b")]
    assert new_survivors(twice, recorded) == [twice[1]]
    other = _survivor("- a + 1\n+ a - 1")
    assert new_survivors([other], recorded) == [other]
    assert new_survivors([], recorded) == []


def test_a_rerun_keeps_the_recorded_verdicts() -> None:
    recorded = [_survivor("- x\n+ y", "equivalent", "y is x here")]
    kept = with_verdicts([_survivor("- x\n+ y"), _survivor("- p\n+ q")], recorded)
    assert [(s.verdict, s.reason) for s in kept] == [("equivalent", "y is x here"), ("open", "")]


def test_results_round_trip_through_toml(tmp_path: Path) -> None:
    result = ScopeResult(
        "src/reptidex/engine/x.py",
        "abc",
        {"killed": 9, "survived": 2, "timeout": 1},
        [
            _survivor('- raise ValueError("no")\n+ raise ValueError(None)'),
            _survivor("- a\n+ b", "equivalent", "same"),
        ],
    )
    path = tmp_path / "results.toml"
    path.write_text(dump_results({result.module: result}))
    loaded = load_results(path)[result.module]
    assert loaded.counts == result.counts
    assert sorted(s.key for s in loaded.survivors) == sorted(s.key for s in result.survivors)
    # 10 killed (a timeout counts) of the 11 that an equivalent mutant does not excuse
    assert (loaded.killed, loaded.total, loaded.equivalent) == (10, 12, 1)
    assert loaded.score == pytest.approx(100 * 10 / 11)


def test_an_equivalent_mutant_without_a_reason_is_refused(tmp_path: Path) -> None:
    result = ScopeResult("src/m.py", "f", {"survived": 1}, [_survivor("- a\n+ b", "equivalent")])
    path = tmp_path / "results.toml"
    path.write_text(dump_results({"src/m.py": result}))
    with pytest.raises(ValueError, match="needs a reason"):
        load_results(path)


def test_the_recorded_results_cover_every_scope_and_docs_show_their_table() -> None:
    results = load_results(RESULTS_FILE)
    scopes = load_scopes()
    assert {scope.module for scope in scopes if not scope.pending} <= set(results)
    assert markdown_report(results, scopes) in (ROOT / ROOT_RELATIVE_DOCS).read_text("utf-8"), (
        "docs/testing.md must show the output of `./dev mutation report`"
    )


def test_ci_checks_changed_and_new_scopes_and_skips_pending_ones(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    for name in ("same", "changed", "new", "pending", "pending_measured"):
        (tmp_path / "src" / f"{name}.py").write_text(f"NAME = {name!r}\n")
    scope = {name: Scope(f"src/{name}.py", ("tests",)) for name in ("same", "changed", "new")}
    scope["pending"] = Scope("src/pending.py", ("tests",), "not run yet")
    scope["pending_measured"] = Scope("src/pending_measured.py", ("tests",), "a reason")
    recorded = {
        s.module: ScopeResult(s.module, s.fingerprint(tmp_path), {"killed": 1})
        for s in (scope["same"], scope["changed"], scope["pending_measured"])
    }
    (tmp_path / "src" / "changed.py").write_text("NAME = 'edited'\n")
    (tmp_path / "src" / "pending_measured.py").write_text("NAME = 'edited'\n")
    stale, skipped = scopes_to_check(list(scope.values()), recorded, tmp_path)
    assert stale == [scope["changed"], scope["new"], scope["pending_measured"]]
    assert skipped == [scope["pending"]]
