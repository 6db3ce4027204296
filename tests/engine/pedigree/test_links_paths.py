"""Which way the parent links answer, and that an answer, once given, stays.

:class:`PedigreeLinks` answers a coefficient by the recursion of Malécot or, past its depth
(:data:`RECURSION_GENERATIONS`) or its budget of pairs (:data:`RECURSION_BUDGET`), by the
vectorised method; it keeps what it computed. These tests pin the choice where a caller can
see it: a line deeper than the recursion may walk must not reach it (Python's recursion limit),
the recursion's exact zero for animals without a common ancestor, answers that do not change
when asked again or after other questions, and a cycle reported as ``find_problems`` words it.
"""

from __future__ import annotations

import random
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pedigree_testkit import full_sib_series

from reptidex.engine.pedigree import PedigreeError, PedigreeLinks, inbreeding
from reptidex.engine.pedigree import links as links_module
from reptidex.engine.pedigree.validation import PedigreeProblem

Columns = tuple[list[int], list[int]]


def fibonacci_line(length: int, first: int = 0) -> Columns:
    """``length`` animals numbered from ``first``: two founders, then each animal the
    offspring of the two before it (sire the one just before); animal ``first + k`` lies
    ``k - 1`` generations below the founders."""
    sire = [-1, -1] + [first + k - 1 for k in range(2, length)]
    dam = [-1, -1] + [first + k - 2 for k in range(2, length)]
    return sire, dam


def longest_line(sire: list[int], dam: list[int], animal: int) -> int:
    """Generations from ``animal`` to its oldest ancestor, for parents numbered below their
    offspring (a plain walk in number order, for the tests)."""
    depth = [0] * len(sire)
    for here, parents in enumerate(zip(sire, dam, strict=True)):
        depth[here] = max((depth[p] + 1 for p in parents if p >= 0), default=0)
    return depth[animal]


# Two unrelated Fibonacci lines, A (0 … 220) and B (221 … 281), and X (282), the offspring of
# A's animal 200 (199 generations deep) and B's last: X's ancestry is exactly
# RECURSION_GENERATIONS deep. Y (283) is X's offspring with an unknown dam, one deeper.
A_SIRE, A_DAM = fibonacci_line(221)
B_SIRE, B_DAM = fibonacci_line(61, first=221)
X, Y = 282, 283
TWO_LINES = (A_SIRE + B_SIRE + [200, X], A_DAM + B_DAM + [281, -1])


def two_lines() -> PedigreeLinks:
    return PedigreeLinks(*TWO_LINES)


def test_the_two_lines_are_as_deep_as_the_recursion_walks() -> None:
    sire, dam = TWO_LINES
    assert longest_line(sire, dam, X) == links_module.RECURSION_GENERATIONS == 200
    assert longest_line(sire, dam, Y) == 201
    assert longest_line(sire, dam, 220) == 219


def test_parents_without_a_common_ancestor_give_exactly_0_as_deep_as_the_recursion_walks() -> None:
    """X's ancestry is RECURSION_GENERATIONS deep: the recursion answers, and its 0 for
    unrelated parents is exact (the vectorised method would leave a rounding residue)."""
    links = two_lines()
    assert links.kinship(200, 281) == 0.0
    assert links.inbreeding(X) == 0.0


def test_unrelated_parents_spend_none_of_the_budget() -> None:
    """Only related pairs are expanded: with no pair allowed at all, the recursion still
    answers the inbreeding of an animal whose parents are unrelated, exactly."""
    links = two_lines()
    with mock.patch.object(links_module, "RECURSION_BUDGET", 0):
        assert links.inbreeding(X) == 0.0


def test_animals_without_a_common_ancestor_have_kinship_exactly_0_however_deep() -> None:
    links = two_lines()
    assert links.kinship(220, 281) == 0.0
    assert links.kinship(281, 220) == 0.0


def test_an_answer_stays_when_a_deeper_descendant_is_computed_by_the_vectorised_method() -> None:
    links = two_lines()
    first = links.inbreeding(X)
    assert links.inbreeding(Y) == 0.0  # one parent known
    assert links.kinship(Y, 200) > 0.0  # Y's ancestry is past the recursion's depth
    assert links.inbreeding(X) == first == 0.0


