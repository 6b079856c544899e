"""`Population`: what the whole customer base says about each customer in it.

    >>> import datetime as dt
    >>> from loyalty_rules import Population
    >>> base = [{"id": f"C{n}", "events": [
    ...     {"type": "purchase", "at": "2026-01-05", "amount": 10 * n},
    ...     *([{"type": "purchase", "at": "2026-03-01", "amount": 5}] if n % 2 else [])]}
    ...     for n in range(1, 41)]
    >>> population = Population.from_customers(base, dt.date(2026, 6, 30))
    >>> population.buyers, population.key_account_min_value
    (40, 325.0)

`Population.from_customers(customers, as_of)` reads the base once, in bounded memory: value
quantiles in sketches (`sketch.ValueSketch`), the activity model fitted on a fixed-size
sample (`sketch.Sample`). Its file (`save`/`load`) is JSON, documented in
docs/population.md. Given a population, a customer's standing (`standing.standing`) is a pure
function of the customer, the population and `as_of`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from ..errors import PopulationError, Problem, RecordError
from ..facts.models import Customer, as_date
from ..facts.parameters import ProfileParameters
from ..io.reading import Rejected, parse_customer
from .activity import MODELS, WEEK_DAYS, ActivityModel, Repeat, fit
from .purchases import Purchases
from .sketch import Sample, ValueSketch

FORMAT, VERSION = "loyalty-rules/population", 1
TIER_NAMES = ("IP", "VIP", "double_VIP", "triple_VIP")


@attrs.frozen
class PopulationParameters:
    """How the population ranks and models the base. Override any as ``population.<name>``."""

    #: what "value" ranks: total `spend` (CRM-11's "80 % of sales revenue") or `profit`.
    value: str = attrs.field(default="spend", validator=attrs.validators.in_(("spend", "profit")))
    #: CRM-11: the top share of buyers by value who are key accounts (the 20 of 20/80).
    key_share: float = 0.2
    #: CRM-11: key by influence: this many referrals …
    key_referrals: int = 2
    #: … or one of these customer kinds (a channel customer sells on to many).
    influence_kinds: tuple[str, ...] = attrs.field(default=("channel",), converter=tuple)
    #: LOY-05: the shares of buyers by value at the top, large and medium levels of the
    #: pyramid (the rest are small). The material names the levels, not their sizes: 1 / 4 /
    #: 15 / 80 % is Curry's customer pyramid, a choice.
    pyramid_top: float = 0.01
    pyramid_large: float = 0.04
    pyramid_medium: float = 0.15
    #: the repeat-purchase model behind `p_active`: ``mbg/nbd`` or ``bg/nbd``.
    activity_model: str = attrs.field(default="mbg/nbd", validator=attrs.validators.in_(MODELS))
    #: `p_active` is the probability of a purchase within this many days (CRM-07: after three
    #: months without contact customers "leave without guilt").
    activity_horizon_days: int = 90
    #: dormant below this `p_active`; None: the base's mean `p_active` (a customer less likely
    #: to come back than the average one).
    dormant_below: float | None = None
    #: at most this many buyers (a fixed hash sample) fit the activity model.
    sample_size: int = 50_000
    #: below this many buyers no activity model is fitted (too few to learn the base's
    #: repeat buying from): no `p_active`, and `dormant` stays CRM-02's interval rule.
    min_model_buyers: int = 500
    #: CRM-10 tiers relative to the base: tier spends at these spend percentiles.
    relative_tiers: bool = False
    tier_ip_percentile: float = 50.0
    tier_vip_percentile: float = 80.0
    tier_double_vip_percentile: float = 95.0
    tier_triple_vip_percentile: float = 99.0

    def __attrs_post_init__(self) -> None:
        shares = (self.key_share, self.pyramid_top, self.pyramid_large, self.pyramid_medium)
        if not all(0 < s <= 1 for s in shares):
            raise PopulationError([Problem("shares must be in (0, 1]", path="parameters")])
        if self.pyramid_top + self.pyramid_large + self.pyramid_medium > 1:
            raise PopulationError([Problem("pyramid_top + pyramid_large + pyramid_medium "
                                           "exceed 1", path="parameters")])
        if self.activity_horizon_days < 1 or self.sample_size < 1:
            raise PopulationError([Problem("activity_horizon_days and sample_size must be "
                                           "at least 1", path="parameters")])

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> PopulationParameters:
        """From ``{name: value}`` (``population.`` prefixes already removed), types checked."""
        fields = attrs.fields_dict(cls)
        converted: dict[str, Any] = {}
        problems = []
        for key, value in values.items():
            if key not in fields:
                problems.append(Problem(f"unknown population parameter; known: "
                                        f"{', '.join(sorted(fields))}", path=f"population.{key}"))
                continue
            default = fields[key].default
            try:
                if default is None:
                    converted[key] = None if value is None else float(value)
                elif isinstance(default, tuple):
                    items = [value] if isinstance(value, str) else value
                    converted[key] = tuple(str(v) for v in items)
                elif isinstance(default, bool):
                    if not isinstance(value, bool):
                        raise ValueError("expected true or false")
                    converted[key] = value
                else:
                    converted[key] = type(default)(value)
            except (TypeError, ValueError) as exc:
                problems.append(Problem(f"{exc}: got {value!r}", path=f"population.{key}"))
        if problems:
            raise PopulationError(problems)
        try:
            return cls(**converted)
        except ValueError as exc:
            raise PopulationError([Problem(str(exc), path="population")]) from None

    def to_dict(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        data["influence_kinds"] = list(self.influence_kinds)
        return data


def _percentile_of(cuts: list[float], value: float) -> float:
    """Where `value` falls among the 101 cut points, 0–100, linear between them; a value
    equal to several cut points gets the middle of their range."""
    low = bisect.bisect_left(cuts, value)
    high = bisect.bisect_right(cuts, value)
    if high > low:  # equal to cuts[low:high]
        return round((low + high - 1) / 2, 2)
    if low == 0:
        return 0.0
    if low == len(cuts):
        return 100.0
    below, above = cuts[low - 1], cuts[low]
    return round(low - 1 + (value - below) / (above - below), 2)


@attrs.frozen
class Population:
    """A customer base as of a date: value ranks, the pyramid, key accounts, activity."""

    as_of: dt.date
    parameters: PopulationParameters
    customers: int
    buyers: int
    churned: int
    rejected: int
    spend_percentiles: list[float] | None
    profit_percentiles: list[float] | None
    key_account_min_value: float | None
    pyramid_min_value: dict[str, float] | None
    tier_min_spend: dict[str, float] | None
    activity: ActivityModel | None
    dormant_below: float

    # -- per customer --------------------------------------------------------------------

    def value_percentile(self, value: float) -> float:
        cuts = (self.profit_percentiles if self.parameters.value == "profit"
                else self.spend_percentiles)
        return 0.0 if cuts is None else _percentile_of(cuts, value)

    def pyramid_level(self, value: float) -> str:
        levels = self.pyramid_min_value or {}
        for level in ("top", "large", "medium"):
            if level in levels and value >= levels[level]:
                return level
        return "small"

    def p_active(self, repeat: Repeat) -> float | None:
        if self.activity is None:
            return None
        weeks = self.parameters.activity_horizon_days / WEEK_DAYS
        return round(self.activity.p_purchase_within(repeat, weeks), 4)

    def tier_parameters(self, profile: ProfileParameters) -> ProfileParameters:
        """`profile` with the CRM-10 tier spends at the base's spend percentiles, when this
        population has relative tiers (`relative_tiers`); else `profile` unchanged."""
        if self.tier_min_spend is None:
            return profile
        t = self.tier_min_spend
        return attrs.evolve(profile, tier_ip_spend=t["IP"], tier_vip_spend=t["VIP"],
                            tier_double_vip_spend=t["double_VIP"],
                            tier_triple_vip_spend=t["triple_VIP"])

    # -- building ------------------------------------------------------------------------

    @classmethod
    def from_customers(cls, customers: Iterable[Customer | Rejected | Mapping[str, Any]],
                       as_of: dt.date | str,
                       parameters: PopulationParameters | Mapping[str, Any] | None = None,
                       *, on_customer: Callable[[Customer | Rejected], None] | None = None
                       ) -> Population:
        """The population of `customers` as of `as_of` (events after it are ignored), in one
        pass and bounded memory. Bad records (`Rejected`, or mappings that fail to parse) are
        counted in `rejected` and skipped. `on_customer` is called once per record read (a
        progress bar)."""
        day = as_date(as_of)
        parameters = _parameters(parameters)
        tally = Tally(day, parameters.sample_size)
        for item in customers:
            if isinstance(item, Mapping):
                try:
                    item = parse_customer(item)
                except RecordError as err:
                    item = Rejected(err.problems)
            if on_customer is not None:
                on_customer(item)
            if isinstance(item, Rejected):
                tally.rejected += 1
            else:
                tally.add(item.id, Purchases.of(item, day))
        return cls.from_tally(tally, parameters)

    @classmethod
    def from_tally(cls, tally: Tally,
                   parameters: PopulationParameters | Mapping[str, Any] | None = None
                   ) -> Population:
        """The population of what `tally` has counted (see `Tally`: several processes can
        each count a part of the base, then merge)."""
        p = _parameters(parameters)
        return cls._build(tally.day, p, tally.customers, tally.buyers, tally.churned,
                          tally.rejected, tally.spend, tally.profit, tally.sample)

    @classmethod
    def _build(cls, day: dt.date, p: PopulationParameters, count: int, buyers: int,
               churned: int, rejected: int, spend: ValueSketch, profit: ValueSketch,
               sample: Sample[Repeat]) -> Population:
        value = profit if p.value == "profit" else spend

        def cut(share: float) -> float | None:
            q = value.lowest_of_top(share)
            return None if q is None else round(q, 2)

        pyramid = None
        if value.count:
            pyramid = {"top": cut(p.pyramid_top),
                       "large": cut(p.pyramid_top + p.pyramid_large),
                       "medium": cut(p.pyramid_top + p.pyramid_large + p.pyramid_medium)}
        tiers = None
        if p.relative_tiers and spend.count:
            tiers = {name: round(float(spend.quantile(pct / 100)), 2)  # type: ignore[arg-type]
                     for name, pct in zip(TIER_NAMES, (
                         p.tier_ip_percentile, p.tier_vip_percentile,
                         p.tier_double_vip_percentile, p.tier_triple_vip_percentile))}
        repeats = sample.items()
        activity = fit(repeats, p.activity_model) if len(repeats) >= p.min_model_buyers else None
        dormant_below = p.dormant_below
        if dormant_below is None:
            dormant_below = 0.0
            if activity is not None and repeats:
                weeks = p.activity_horizon_days / WEEK_DAYS
                mean = math.fsum(activity.p_purchase_within(r, weeks) for r in repeats)
                dormant_below = round(mean / len(repeats), 4)
        return cls(day, p, count, buyers, churned, rejected, spend.percentiles(),
                   profit.percentiles(), cut(p.key_share), pyramid, tiers, activity,
                   dormant_below)

    # -- the file ------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "version": VERSION, "as_of": self.as_of.isoformat(),
            "parameters": self.parameters.to_dict(),
            "counts": {"customers": self.customers, "buyers": self.buyers,
                       "churned": self.churned, "rejected": self.rejected},
            "spend_percentiles": self.spend_percentiles,
            "profit_percentiles": self.profit_percentiles,
            "key_account_min_value": self.key_account_min_value,
            "pyramid_min_value": self.pyramid_min_value,
            "tier_min_spend": self.tier_min_spend,
            "activity": None if self.activity is None else self.activity.to_dict(),
            "dormant_below": self.dormant_below,
        }

    @classmethod
    def from_dict(cls, data: Any, file: str | None = None) -> Population:
        """A population from its JSON form; every problem named by its ``$``-path."""
        def fail(path: str, message: str) -> PopulationError:
            return PopulationError([Problem(message, file=file, path=path)])

        if not isinstance(data, Mapping):
            raise fail("$", "a population file holds a JSON object")
        if data.get("format") != FORMAT:
            raise fail("$.format", f"expected {FORMAT!r}, got {data.get('format')!r}")
        if data.get("version") != VERSION:
            raise fail("$.version", f"this version reads version {VERSION}, "
                                    f"got {data.get('version')!r}")
        path = "$"
        try:
            path = "$.as_of"
            day = dt.date.fromisoformat(data["as_of"])
            path = "$.parameters"
            params = dict(data["parameters"])
            params["influence_kinds"] = tuple(params.get("influence_kinds", ("channel",)))
            parameters = PopulationParameters.from_mapping(params)
            path = "$.counts"
            counts = data["counts"]
            numbers = [int(counts[k]) for k in ("customers", "buyers", "churned", "rejected")]
            lists = []
            for key in ("spend_percentiles", "profit_percentiles"):
                path = f"$.{key}"
                cuts = data[key]
                if cuts is not None:
                    cuts = [float(v) for v in cuts]
                    if len(cuts) != 101 or cuts != sorted(cuts):
                        raise ValueError("expected 101 ascending numbers (percentiles 0…100)")
                lists.append(cuts)
            path = "$.key_account_min_value"
            key_min = _optional_float(data["key_account_min_value"])
            path = "$.pyramid_min_value"
            pyramid = _levels(data["pyramid_min_value"], ("top", "large", "medium"))
            path = "$.tier_min_spend"
            tiers = _levels(data.get("tier_min_spend"), TIER_NAMES)
            path = "$.activity"
            activity = (None if data["activity"] is None
                        else ActivityModel.from_dict(data["activity"]))
            if activity is not None and activity.model not in MODELS:
                raise ValueError(f"model: expected one of {', '.join(MODELS)}")
            path = "$.dormant_below"
            dormant_below = float(data["dormant_below"])
        except PopulationError as err:
            raise PopulationError([attrs.evolve(p, file=file) for p in err.problems]) from None
        except KeyError as exc:
            raise fail(path, f"missing {exc.args[0]!r}") from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise fail(path, str(exc) or type(exc).__name__) from None
        return cls(day, parameters, *numbers, lists[0], lists[1], key_min, pyramid, tiers,
                   activity, dormant_below)

    def to_json(self) -> str:
        """The file's text: indented JSON, each list of numbers on one line."""
        text = json.dumps(self.to_dict(), indent=1)
        return re.sub(r"\[\s*([-0-9.,\se]+?)\s*\]",
                      lambda m: "[" + ", ".join(m.group(1).split()).replace(",,", ",") + "]",
                      text)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Population:
        name = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise PopulationError([Problem(f"cannot read: {exc.strerror or exc}",
                                           file=name)]) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PopulationError([Problem(f"invalid JSON: {exc.msg} (column {exc.colno})",
                                           file=name, line=exc.lineno)]) from None
        return cls.from_dict(data, name)


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _levels(value: Any, names: tuple[str, ...]) -> dict[str, float] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) != set(names):
        raise ValueError(f"expected an object with {', '.join(names)}")
    return {name: float(value[name]) for name in names}


