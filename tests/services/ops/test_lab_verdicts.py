"""What a lab's finding does to a recorded genotype, without a database or HTTP: the verdict
for each finding against each state of the gene in the record, and the morph the engine
writes."""

from __future__ import annotations

import dataclasses
import uuid
from fractions import Fraction

import pytest

from reptidex.domain.integrations.labs.model import Finding, LabAnimal, Outcome
from reptidex.domain.integrations.labs.reading import genes_named, read_finding
from reptidex.domain.integrations.labs.verdicts import judge
from reptidex.engine.genetics import load_catalog

BP = load_catalog("ball_python")
(CLOWN,) = genes_named(BP, "Clown")
(PASTEL,) = genes_named(BP, "Pastel")


def animal(
    traits: tuple[str, ...] = ("Pastel",),
    hets: tuple[str, ...] = (),
    possible: dict[str, Fraction] | None = None,
    *,
    certain: bool = True,
) -> LabAnimal:
    return LabAnimal(
        id=uuid.uuid4(),
        code="BP-1",
        species="ball_python",
        sex="male",
        morph="(as recorded)",
        traits=traits,
        hets=hets,
        possible_hets=possible or {},
        certain_phenotype=certain,
    )


@pytest.mark.parametrize(
    ("record", "finding", "outcome", "morph"),
    [
        (
            animal(possible={"Clown": Fraction(2, 3)}),
            Finding.HET,
            Outcome.APPLIED,
            "Pastel het Clown",
        ),
        (animal(), Finding.HET, Outcome.APPLIED, "Pastel het Clown"),
        (animal(hets=("Clown",)), Finding.HET, Outcome.UNCHANGED, None),
        (animal(("Clown",)), Finding.HET, Outcome.CONFLICT, None),
        (animal(possible={"Clown": Fraction(1, 2)}), Finding.NEGATIVE, Outcome.APPLIED, "Pastel"),
        (animal(), Finding.NEGATIVE, Outcome.UNCHANGED, None),
        (animal(hets=("Clown",)), Finding.NEGATIVE, Outcome.CONFLICT, None),
        (animal(("Clown",)), Finding.NEGATIVE, Outcome.CONFLICT, None),
        (animal(("Clown",)), Finding.VISUAL, Outcome.UNCHANGED, None),
        (animal(possible={"Clown": Fraction(2, 3)}), Finding.VISUAL, Outcome.CONFLICT, None),
        (animal(certain=False), Finding.HET, Outcome.CONFLICT, None),
    ],
)
def test_each_finding_against_each_record(
    record: LabAnimal, finding: Finding, outcome: Outcome, morph: str | None
) -> None:
    verdict = judge(BP, record, CLOWN, finding)
    assert (verdict.outcome, verdict.morph) == (outcome, morph), verdict.detail


def test_other_hets_and_their_exact_odds_are_kept() -> None:
    record = animal(
        ("Pastel", "Spider"), ("Piebald",), {"Clown": Fraction(2, 3), "Hypo": Fraction(1, 3)}
    )
    verdict = judge(BP, record, CLOWN, Finding.HET)
    assert verdict.morph == "Bumblebee het Clown het Piebald 33% het Orange Ghost"


def test_a_hatchling_of_unknown_sex_with_a_sex_linked_gene_takes_its_lab_result() -> None:
    hatchling = dataclasses.replace(
        animal(("Banana",), possible={"Clown": Fraction(2, 3)}), sex="unknown"
    )
    verdict = judge(BP, hatchling, CLOWN, Finding.HET)
    assert (verdict.outcome, verdict.morph) == (Outcome.APPLIED, "Banana het Clown")
    assert judge(BP, hatchling, CLOWN, Finding.NEGATIVE).morph == "Banana"
    male = judge(BP, dataclasses.replace(hatchling, sex="male"), CLOWN, Finding.HET)
    assert male.morph == "Banana het Clown"


def test_a_het_test_of_a_gene_that_shows_is_bad() -> None:
    assert judge(BP, animal(), PASTEL, Finding.HET).outcome is Outcome.BAD
    assert judge(BP, animal(), PASTEL, Finding.VISUAL).outcome is Outcome.UNCHANGED


@pytest.mark.parametrize(
    ("text", "finding"),
    [
        ("HET CLOWN POSITIVE", Finding.HET),
        ("Non-carrier", Finding.NEGATIVE),
        ("not detected", Finding.NEGATIVE),
        ("homozygous positive", Finding.VISUAL),
        ("het visual", None),
        ("het negative positive", None),
        ("", None),
    ],
)
def test_result_texts(text: str, finding: Finding | None) -> None:
    assert read_finding(text) is finding
