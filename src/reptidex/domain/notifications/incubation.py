"""When a clutch is due to hatch: a thermal-sum (degree-day) model of incubation.

Below a developmental zero ``T0`` an embryo does not develop; above it, it develops at a
rate proportional to ``T - T0``, and hatches once the sum of ``T - T0`` over the days reaches
the species' thermal constant ``K`` (degree-days). At a constant temperature ``T`` the
incubation therefore takes ``K / (T - T0)`` days: warmer is faster. The model holds within
the range eggs are incubated at; outside it (too cold to develop, hot enough to harm) no date
is given. A breeder's own expected date always wins.

The constants are rough fits to the incubation times breeders report at common temperatures
(ball python about 55 days at 31.5 °C; leopard gecko about 47 days at 29 °C and 64 at
26.7 °C; corn snake about 60 days at 28 °C; bearded dragon about 60 days at 29 °C; crested
gecko 70-90 days at 22-24 °C; western hognose about 55 days at 28 °C): a reminder's date,
not a prediction to the day. The model is the classic linear degree-day model of ectotherm development as applied
to reptile embryos by Georges et al. (2005).

References
----------
Georges, A., Beggs, K., Young, J. E., & Doody, J. S. (2005). Modelling development of reptile
embryos under fluctuating temperature regimes. *Physiological and Biochemical Zoology*,
78(1), 18-30.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IncubationModel:
    """A species' degree-day constants and the temperatures (°C) they hold within."""

    zero: float
    """Developmental zero ``T0``."""
    constant: float
    """Thermal constant ``K`` in degree-days."""
    usual: float
    """The temperature assumed when the breeder gave none."""
    lowest: float
    highest: float

    def days(self, temperature: float) -> float | None:
        """Days of incubation at a constant ``temperature``, or ``None`` outside the model.

        >>> round(MODELS["ball_python"].days(31.5), 1)
        54.8
        >>> MODELS["ball_python"].days(40.0) is None
        True
        """
        if not self.lowest <= temperature <= self.highest:
            return None
        return self.constant / (temperature - self.zero)


MODELS: dict[str, IncubationModel] = {
    "ball_python": IncubationModel(zero=21.0, constant=575.0, usual=31.5, lowest=28, highest=33.5),
    "leopard_gecko": IncubationModel(zero=20.5, constant=400.0, usual=29.0, lowest=24, highest=34),
    "corn_snake": IncubationModel(zero=20.0, constant=480.0, usual=28.0, lowest=24, highest=32),
    "bearded_dragon": IncubationModel(zero=20.0, constant=540.0, usual=29.0, lowest=26, highest=32),
    "crested_gecko": IncubationModel(zero=14.0, constant=700.0, usual=24.0, lowest=20, highest=27),
    "western_hognose": IncubationModel(
        zero=20.0, constant=440.0, usual=28.0, lowest=25, highest=31
    ),
}
"""Models by species id (the gene catalogs' ids)."""
LIVE_BEARING = frozenset({"boa_constrictor"})
"""Species whose young are born, not hatched: no hatch date."""
SQUAMATE = IncubationModel(zero=21.0, constant=560.0, usual=30.0, lowest=24, highest=34)
"""The model of any other species: a typical egg-laying squamate."""


def due_date(
    laid_on: dt.date,
    species: str | None,
    temperature: float | None,
    expected: dt.date | None = None,
) -> dt.date | None:
    """The day a clutch laid on ``laid_on`` is due to hatch (``expected`` when the breeder
    gave one), or ``None`` when the temperature is outside the model.

    >>> due_date(dt.date(2026, 3, 1), "ball_python", 31.5)
    datetime.date(2026, 4, 25)
    >>> due_date(dt.date(2026, 3, 1), "ball_python", 29.0)
    datetime.date(2026, 5, 12)
    >>> due_date(dt.date(2026, 3, 1), "ball_python", 31.5, dt.date(2026, 4, 20))
    datetime.date(2026, 4, 20)
    """
    if expected is not None:
        return expected
    if species in LIVE_BEARING:
        return None
    model = MODELS.get(species or "", SQUAMATE)
    days = model.days(model.usual if temperature is None else temperature)
    if days is None:
        return None
    return laid_on + dt.timedelta(days=round(days))
