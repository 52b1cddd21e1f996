"""The full Kaplan-Meier curves, for drawing (the outcomes page)."""

from __future__ import annotations

from outcomes.maths.km import fitted, number, weighted

CURVE_POINTS = 300  # at most this many steps per curve: charts stay small


def km_curve(observations, points: int = CURVE_POINTS) -> dict[str, list]:
    """The step curve of lifelines' KaplanMeierFitter with its 95% log-log band, as plain lists
    {"days", "estimate", "ci_low", "ci_high"} (fractions), thinned to at most `points` steps
    (the first and last kept); empty lists with no episodes. Observations as km_table's."""
    observations = [o for o in weighted(observations) if o[2] > 0]
    if not observations:
        return {"days": [], "estimate": [], "ci_low": [], "ci_high": []}
    fitter = fitted(observations)
    curve = fitter.survival_function_.iloc[:, 0]
    band = fitter.confidence_interval_
    index = list(range(len(curve)))
    if len(index) > points:
        step = len(index) / (points - 1)
        index = sorted({int(i * step) for i in range(points - 1)} | {len(curve) - 1})

    return {
        "days": [float(curve.index[i]) for i in index],
        "estimate": [number(curve.iloc[i]) for i in index],
        "ci_low": [number(band.iloc[i, 0]) for i in index],
        "ci_high": [number(band.iloc[i, 1]) for i in index],
    }
