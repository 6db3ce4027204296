"""The property-testing kit (``reptidex.testing``): what its strategies draw, its profiles, and
its example run as an outside project would run it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from reptidex.engine.genetics import (
    Genotype,
    Sex,
    available_species,
    load_catalog,
    name_genotype,
    parse_genotype,
)
from reptidex.engine.pedigree import Pedigree, inbreeding
from reptidex.engine.pedigree import Sex as RecordedSex
from reptidex.testing import (
    PROFILES,
    catalogs,
    genotypes,
    morphs,
    parent_pairs,
    pedigrees,
    sex_linked_loci,
    species_ids,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "property-tests"
BP = load_catalog("ball_python")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(pedigrees(inbred=False))
def test_pedigrees_without_inbreeding_have_none(ped: Pedigree) -> None:
    assert not inbreeding(ped).array.any()


@FAST
@given(pedigrees(inbred=True))
def test_inbred_pedigrees_hold_an_animal_inbred_at_least_a_quarter(ped: Pedigree) -> None:
    assert inbreeding(ped).array.max() >= 0.25


@FAST
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(st.just(n), pedigrees(n, n + 3))))
def test_pedigrees_have_the_size_asked_for_and_sexed_parents(
    drawn: tuple[int, Pedigree],
) -> None:
    low, ped = drawn
    assert low <= len(ped) <= low + 3
    assert ped.record_order == tuple(f"a{i}" for i in range(len(ped)))
    for animal in ped.animals:
        if animal.sire is not None:
            assert ped.animal(animal.sire).sex is RecordedSex.MALE
        if animal.dam is not None:
            assert ped.animal(animal.dam).sex is RecordedSex.FEMALE


@FAST
@given(pedigrees(inbred=None, unknown_sex=True))
def test_only_animals_without_offspring_may_lack_a_sex(ped: Pedigree) -> None:
    for animal in ped.animals:
        if animal.sex is RecordedSex.UNKNOWN:
            assert not ped.children(animal.id)


def test_both_kinds_of_pedigree_come_up_by_default() -> None:
    assert find(pedigrees(), lambda p: bool(inbreeding(p).array.any()))
    assert find(pedigrees(min_animals=5), lambda p: not inbreeding(p).array.any())
    assert find(pedigrees(unknown_sex=True), lambda p: RecordedSex.UNKNOWN in p.sexes)


def test_pedigree_bounds_are_checked() -> None:
    with pytest.raises(ValueError, match="min_animals"):
        find(pedigrees(0, 3), lambda _: True)
    with pytest.raises(ValueError, match="at least 5"):
        find(pedigrees(1, 4, inbred=True), lambda _: True)


@FAST
@given(parent_pairs(sexed=True))
def test_sexed_parents_are_a_male_and_a_female_of_one_species(
    pair: tuple[Genotype, Genotype],
) -> None:
    sire, dam = pair
    assert (sire.sex, dam.sex) == (Sex.MALE, Sex.FEMALE)
    assert sire.species == dam.species


@FAST
@given(parent_pairs(sexed=False, certain=True))
def test_unsexed_certain_parents_carry_no_sex_linked_gene(
    pair: tuple[Genotype, Genotype],
) -> None:
    for parent in pair:
        assert parent.sex is None
        assert parent.is_certain
        linked = {parent.catalog.block_of_locus[li][0] for li in sex_linked_loci(parent.catalog)}
        assert not linked & {index for index, _ in parent.blocks}


def test_what_breeders_meet_comes_up() -> None:
    """Sex-linked genes on sexed animals, named compounds, possible hets, every species."""
    banana = BP.locate_allele(BP.allele_by_name("Banana").id)[0]
    find(genotypes(BP, sex=Sex.MALE), lambda g: g.carrier_probability("Banana") == 1)
    complex_locus = BP.locate_allele(BP.allele_by_name("Lesser").id)[0]
    spec = BP.loci[complex_locus]
    named = {
        tuple(sorted((spec.allele_index(c.alleles[0]), spec.allele_index(c.alleles[1]))))
        for c in spec.compounds
    }
    find(genotypes(BP), lambda g: bool(named & set(g.locus_distribution(complex_locus))))
    find(genotypes(BP), lambda g: 0 < g.carrier_probability("Clown") < 1)
    assert banana in sex_linked_loci(BP)
    assert find(species_ids(), lambda s: s != "ball_python") in available_species()
    find(catalogs(["corn_snake"]), lambda c: c.id == "corn_snake")


@FAST
@given(
    st.sampled_from([None, Sex.MALE, Sex.FEMALE]).flatmap(
        lambda s: st.tuples(st.just(s), morphs(BP, sex=s))
    )
)
def test_morph_names_read_back_as_written(drawn: tuple[Sex | None, str]) -> None:
    sex, text = drawn
    assert parse_genotype(BP, text, sex).carrier_probability("Pastel") in (0, 1)
    assert name_genotype(parse_genotype(BP, text, sex)) == text


def test_the_profiles_are_registered_with_hypothesis() -> None:
    assert set(PROFILES) == {"ci", "thorough"}
    ci = settings.get_profile("ci")
    assert (ci.derandomize, ci.deadline, ci.max_examples) == (True, None, 200)
    assert settings.get_profile("thorough").max_examples == 5_000


@pytest.mark.slow
def test_an_outside_project_runs_the_example_with_the_installed_package_only(
    tmp_path: Path,
) -> None:
    """The example folder, copied away from this repository (no conftest, no test helpers, no
    source path), passes under the ``ci`` profile; the plugin's fixtures run per species."""
    project = tmp_path / "outside"
    shutil.copytree(EXAMPLE, project)
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-profile=ci"],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "--hypothesis-profile=ci" not in run.stderr
    species = len(available_species())
    assert f"{4 + 2 * species} passed" in run.stdout, run.stdout[-2000:]