def test_a_question_the_recursion_answers_leaves_other_animals_to_it() -> None:
    """The kinship of X and its sire (some 400 related pairs to expand, within the budget)
    is answered by the recursion, which leaves X's own inbreeding to it: exactly 0."""
    links = two_lines()
    assert links.kinship(X, 200) == pytest.approx(0.25 * (1 + links.inbreeding(200)), abs=1e-15)
    assert links.inbreeding(X) == 0.0


def full_sib_columns(generations: int) -> Columns:
    """Repeated full-sib mating: the sire of generation ``g`` is ``2g`` and its dam
    ``2g + 1``, both offspring of the pair before."""
    sire, dam = [-1, -1], [-1, -1]
    for g in range(1, generations + 1):
        sire += [2 * g - 2, 2 * g - 2]
        dam += [2 * g - 1, 2 * g - 1]
    return sire, dam


def test_an_answer_is_kept_whichever_method_gave_it() -> None:
    """Sixty generations of full-sib mating, where the two methods differ in the last bits;
    122 is an offspring of 106. Answers first given by the vectorised method are given
    again when the recursion is back and walks through the same animals."""
    sire, dam = full_sib_columns(60)
    links = PedigreeLinks([*sire, 106], [*dam, -1])
    with mock.patch.object(links_module, "RECURSION_BUDGET", 0):  # no pair for the recursion
        first = {pair: links.kinship(*pair) for pair in [(2, 108), (109, 3)]}
        inbred = links.inbreeding(106)
    assert links.kinship(106, 122) == pytest.approx(0.5 * (1 + inbred) / 2, abs=1e-15)
    for (a, b), value in first.items():
        assert links.kinship(a, b) == links.kinship(b, a) == value
    assert links.inbreeding(106) == inbred


def test_deep_full_sib_mating_is_answered_by_the_recursion_with_its_pairs_kept() -> None:
    """151 generations, within the recursion's depth: each pair is expanded once (without
    keeping them, the recursion would take some 2**150 steps)."""
    ped = full_sib_series(151)
    links = PedigreeLinks(ped.sire.tolist(), ped.dam.tolist())
    expected = inbreeding(ped)["s151"]
    assert links.kinship(ped.index("s150"), ped.index("d150")) == pytest.approx(expected, abs=1e-12)
    assert links.inbreeding(ped.index("s151")) == pytest.approx(expected, abs=1e-12)


def test_a_cycle_is_reported_as_find_problems_words_it() -> None:
    """1 is its own sire and has 2 for dam, whose sire is 1."""
    links = PedigreeLinks([-1, 1, 1], [-1, 2, -1])
    with pytest.raises(PedigreeError) as caught:
        links.equivalent_generations(1)
    assert caught.value.problems == (
        PedigreeProblem("own-parent", "1 is recorded as its own parent", ("1",)),
        PedigreeProblem("cycle", "cycle: 1 -> 2 -> 1 (each has the next as a parent)", ("1", "2")),
    )
    assert links.equivalent_generations(0) == 0.0  # the walk left as if not begun


DEEP = 1500


def dam_line() -> Columns:
    """0 … DEEP a line of dams (the dam of k is k + 1), DEEP its founder, also the sire of 0;
    DEEP + 1 the offspring of DEEP and 0: its longest line DEEP + 1 generations, through dams."""
    sire = [DEEP] + [-1] * DEEP + [DEEP]
    dam = [k + 1 for k in range(DEEP)] + [-1, 0]
    return sire, dam


@pytest.mark.parametrize("through", ["dams", "sires"])
def test_a_line_deeper_than_the_recursion_walks_takes_the_vectorised_way(through: str) -> None:
    """The kinship of the founder and 0 is 1/4 + 2**-(DEEP + 2); the recursion would nest a
    call per generation, past Python's limit."""
    sire, dam = dam_line()
    if through == "sires":
        sire, dam = dam, sire
    # each on links of its own: the vectorised method keeps what it computed
    assert PedigreeLinks(sire, dam).inbreeding(DEEP + 1) == pytest.approx(0.25, abs=1e-12)
    assert PedigreeLinks(sire, dam).kinship(0, DEEP) == pytest.approx(0.25, abs=1e-12)
    assert PedigreeLinks(sire, dam).kinship(DEEP, 0) == pytest.approx(0.25, abs=1e-12)


