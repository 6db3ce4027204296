"""The stated approximation, used only when asked: likelihood-weighted Monte Carlo.

Genotypes are drawn founders first (priors), then offspring from their parents' drawn
genotypes (Mendel), each animal's draw tilted towards its own records and each joint draw
weighted by what that tilt left out (likelihood weighting with a local proposal: Fung &
Chang 1990; Shachter & Peot 1990; sequential importance sampling as in Kong, Liu & Wong
1994). A posterior is the
self-normalised weighted frequency; its standard error is the delta-method one,
``sqrt(sum w_i^2 (x_i - p)^2) / sum w_i`` (Kong 1992 on importance-sampling precision; Owen
2013, §9.2). The effective sample size ``(sum w)^2 / sum w^2`` shrinks when records are many,
so the standard errors say how far to trust each figure: on a large pedigree with many
records the weights degenerate (few draws carry all the weight) and the delta-method standard
errors become meaningless (a single draw gives them all 0): :func:`~.inference.het_odds`
therefore refuses an estimate whose effective sample size is below ``min_effective_samples``
(:class:`~.errors.ApproximationError`). It is a stated fallback, never used unless asked for.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from reptidex.engine.carriers.factors import RowInputs, Table
from reptidex.engine.pedigree import Pedigree


def monte_carlo(
    pedigree: Pedigree, inputs: RowInputs, *, samples: int, seed: int
) -> tuple[Table, Table, npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    """Per row: posteriors (rows, animals, size), the standard error of each animal's
    probability of carrying (rows, animals), whether any draw was consistent with the
    records (a row with none gets no estimate), and the effective sample size
    ``(sum w)^2 / sum w^2``."""
    if samples < 2:
        raise ValueError("Monte Carlo needs at least 2 samples")
    rng = np.random.default_rng(seed)
    rows, n, size = inputs.psi.shape
    psi = np.asarray(inputs.psi, dtype=np.float64)
    prior = np.asarray(inputs.prior, dtype=np.float64)
    kernel = np.asarray(inputs.kernel, dtype=np.float64)
    post = np.zeros((rows, n, size))
    errors = np.zeros((rows, n))
    ok = np.ones(rows, dtype=bool)
    effective = np.zeros(rows)
    sire, dam = pedigree.sire, pedigree.dam
    for r in range(rows):
        drawn = np.empty((n, samples), dtype=np.int64)
        log_w = np.zeros(samples)
        for i in range(n):
            s, d = int(sire[i]), int(dam[i])
            if s < 0 and d < 0:
                p = np.broadcast_to(prior[r, i], (samples, size))
            else:
                gs = drawn[s] if s >= 0 else np.full(samples, size)
                gd = drawn[d] if d >= 0 else np.full(samples, size)
                p = kernel[r, gs, gd, :]
            # drawn from the transmission times the animal's own records (a proposal that
            # never contradicts them); the weight takes the normaliser
            q = p * psi[r, i]
            cumulative = np.cumsum(q, axis=1)
            mass = cumulative[:, -1]
            u = rng.random(samples) * mass
            g = np.minimum((cumulative < u[:, None]).sum(axis=1), size - 1)
            drawn[i] = g
            with np.errstate(divide="ignore"):
                log_w += np.log(mass)
        if not np.isfinite(log_w).any():
            ok[r] = False
            continue
        w = np.exp(log_w - log_w.max())
        total = w.sum()
        effective[r] = float(total**2 / (w**2).sum())
        for i in range(n):
            counts = np.bincount(drawn[i], weights=w, minlength=size)
            post[r, i] = counts / total
            x = (drawn[i] > 0).astype(np.float64)  # genotype 0 is the only non-carrier
            p_hat = float((w * x).sum() / total)
            errors[r, i] = float(np.sqrt((w**2 * (x - p_hat) ** 2).sum()) / total)
    return post, errors, ok, effective
