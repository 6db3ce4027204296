"""The errors of the carrier engine: each names what a breeder or a caller must change."""

from __future__ import annotations

from collections.abc import Sequence


class SexLinkedLocusError(ValueError):
    """The locus is on the sex chromosomes: this engine models autosomal loci only and
    refuses rather than give numbers that ignore hemizygous inheritance.

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog
    >>> from reptidex.engine.carriers import carrier_locus
    >>> carrier_locus(load_catalog("ball_python"), "Banana")
    Traceback (most recent call last):
    ...
    reptidex.engine.carriers.errors.SexLinkedLocusError: locus 'banana' of Ball python is sex-linked: het odds are computed for autosomal loci only
    """


class TooComplexError(ValueError):
    """Exact inference would need a clique table larger than allowed.

    ``clique_size`` is the number of animals in the largest clique of the elimination order
    found, ``states`` the number of joint genotypes it holds, ``limit`` the allowed number.
    Ask for the stated approximation (``approximate=True``) or raise the limit.
    """

    def __init__(self, clique_size: int, states: int, limit: int) -> None:
        self.clique_size = clique_size
        self.states = states
        self.limit = limit
        super().__init__(
            f"exact het odds need a clique of {clique_size} animals ({states:,} joint "
            f"genotypes, the limit is {limit:,}): pass approximate=True for a Gibbs sampling "
            "estimate with standard errors, or raise max_clique_states"
        )


class ApproximationError(ValueError):
    """A sampling approximation did not reach the precision to be trusted, so no figure is
    given: likelihood weighting's weights degenerated (a few draws carry all the weight),
    or Gibbs chains have too few effective samples or did not agree (``r_hat`` above
    :data:`~reptidex.engine.carriers.gibbs.MAX_R_HAT`), or the Gibbs sampler is not proven
    to reach every possible state on these records (``reason`` says why).
    ``effective_samples``, ``samples`` and ``r_hat`` say how far off it was."""

    def __init__(
        self,
        locus: str,
        effective_samples: float,
        samples: int,
        wanted: int,
        r_hat: float | None = None,
        reason: str | None = None,
    ) -> None:
        self.effective_samples = effective_samples
        self.samples = samples
        self.wanted = wanted
        self.r_hat = r_hat
        self.reason = reason
        if reason is not None:
            message = f"no Gibbs estimate at {locus}: {reason}"
        elif r_hat is None:
            message = (
                f"the Monte Carlo estimate at {locus} has an effective sample size of "
                f"{effective_samples:,.1f} from {samples:,} draws (at least {wanted:,} "
                "wanted): its weights degenerate on this pedigree, so no figure is given"
            )
        else:
            message = (
                f"the Gibbs estimate at {locus} has not converged after {samples:,} sweeps "
                f"per chain (potential scale reduction {r_hat:.3f}, least effective sample "
                f"size {effective_samples:,.1f}, at least {wanted:,} wanted): ask for more "
                "samples, so no figure is given"
            )
        super().__init__(message)


class ContradictionError(ValueError):
    """The observations (and breeder-entered priors) cannot all be true under Mendelian
    inheritance.

    ``animals`` names the animals of a small explaining set (irreducible: drop any one of its
    records and the rest are possible), ``records`` pairs each with what was recorded.
    """

    def __init__(self, records: Sequence[tuple[str, str]], locus: str) -> None:
        self.records = tuple(records)
        self.animals = tuple(dict.fromkeys(animal for animal, _ in self.records))
        self.locus = locus
        listed = "; ".join(f"{animal}: {what}" for animal, what in self.records)
        super().__init__(
            f"these records at {locus} cannot all be true under Mendelian inheritance: {listed}"
        )