def _parameters(parameters: PopulationParameters | Mapping[str, Any] | None
                ) -> PopulationParameters:
    if parameters is None:
        return PopulationParameters()
    if isinstance(parameters, Mapping):
        return PopulationParameters.from_mapping(parameters)
    return parameters


@attrs.define
class Tally:
    """What the population pass counts, customer by customer, in bounded memory: the value
    sketches and the model's sample. Customers are added as their `Purchases` (what the
    pass needs of them), so the parsing can happen elsewhere (worker processes)."""

    day: dt.date
    sample_size: int
    customers: int = 0
    buyers: int = 0
    churned: int = 0
    rejected: int = 0
    spend: ValueSketch = attrs.field(factory=ValueSketch)
    profit: ValueSketch = attrs.field(factory=ValueSketch)
    sample: Sample[Repeat] = attrs.field(default=None)

    def __attrs_post_init__(self) -> None:
        if self.sample is None:
            self.sample = Sample(self.sample_size)

    def add(self, customer_id: str, bought: Purchases) -> None:
        self.customers += 1
        repeat = bought.repeat(self.day)
        if repeat is None:
            return
        self.buyers += 1
        self.churned += bought.churned
        self.spend.add(bought.spend)
        self.profit.add(bought.profit)
        if not bought.churned:
            self.sample.add(customer_id, repeat)
