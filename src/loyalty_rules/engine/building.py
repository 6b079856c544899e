"""Assemble what an engine runs: rulesets from plugins and files, scripts, parameters.

Everything is checked before durable_rules sees it, and every problem in every file is
reported at once: unknown names, duplicate rulesets, scripts missing a language or naming a
value the rule does not provide, parameter overrides of the wrong name or type.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from ..decisions.arbitration import ContactPolicy
from ..errors import PluginError, Problem, RulesetError, UsageError
from ..facts.models import LOCALES
from ..facts.parameters import business_zone
from ..facts.profile import ITEM_FIELDS, PROFILE_FIELDS, ProfileParameters
from ..facts.queries import EventQuery, item_namespace
from ..language.model import Recommend, Ruleset, Vocabulary, value_type
from ..language.scripts import stray_braces, template_names, template_problems, variants
from ..language.source import load_yaml, read_text
from ..language.validation import declare_derived, parse_ruleset, ruleset_files
from ..plugins.registry import Registry
from .layering import Layering, apply_overrides, check_declarations, queries_read
from .limits import Limits, split_limits

RESERVED = {"fact", "id", "sid", "derived", "attributes", "profile", "policy", "query",
            *ITEM_FIELDS}
#: values every script may name besides the recommendation's params
SCRIPT_VALUES = ("name", "due", "channel")


@attrs.frozen
class Setup:
    rulesets: tuple[Ruleset, ...]
    scripts: dict[str, dict[str, str]]
    parameters: dict[str, dict[str, Any]]  # ruleset name -> resolved values
    profile: ProfileParameters
    policy: ContactPolicy
    vocabulary: Vocabulary
    limits: Limits = Limits()
    #: what the rulesets' `overrides:` changed (rules disabled, priorities, defaults)
    layering: Layering = Layering()
    #: the named event queries (`query.NAME`) and `last_TYPE`/`first_TYPE` records to answer
    queries: dict[str, EventQuery] = attrs.field(factory=dict)
    items: tuple[EventQuery, ...] = ()
    #: each script key's rotating variants (`scripts.variants`), found once per key: a
    #: search of every script per recommendation cost a fifth of deciding (docs/benchmarks.md)
    _variants: dict[str, tuple[str, ...]] = attrs.field(factory=dict, eq=False, repr=False)

    def variants(self, key: str) -> tuple[str, ...]:
        found = self._variants.get(key)
        if found is None:
            found = self._variants[key] = tuple(variants(self.scripts, key))
        return found


def vocabulary_of(registry: Registry) -> Vocabulary:
    for name, space in registry.namespaces.items():
        if name in PROFILE_FIELDS or name in RESERVED or item_namespace(name) is not None:
            raise PluginError(space.plugin or "?", f"fact namespace {name!r} is reserved")
    return Vocabulary(dict(registry.actions), dict(registry.computations),
                      dict(registry.namespaces))


def _sources(registry: Registry, extra: Iterable[str | Path]) -> list[tuple[str | None, Any]]:
    found: list[tuple[str | None, Any]] = []
    for plugin, source in registry.ruleset_sources:
        if hasattr(source, "is_dir") and source.is_dir():
            found += [(plugin, p) for p in sorted(source.iterdir(), key=lambda p: p.name)
                      if p.name.endswith((".yaml", ".yml"))]
        else:
            found.append((plugin, source))
    for path in extra:
        path = Path(path)
        if not path.exists():
            raise UsageError(f"{path}: no such ruleset file or folder")
        found += [(None, p) for p in ruleset_files(path)]
    return found


def load_rulesets(sources: list[tuple[str | None, Any]], vocabulary: Vocabulary
                  ) -> list[Ruleset]:
    """Parse and validate every source; raise one RulesetError listing every problem."""
    problems: list[Problem] = []
    documents = []
    for plugin, source in sources:
        file = str(source)
        try:
            data, lines = load_yaml(read_text(source, RulesetError), file, RulesetError)
        except RulesetError as err:
            problems += err.problems
            continue
        documents.append((plugin, file, data, lines))
        declare_derived(data, vocabulary)  # before any file's rules are read
    rulesets: list[Ruleset] = []
    for plugin, file, data, lines in documents:
        try:
            rulesets.append(parse_ruleset(data, lines, file, vocabulary, plugin))
        except RulesetError as err:
            problems += err.problems
    seen: dict[str, Ruleset] = {}
    for ruleset in rulesets:
        if ruleset.name in seen:
            problems.append(Problem(f"ruleset {ruleset.name!r} is also defined in "
                                    f"{seen[ruleset.name].file}", file=ruleset.file, line=1,
                                    path="$.ruleset"))
        seen.setdefault(ruleset.name, ruleset)
    if problems:
        raise RulesetError(problems)
    return rulesets


def gather_scripts(registry: Registry, rulesets: list[Ruleset]) -> dict[str, dict[str, str]]:
    """Plugins' scripts and rulesets' `scripts:` sections; a custom ruleset may override."""
    scripts = dict(registry.scripts)
    owner = {key: f"plugin {registry.owner[('script', key)]!r}" for key in scripts}
    for ruleset in rulesets:
        for key, texts in ruleset.scripts.items():
            if key in scripts and ruleset.plugin is not None:
                raise PluginError(ruleset.plugin, f"script {key!r} in {ruleset.file} is already "
                                  f"defined by {owner[key]}")
            scripts[key] = texts
            owner[key] = ruleset.file
    return scripts


def check_scripts(rulesets: list[Ruleset], scripts: Mapping[str, Mapping[str, str]]) -> None:
    problems: list[Problem] = []
    for ruleset in rulesets:
        for index, rule in enumerate(ruleset.rules):
            if not isinstance(rule.then, Recommend):
                continue
            key = rule.then.script_key
            path = f"$.rules[{index}].then"
            texts = scripts.get(key)
            if texts is None:
                problems.append(Problem(f"no script {key!r} (in en and zh) for this "
                                        "recommendation", file=ruleset.file, line=rule.line,
                                        path=path))
                continue
            allowed = set(SCRIPT_VALUES) | {name for name, _ in rule.then.params}
            # the script, its rotating variants (KEY.2 …) and its sentence inside a reply
            # (a `.in_reply` sentence is used only where the rule provides all it names)
            for each in variants(scripts, key):
                texts = scripts.get(each)
                if texts is None:
                    continue
                for locale in LOCALES:
                    if locale not in texts:
                        problems.append(Problem(f"script {each!r} has no {locale!r} text",
                                                file=ruleset.file, line=rule.line, path=path))
                        continue
                    for bad in stray_braces(texts[locale]):
                        problems.append(Problem(
                            f"script {each!r} ({locale}) has placeholder {bad}, which is not "
                            "{identifier}: it would reach the customer as written",
                            file=ruleset.file, line=rule.line, path=path))
                    for message in template_problems(texts[locale]):
                        problems.append(Problem(f"script {each!r} ({locale}): {message}",
                                                file=ruleset.file, line=rule.line, path=path))
                    for name in template_names(texts[locale]):
                        if name not in allowed:
                            problems.append(Problem(
                                f"script {each!r} ({locale}) uses {{{name}}}, which this rule "
                                f"does not provide; it provides {', '.join(sorted(allowed))}",
                                file=ruleset.file, line=rule.line, path=path))
    if problems:
        raise RulesetError(problems)


def _coerce(key: str, value: Any, default: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise UsageError(f"parameter {key!r}: expected a finite number, got {value!r}")
    expected, actual = value_type(default), value_type(value)
    if expected == actual or (expected == "number" and actual == "integer"):
        return float(value) if expected == "number" else value
    article = "an" if expected[:1] in "aeiou" else "a"
    raise UsageError(f"parameter {key!r}: expected {article} {expected} (default {default!r}), "
                     f"got {value!r}")


def resolve_parameters(rulesets: list[Ruleset], overrides: Mapping[str, Any]
                       ) -> tuple[dict[str, dict[str, Any]], ProfileParameters, ContactPolicy]:
    """Defaults overridden by `{"ruleset.name": value, "profile.x": v, "policy.x": v}`."""
    values = {rs.name: {p.name: p.default for p in rs.parameters.values()} for rs in rulesets}
    profile_defaults = attrs.asdict(ProfileParameters())
    policy_defaults = attrs.asdict(ContactPolicy())
    profile: dict[str, Any] = {}
    policy: dict[str, Any] = {}
    for key, value in overrides.items():
        head, _, name = key.rpartition(".")
        if head == "profile" and name in profile_defaults:
            profile[name] = _coerce(key, value, profile_defaults[name])
        elif head == "policy" and name in policy_defaults:
            policy[name] = _coerce(key, value, policy_defaults[name])
        elif head in values and name in values[head]:
            values[head][name] = _coerce(key, value, values[head][name])
        else:
            known = sorted([f"profile.{n}" for n in profile_defaults]
                           + [f"policy.{n}" for n in policy_defaults]
                           + [f"{rs}.{n}" for rs, ps in values.items() for n in ps])
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise UsageError(f"unknown parameter {key!r}{hint}; known parameters: "
                             f"{', '.join(known)}")
    if "timezone" in profile:
        try:
            business_zone(profile["timezone"])
        except ValueError as exc:
            raise UsageError(f"parameter 'profile.timezone': {exc}") from None
    return values, ProfileParameters(**profile), ContactPolicy(**policy)


def build_setup(registry: Registry, extra_rulesets: Iterable[str | Path],
                overrides: Mapping[str, Any]) -> Setup:
    vocabulary = vocabulary_of(registry)
    rulesets = load_rulesets(_sources(registry, extra_rulesets), vocabulary)
    check_declarations(rulesets, plugin_actions(registry))
    scripts = gather_scripts(registry, rulesets)
    check_scripts(rulesets, scripts)
    rulesets, layering = apply_overrides(rulesets)
    limits, overrides = split_limits(overrides)
    parameters, profile, policy = resolve_parameters(rulesets, overrides)
    queries, items = queries_read(rulesets)
    return Setup(tuple(rulesets), scripts, parameters, profile, policy, vocabulary, limits,
                 layering, queries, items)


def plugin_actions(registry: Registry) -> dict[str, str]:
    """Every action a plugin registered → that plugin."""
    return {name: plugin for (kind, name), plugin in registry.owner.items() if kind == "action"}