def test_a_coefficient_of_the_vectorised_way_is_kept_for_its_own_pair_only() -> None:
    """1 and n - 2 are the last full sibs of 210 generations of full-sib mating (past the
    recursion's depth, so the vectorised method answers); 0 is a founder apart and 2 its
    offspring (kinship 1/4), whose pair the recursion looks up among those it keeps."""
    sire_fs, dam_fs = full_sib_columns(210)
    n = len(sire_fs) + 2
    # number the full-sib animals so that the last sire is n - 2 and the last dam 1
    number = {len(sire_fs) - 2: n - 2, len(sire_fs) - 1: 1}
    rest = iter([*range(3, n - 2), n - 1])
    for k in range(len(sire_fs)):
        if k not in number:
            number[k] = next(rest)
    sire, dam = [-1] * n, [-1] * n
    for k in range(len(sire_fs)):
        if sire_fs[k] >= 0:
            sire[number[k]], dam[number[k]] = number[sire_fs[k]], number[dam_fs[k]]
    sire[2] = 0
    links = PedigreeLinks(sire, dam)
    deep = links.kinship(1, n - 2)
    assert links.kinship(n - 2, 1) == pytest.approx(deep, abs=1e-12)
    assert deep > 0.99
    assert links.kinship(0, 2) == links.kinship(2, 0) == 0.25


def shuffled_random_links(seed: int, n: int) -> PedigreeLinks:
    """A random pedigree of ``n`` animals, relatives mated, numbered in a random order."""
    rng = random.Random(seed)
    sire, dam = [-1] * n, [-1] * n
    for k in range(3, n):
        window = range(max(0, k - 8), k)
        if rng.random() < 0.9:
            sire[k] = rng.choice(window)
        if rng.random() < 0.9:
            dam[k] = rng.choice(window)
    order = list(range(n))
    rng.shuffle(order)  # animal k is numbered order[k]
    new_sire, new_dam = [-1] * n, [-1] * n
    for k in range(n):
        new_sire[order[k]] = -1 if sire[k] < 0 else order[sire[k]]
        new_dam[order[k]] = -1 if dam[k] < 0 else order[dam[k]]
    return PedigreeLinks(new_sire, new_dam)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    n=st.integers(min_value=2, max_value=40),
    questions=st.lists(
        st.tuples(st.integers(0, 39), st.integers(0, 39), st.booleans()), max_size=30
    ),
)
def test_a_coefficient_does_not_depend_on_the_questions_before_it(
    seed: int, n: int, questions: list[tuple[int, int, bool]]
) -> None:
    """Kinship asked in any order, each by either method, is the kinship asked alone; and
    asked again, the same number."""
    links = shuffled_random_links(seed, n)
    answers: dict[tuple[int, int], float] = {}
    for a, b, vectorised in questions:
        a, b = a % n, b % n
        budget = 0 if vectorised else links_module.RECURSION_BUDGET
        with mock.patch.object(links_module, "RECURSION_BUDGET", budget):
            answers[a, b] = links.kinship(a, b)
        alone = shuffled_random_links(seed, n).kinship(a, b)
        assert answers[a, b] == pytest.approx(alone, abs=1e-12)
    for (a, b), value in answers.items():
        assert links.kinship(a, b) == value


def test_a_question_within_the_budget_leaves_other_animals_to_the_recursion() -> None:
    """M (134), the offspring of two unrelated Fibonacci lines 101 generations deep, is
    mated into a herd of 1,500 animals, 150 generations of relatives mated (some 52,000
    related pairs for the kinship below, well within RECURSION_BUDGET * 150**2): the
    recursion answers it, and M's inbreeding stays the recursion's exact 0."""
    a_sire, a_dam = fibonacci_line(101)
    b_sire, b_dam = fibonacci_line(33, first=101)
    sire, dam = [*a_sire, *b_sire, 100], [*a_dam, *b_dam, 133]
    rng = random.Random(1)
    first = len(sire)
    for k in range(1500):
        here = first + k
        if k < 10:
            sire.append(-1)
            dam.append(-1)
            continue
        window = range(max(first, here - 40), here)
        s, d = rng.choice(window), rng.choice(window)
        sire.append(s)
        dam.append(d if d != s else -1)
    sire.append(134)  # the offspring of M and the herd's last animal
    dam.append(len(dam) - 1)
    a, b = len(sire) - 1, len(sire) - 3
    with mock.patch.object(links_module, "RECURSION_GENERATIONS", 0):  # the vectorised way
        expected = PedigreeLinks(sire, dam).kinship(a, b)
    links = PedigreeLinks(sire, dam)
    assert links.kinship(a, b) == pytest.approx(expected, abs=1e-12)
    assert links.inbreeding(134) == 0.0
