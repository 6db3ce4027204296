"""Possible hets as breeders read them: ``66% het Clown``, never ``2/3 Clown``."""

from __future__ import annotations

from fractions import Fraction


def possible_het_label(probability: Fraction, gene: str, *, exact: bool = False) -> str:
    """The chance that an animal carries ``gene``, as breeders write it; ``exact`` adds the
    fraction. The hobby rounds thirds down: 2/3 is ``66%``, 1/3 ``33%``.

    >>> possible_het_label(Fraction(2, 3), "Clown"), possible_het_label(Fraction(1, 2), "Pied")
    ('66% het Clown', '50% het Pied')
    >>> possible_het_label(Fraction(4, 7), "Clown", exact=True)
    '57.1% het Clown (4/7)'
    """
    percent = probability * 100
    shown = percent.numerator // percent.denominator if percent.denominator in (1, 3) else None
    label = f"{shown}%" if shown is not None else f"{float(percent):.1f}%"
    return f"{label} het {gene}" + (f" ({probability})" if exact else "")


def read_possible_het(share: str) -> str:
    """A possible het as repti-animal lists it (``"2/3 Clown"``: the probability, then the
    gene) as breeders read it; text of another shape is kept as it is.

    >>> read_possible_het("2/3 Clown"), read_possible_het("1/2 Lesser Mojave")
    ('66% het Clown', '50% het Lesser Mojave')
    >>> read_possible_het("het Clown")
    'het Clown'
    """
    probability, _, gene = share.partition(" ")
    try:
        value = Fraction(probability)
    except (ValueError, ZeroDivisionError):
        return share
    if not gene or not 0 < value < 1:
        return share
    return possible_het_label(value, gene)
