"""Turn a ruleset's YAML into `language.Ruleset`, reporting *every* problem with its line.

Nothing here evaluates text: conditions are comparisons, values are literals, fields,
parameters or registered computations. The vocabulary (actions, fields, computations) comes
from the registry, so plugins extend what a ruleset may name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import Problem, RulesetError
from ..facts.models import CHANNELS, LOCALES
from ..facts.profile import ITEM_FIELDS
from .checker import NAME, Checker, hint, kind
from .conditions import ConditionChecker
from .declarations import parse_actions, parse_guidelines, parse_overrides, parse_queries
from .model import Derive, Recommend, Rule, Ruleset, Value, Vocabulary
from .source import Lines, load_yaml
from .tables import table_derives, table_rules

TOP_KEYS = ("ruleset", "version", "description", "guidance", "parameters", "queries",
            "guidelines", "actions", "overrides", "rules", "scripts")
RULE_KEYS = ("id", "description", "guidance", "for_each", "when", "then")
RECOMMEND_KEYS = ("recommend", "priority", "channel", "due_in_days", "params", "script")
DERIVE_KEYS = ("derive", "value")
RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class _Checker(ConditionChecker):
    """A whole ruleset file: its rules, consequences and scripts (conditions and values are
    read by `ConditionChecker`, the declaring sections by `declarations`)."""

    # -- rules --------------------------------------------------------------------------------

    def rule(self, data: Any, path: str) -> Rule | None:
        data = self.mapping(data, path)
        if data is None:
            return None
        self.keys(data, RULE_KEYS, path)
        rule_id = self.text(data, "id", path, required=True)
        if rule_id and not RULE_ID.match(rule_id):
            self.error(f"{path}.id", "a rule id is lower-case letters, digits, '-', '_', '.'")
        guidance = self.guidance(data, path, required=True)
        for_each = data.get("for_each")
        if for_each is not None and for_each not in ITEM_FIELDS:
            self.error(f"{path}.for_each", f"unknown item kind {for_each!r}; expected one of "
                       f"{', '.join(ITEM_FIELDS)}")
            for_each = None
        if "when" not in data:
            self.error(path, "missing required key: when")
            when = None
        else:
            when = self.condition(data["when"], f"{path}.when", for_each)
        if "then" not in data:
            self.error(path, "missing required key: then")
            then = None
        else:
            then = self.then(data["then"], f"{path}.then", for_each)
        if not rule_id or when is None or then is None or not guidance:
            return None
        return Rule(rule_id, guidance, when, then, for_each,
                    str(data.get("description", "")), self.lines(path))

    def then(self, data: Any, path: str, for_each: str | None) -> Recommend | Derive | None:
        if data is None:
            self.error(path, "missing required key: then")
            return None
        data = self.mapping(data, path)
        if data is None:
            return None
        if "derive" in data:
            self.keys(data, DERIVE_KEYS, path)
            name = data["derive"]
            if not isinstance(name, str) or not NAME.match(name) or "." in name:
                self.error(f"{path}.derive", "a derived fact's name is lower_case_with_underscores")
                return None
            value = self.value(data.get("value", True), f"{path}.value", for_each)
            return Derive(name, value) if value is not None else None
        if isinstance(data.get("recommend"), str) and "." in data["recommend"] and \
                data["recommend"] not in self.vocab.actions:
            self.error(f"{path}.recommend", f"unknown action {data['recommend']!r}"
                       f"{hint(data['recommend'], self.vocab.actions)}: declare it under "
                       "`actions:` in a ruleset (lever, channel, urgent, role, scripts); a "
                       "Python plugin is needed only for new computations or facts")
            return None
        if "recommend" not in data:
            self.error(path, "expected `recommend: ACTION` or `derive: NAME`")
            return None
        self.keys(data, RECOMMEND_KEYS, path)
        action = data["recommend"]
        ok = True
        if not isinstance(action, str) or action not in self.vocab.actions:
            self.error(f"{path}.recommend", f"unknown action {action!r}"
                       f"{hint(str(action), self.vocab.actions)}"
                       f"{'' if hint(str(action), self.vocab.actions) else _DECLARE}")
            ok = False
        priority = self.integer(data, "priority", path, 50, 0, 100)
        due = self.integer(data, "due_in_days", path, 0, 0, 3650)
        channel = data.get("channel")
        if channel is not None and channel not in CHANNELS:
            self.error(f"{path}.channel", f"unknown channel {channel!r}; expected one of "
                       f"{', '.join(CHANNELS)}")
            ok = False
        params: list[tuple[str, Value]] = []
        raw_params = data.get("params", {})
        if not isinstance(raw_params, Mapping):
            self.error(f"{path}.params", "expected a mapping of name: value")
            ok = False
        else:
            for key, raw in raw_params.items():
                if not isinstance(key, str) or not NAME.match(key) or "." in key:
                    self.error(f"{path}.params.{key}", "a param name is lower_case_with_underscores")
                    ok = False
                    continue
                value = self.value(raw, f"{path}.params.{key}", for_each)
                if value is None:
                    ok = False
                else:
                    params.append((key, value))
        script = data.get("script")
        if script is not None and not isinstance(script, str):
            self.error(f"{path}.script", "expected a script key (a string)")
            ok = False
        if not ok or priority is None or due is None:
            return None
        return Recommend(action, priority, channel, due, tuple(params), script)

    # -- scripts ------------------------------------------------------------------------------

    def scripts(self, data: Any) -> dict[str, dict[str, str]]:
        if data is None:
            return {}
        scripts = self.mapping(data, "$.scripts")
        if scripts is None:
            return {}
        result: dict[str, dict[str, str]] = {}
        for key, texts in scripts.items():
            path = f"$.scripts.{key}"
            texts = self.mapping(texts, path)
            if texts is None:
                continue
            self.keys(texts, LOCALES, path)
            for locale in LOCALES:
                if not isinstance(texts.get(locale), str):
                    self.error(path, f"missing the {locale!r} text (scripts exist in zh and en)")
            result[str(key)] = {k: v for k, v in texts.items() if k in LOCALES
                                and isinstance(v, str)}
        return result


_DECLARE = ("; declare your own under `actions:` (a Python plugin is needed only for new "
            "computations or facts)")


def placeholders(template: str) -> list[str]:
    return PLACEHOLDER.findall(template)


def declare_derived(data: Any, vocabulary: Vocabulary) -> None:
    """Make the names a ruleset declares known before any rule is read, so rules may read
    `derived.NAME` and `query.NAME`, cite declared guidance and recommend declared actions, in
    any order, in this file or another. Problems are reported when the file itself is read."""
    if not isinstance(data, Mapping):
        return
    silent = Checker("", Lines(), vocabulary)
    for gid, guideline in parse_guidelines(silent, data.get("guidelines")).items():
        vocabulary.guidelines.setdefault(gid, guideline)
    for name, query in parse_queries(silent, data.get("queries")).items():
        vocabulary.queries.setdefault(name, query)
    for name, action in parse_actions(silent, data.get("actions"), {}).items():
        vocabulary.actions.setdefault(name, action)
    raw_rules = data.get("rules")
    for raw in raw_rules if isinstance(raw_rules, list) else []:
        vocabulary.derived.update(table_derives(raw))
        then = raw.get("then") if isinstance(raw, Mapping) else None
        if isinstance(then, Mapping) and isinstance(then.get("derive"), str):
            vocabulary.derived.add(then["derive"])


def parse_ruleset(data: Any, lines: Lines, file: str, vocabulary: Vocabulary,
                  plugin: str | None = None) -> Ruleset:
    """Validate parsed YAML against the vocabulary; raise RulesetError with every problem."""
    check = _Checker(file, lines, vocabulary)
    if not isinstance(data, Mapping):
        raise RulesetError([Problem(f"a ruleset is a mapping, got {kind(data)}", file=file,
                                    line=1, path="$")])
    check.keys(data, TOP_KEYS, "$")
    name = check.text(data, "ruleset", "$", required=True)
    if name and not NAME.match(name):
        check.error("$.ruleset", "a ruleset name is lower_case_with_underscores (a '.' allowed "
                    "after a plugin prefix)")
    version = check.text(data, "version", "$", default="1")
    description = check.text(data, "description", "$")
    guidance = check.guidance(data, "$", required=False)
    check.parse_parameters(data.get("parameters"))
    declare_derived(data, vocabulary)
    guidelines = parse_guidelines(check, data.get("guidelines"))
    queries = parse_queries(check, data.get("queries"))
    declared_scripts: dict[str, dict[str, str]] = {}
    actions = parse_actions(check, data.get("actions"), declared_scripts)
    overrides = parse_overrides(check, data.get("overrides"))
    raw_rules = data.get("rules")
    rules: list[Rule] = []
    if raw_rules is None and (overrides or actions):
        pass  # a layer over other rulesets, or a file of actions, may have no rules
    elif not isinstance(raw_rules, list) or not raw_rules:
        check.error("$.rules" if "rules" in data else "$",
                    "expected `rules:` with a non-empty list of rules")
    else:
        ids: dict[str, int] = {}
        for index, raw in enumerate(raw_rules):
            path = f"$.rules[{index}]"
            raw_id = raw.get("id") if isinstance(raw, Mapping) else None
            duplicate = isinstance(raw_id, str) and raw_id in ids
            if isinstance(raw, Mapping) and "table" in raw:
                made = table_rules(check, raw, path) or []
            else:
                rule = check.rule(raw, path)
                made = [rule] if rule is not None else []
            if duplicate:
                check.error(f"{path}.id", f"duplicate rule id {raw_id!r} (first at line "
                            f"{ids[raw_id]})")
            elif isinstance(raw_id, str):
                ids[raw_id] = lines(f"{path}.id")
            if not duplicate:
                rules.extend(made)
    scripts = {**declared_scripts, **check.scripts(data.get("scripts"))}
    for key, texts in scripts.items():
        for locale, text in texts.items():
            if text.count("{") != text.count("}"):
                check.error(f"$.scripts.{key}.{locale}", "unbalanced braces in the template")
    if check.problems:
        raise RulesetError(check.problems)
    return Ruleset(name, version, description, guidance, check.parameters, tuple(rules),
                   scripts, file, plugin, queries, actions, guidelines, overrides)


def load_ruleset_text(text: str, file: str, vocabulary: Vocabulary,
                      plugin: str | None = None) -> Ruleset:
    data, lines = load_yaml(text, file, RulesetError)
    return parse_ruleset(data, lines, file, vocabulary, plugin)


def load_ruleset_file(path: str | Path, vocabulary: Vocabulary,
                      plugin: str | None = None) -> Ruleset:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesetError([Problem(f"cannot read: {exc.strerror}", file=str(path), line=0)]) \
            from None
    return load_ruleset_text(text, str(path), vocabulary, plugin)


def ruleset_files(path: str | Path) -> list[Path]:
    """A ruleset file, or every `*.yaml`/`*.yml` file under a folder (sorted)."""
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
    return [path]
