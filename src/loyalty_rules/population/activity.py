"""Repeat-purchase models of the base: how likely a customer is to buy again.

Each customer who has bought is summarised as CDNOW-style repeat-purchase statistics
(`Repeat`): ``x`` repeat purchase days after the first purchase day, ``t_x`` the time of the
last purchase and ``T`` the time observed, both counted from the first purchase, in weeks.

Two models with closed-form likelihoods are fitted by maximum likelihood (scipy):

* **BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): purchases
  at a Poisson rate λ ~ Gamma(r, α) while alive; after each *repeat* purchase the customer
  dies with probability p ~ Beta(a, b). The reference. A customer who never came back
  (x = 0) is certainly alive under it, which ranks one-time buyers above everyone.
* **MBG/NBD** (Batislam, Denizel & Filiztekin 2007): the same, except that the customer may
  also die right after the *first* purchase. The default: on CDNOW it fits better (higher
  likelihood with as many parameters) and ranks next-period repurchasers better (see
  docs/population.md for the figures and the commands).

`p_active` is the model's probability of at least one purchase in the next ``horizon``
weeks: P(alive now) × (1 − ((α+T)/(α+T+τ))^(r+x)) (alive customers buy at a rate whose
posterior is Gamma(r+x, α+T); neither model lets a customer die without a purchase, so no
purchase in τ leaves them alive).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import attrs

MODELS = ("mbg/nbd", "bg/nbd")
#: the models' time unit: a week, as in the papers (α is then comparable with theirs)
WEEK_DAYS = 7.0


@attrs.frozen
class Repeat:
    """A buyer's repeat-purchase statistics: x repeat days, t_x and T in weeks."""

    x: int
    t_x: float
    T: float


@attrs.frozen
class ActivityModel:
    """A fitted repeat-purchase model: its name, parameters and fit."""

    model: str
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    fitted_on: int

    def p_alive(self, repeat: Repeat) -> float:
        x, t_x, T = repeat.x, repeat.t_x, repeat.T
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        if self.model == "bg/nbd":
            if x == 0:
                return 1.0
            odds = a / (b + x - 1)
        else:
            odds = a / (b + x)
        log_ratio = (r + x) * (math.log(alpha + T) - math.log(alpha + t_x))
        if log_ratio > 700:
            return 0.0
        return 1.0 / (1.0 + odds * math.exp(log_ratio))

    def p_purchase_within(self, repeat: Repeat, weeks: float) -> float:
        """The probability of at least one purchase in the next `weeks`."""
        alive = self.p_alive(repeat)
        shape, rate = self.r + repeat.x, self.alpha + repeat.T
        none_if_alive = math.exp(shape * (math.log(rate) - math.log(rate + weeks)))
        return alive * (1.0 - none_if_alive)

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "time_unit_days": WEEK_DAYS,
                "params": {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b},
                "log_likelihood": self.log_likelihood, "fitted_on": self.fitted_on}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ActivityModel:
        params = data["params"]
        return cls(str(data["model"]), float(params["r"]), float(params["alpha"]),
                   float(params["a"]), float(params["b"]), float(data["log_likelihood"]),
                   int(data["fitted_on"]))


def _log_likelihood(params: Any, model: str, x: Any, t_x: Any, T: Any, weight: Any) -> float:
    import numpy as np
    from scipy.special import gammaln

    r, alpha, a, b = np.exp(params)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a3 = -(r + x) * np.log(alpha + T)
    if model == "bg/nbd":
        a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
        with np.errstate(divide="ignore", invalid="ignore"):
            a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300))
                          - (r + x) * np.log(alpha + t_x), -np.inf)
    else:
        a2 = gammaln(a + b) + gammaln(b + x + 1) - gammaln(b) - gammaln(a + b + x + 1)
        a4 = np.log(a) - np.log(b + x) - (r + x) * np.log(alpha + t_x)
    total = float(np.sum(weight * (a1 + a2 + np.logaddexp(a3, a4))))
    return total if math.isfinite(total) else -1e300


def fit(repeats: Iterable[Repeat], model: str = "mbg/nbd") -> ActivityModel | None:
    """Maximum-likelihood fit of `model` on `repeats`; None when there is nothing to fit
    (no buyer, or no buyer ever came back: no repeat behaviour to learn from)."""
    import numpy as np
    from scipy.optimize import minimize

    if model not in MODELS:
        raise ValueError(f"activity model: expected one of {', '.join(MODELS)}, got {model!r}")
    counts: dict[tuple[int, float, float], int] = {}
    for rep in repeats:
        key = (rep.x, rep.t_x, rep.T)
        counts[key] = counts.get(key, 0) + 1
    if not counts or not any(x > 0 for x, _, _ in counts):
        return None
    rows = np.array(sorted(counts), dtype=float)
    x, t_x, T = rows[:, 0], rows[:, 1], rows[:, 2]
    weight = np.array([counts[k] for k in sorted(counts)], dtype=float)

    def cost(params: Any) -> float:
        return -_log_likelihood(params, model, x, t_x, T, weight)

    # L-BFGS-B on the log-parameters (bounded, so a degenerate base cannot overflow); Nelder-
    # Mead when it does not converge. On CDNOW both reach the same optimum to 5 digits, the
    # first in a third of the time.
    bounds = [(-12.0, 20.0)] * 4
    best = minimize(cost, np.zeros(4), method="L-BFGS-B", bounds=bounds)
    if not best.success:
        best = minimize(cost, best.x, method="Nelder-Mead",
                        options={"maxiter": 4000, "xatol": 1e-7, "fatol": 1e-7})
    r, alpha, a, b = (float(v) for v in np.exp(best.x))
    return ActivityModel(model, r, alpha, a, b, -float(best.fun), int(weight.sum()))
