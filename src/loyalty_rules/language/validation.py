"""Turn a ruleset's YAML into `language.Ruleset`, reporting *every* problem with its line.

Nothing here evaluates text: conditions are comparisons, values are literals, fields,
parameters or registered computations. The vocabulary (actions, fields, computations) comes
from the registry, so plugins extend what a ruleset may name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import Problem, RulesetError
from ..facts.models import CHANNELS, LOCALES
from ..facts.models import EVENT_TYPES
from ..facts.profile import ITEM_FIELDS
from ..facts.queries import ITEM_PREFIXES, event_fields
from .checker import NAME, Checker, a, hint, kind, type_phrase
from .declarations import parse_actions, parse_guidelines, parse_overrides, parse_queries
from .model import (
    COMPARISONS,
    AllOf,
    AnyOf,
    Compare,
    Compute,
    Condition,
    Derive,
    FieldRef,
    Literal,
    Not,
    Parameter,
    ParamRef,
    Recommend,
    Rule,
    Ruleset,
    Value,
    Vocabulary,
    value_type,
)
from .bounds import condition_too_deep, non_finite
from .scripts import stray_braces
from .source import Lines, load_yaml, read_text

TOP_KEYS = ("ruleset", "version", "description", "guidance", "parameters", "queries",
            "guidelines", "actions", "overrides", "rules", "scripts")
RULE_KEYS = ("id", "description", "guidance", "for_each", "when", "then")
RECOMMEND_KEYS = ("recommend", "priority", "channel", "due_in_days", "params", "script")
DERIVE_KEYS = ("derive", "value")
RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
NUMERIC = ("integer", "number")


class _Checker(Checker):
    def __init__(self, file: str, lines: Lines, vocabulary: Vocabulary):
        super().__init__(file, lines, vocabulary)
        self.parameters: dict[str, Parameter] = {}

    # -- parameters ---------------------------------------------------------------------------

    def parse_parameters(self, data: Any) -> None:
        if data is None:
            return
        params = self.mapping(data, "$.parameters")
        if params is None:
            return
        for name, spec in params.items():
            path = f"$.parameters.{name}"
            if not isinstance(name, str) or not NAME.match(name) or "." in name:
                self.error(path, "a parameter name is lower_case_with_underscores")
                continue
            if not isinstance(spec, Mapping):  # short form: `name: default`
                spec = {"default": spec}
            self.keys(spec, ("default", "description"), path)
            if "default" not in spec or spec["default"] is None:
                self.error(path, "missing required key: default")
                continue
            default = spec["default"]
            if value_type(default) not in ("boolean", "integer", "number", "string", "list"):
                self.error(f"{path}.default", f"unsupported parameter type {kind(default)}")
                continue
            self.parameters[name] = Parameter(name, default, str(spec.get("description", "")))

    # -- values -------------------------------------------------------------------------------

    def param_ref(self, name: Any, path: str) -> ParamRef | None:
        if not isinstance(name, str) or name not in self.parameters:
            self.error(path, f"unknown parameter {name!r}{hint(str(name), self.parameters)}; "
                       "declare it under `parameters`")
            return None
        return ParamRef(name)

    def value(self, data: Any, path: str, for_each: str | None) -> Value | None:
        if isinstance(data, Mapping):
            if "param" in data:
                self.keys(data, ("param",), path)
                return self.param_ref(data["param"], f"{path}.param")
            if "field" in data:
                self.keys(data, ("field",), path)
                name = data["field"]
                if not isinstance(name, str) or self.vocab.field(name, for_each) is None:
                    self.unknown_field(name, f"{path}.field", for_each)
                    return None
                return FieldRef(name)
            if "compute" in data:
                return self.compute(data, path, for_each)
            self.error(path, "a value is a literal, {field: NAME}, {param: NAME} or "
                       "{compute: NAME, ...}")
            return None
        if isinstance(data, list):
            if not all(isinstance(x, (str, int, float, bool)) for x in data):
                self.error(path, "a list value holds only literals")
                return None
            return Literal(list(data))
        if data is None:
            self.error(path, "expected a value, got null")
            return None
        return Literal(data)

    def compute(self, data: Mapping[str, Any], path: str, for_each: str | None) -> Value | None:
        name = data["compute"]
        spec = self.vocab.computations.get(name) if isinstance(name, str) else None
        if spec is None:
            self.error(f"{path}.compute", f"unknown computation {name!r}"
                       f"{hint(str(name), self.vocab.computations)}; known: "
                       f"{', '.join(sorted(self.vocab.computations))}")
            return None
        args = []
        ok = True
        for key, raw in data.items():
            if key == "compute":
                continue
            if key not in spec.required + spec.optional:
                self.error(f"{path}.{key}", f"{name} takes no argument {key!r}; it takes "
                           f"{', '.join(spec.required + spec.optional)}")
                ok = False
                continue
            value = self.value(raw, f"{path}.{key}", for_each)
            ok = ok and value is not None
            if value is not None:
                args.append((key, value))
        for key in spec.required:
            if key not in data:
                self.error(path, f"{name} needs argument {key!r}")
                ok = False
        return Compute(name, tuple(args)) if ok else None

    def unknown_field(self, name: Any, path: str, for_each: str | None) -> None:
        text = str(name)
        head = text.partition(".")[0]
        if head in ITEM_FIELDS and head != for_each:
            self.error(path, f"{text!r} is only readable in a rule with `for_each: {head}`")
        elif head == "derived":
            self.error(path, f"no rule derives {text.partition('.')[2]!r}")
        elif head == "query":
            self.error(path, f"no query {text.partition('.')[2]!r} is declared under `queries:`"
                       f"{hint(text.partition('.')[2], self.vocab.queries)}")
        elif head in EVENT_TYPES or any(head == p + e for p in ITEM_PREFIXES for e in EVENT_TYPES):
            event = head if head in EVENT_TYPES else head.partition("_")[2]
            fields = event_fields(event)
            tail = text.partition(".")[2]
            guess = hint(tail, fields) if tail not in fields else ""
            self.error(path, f"unknown field {text!r}: the latest {event} is read as "
                       f"'last_{event}.FIELD' (the first as 'first_{event}.FIELD'), FIELD one of "
                       f"{', '.join(fields)}{guess}; days since the last {event}: "
                       f"'last_{event}.days_ago'")
        else:
            self.error(path, f"unknown field {text!r}"
                       f"{hint(text, self.vocab.field_names(for_each))}")

    # -- conditions ---------------------------------------------------------------------------

    def condition(self, data: Any, path: str, for_each: str | None) -> Condition | None:
        if isinstance(data, list):
            return self.combine(AllOf, data, path, for_each)
        data = self.mapping(data, path)
        if data is None:
            return None
        if not data:
            self.error(path, "empty condition")
            return None
        parts: list[Condition] = []
        ok = True
        for key, raw in data.items():
            sub = f"{path}.{key}"
            if key == "all":
                node = self.combine(AllOf, raw, sub, for_each)
            elif key == "any":
                node = self.combine(AnyOf, raw, sub, for_each)
            elif key == "not":
                inner = self.condition(raw, sub, for_each)
                node = Not(inner) if inner is not None else None
            else:
                node = self.comparison(key, raw, sub, for_each)
            if node is None:
                ok = False
            else:
                parts.append(node)
        if not ok:
            return None
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def combine(self, cls: type, raw: Any, path: str, for_each: str | None) -> Condition | None:
        if not isinstance(raw, list) or not raw:
            self.error(path, "expected a non-empty list of conditions")
            return None
        children = [self.condition(item, f"{path}[{i}]", for_each) for i, item in enumerate(raw)]
        if any(child is None for child in children):
            return None
        return cls(tuple(children))

    def comparison(self, name: Any, raw: Any, path: str, for_each: str | None) -> Condition | None:
        known = self.vocab.field(name, for_each) if isinstance(name, str) else None
        if known is None:
            self.unknown_field(name, path, for_each)
            return None
        ftype, closed = known
        if not isinstance(raw, Mapping) or "param" in raw:
            raw = {"eq": raw}
        nodes: list[Condition] = []
        for op, operand in raw.items():
            sub = f"{path}.{op}"
            if op not in COMPARISONS:
                self.error(sub, f"unknown operator {op!r}{hint(str(op), COMPARISONS)}; "
                           f"expected one of {', '.join(COMPARISONS)}")
                continue
            node = self.operand(name, ftype, closed, op, operand, sub)
            if node is not None:
                nodes.append(node)
        if len(nodes) != len(raw):
            return None
        return nodes[0] if len(nodes) == 1 else AllOf(tuple(nodes))

    def operand(self, field: str, ftype: str, closed: tuple[str, ...], op: str, operand: Any,
                path: str) -> Compare | None:
        if isinstance(operand, Mapping) and set(operand) == {"param"}:
            ref = self.param_ref(operand["param"], f"{path}.param")
            if ref is None:
                return None
            value: Any = self.parameters[ref.name].default
            result: Literal | ParamRef = ref
        elif isinstance(operand, Mapping):
            self.error(path, "an operand is a literal or {param: NAME}")
            return None
        else:
            value = operand
            result = Literal(operand)
        if op == "exists":
            if not isinstance(value, bool):
                self.error(path, "exists takes true or false")
                return None
        elif op in ("in", "not_in"):
            if not isinstance(value, list) or not value:
                self.error(path, f"{op} takes a non-empty list")
                return None
            for index, item in enumerate(value):
                if not self.typed(field, ftype, closed, item, f"{path}[{index}]"):
                    return None
        else:
            if isinstance(value, list):
                self.error(path, f"{op} takes a single value; use `in` for a list")
                return None
            if op in ("lt", "lte", "gt", "gte") and ftype not in NUMERIC + ("any",):
                self.error(path, f"{op} compares numbers; {field!r} is {a(ftype)}")
                return None
            if not self.typed(field, ftype, closed, value, path):
                return None
        return Compare(field, op, result)

    def typed(self, field: str, ftype: str, closed: tuple[str, ...], value: Any,
              path: str) -> bool:
        actual = value_type(value)
        fits = (ftype == "any" or actual == ftype
                or (ftype in NUMERIC and actual in NUMERIC)
                or (ftype == "date" and actual == "string"))
        if not fits:
            self.error(path, f"{field!r} is {type_phrase(field, ftype)}; {value!r} is "
                       f"{a(actual)}")
            return False
        if closed and value not in closed:
            self.error(path, f"{value!r} is not a value of {field!r}{hint(str(value), closed)}; "
                       f"expected one of {', '.join(closed)}")
            return False
        return True

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
        elif (too_deep := condition_too_deep(data["when"], f"{path}.when")) is not None:
            self.error(*too_deep)
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

    def integer(self, data: Mapping[str, Any], key: str, path: str, default: int, low: int,
                high: int) -> int | None:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.error(f"{path}.{key}", f"expected an integer from {low} to {high}, got {value!r}")
            return None
        return value

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
    for where in non_finite(data):
        check.error(where, "not a finite number: .nan and .inf cannot be thresholds or values")
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
            rule = check.rule(raw, path)
            if duplicate:
                check.error(f"{path}.id", f"duplicate rule id {raw_id!r} (first at line "
                            f"{ids[raw_id]})")
            elif isinstance(raw_id, str):
                ids[raw_id] = lines(f"{path}.id")
            if rule is not None and not duplicate:
                rules.append(rule)
    scripts = {**declared_scripts, **check.scripts(data.get("scripts"))}
    for key, texts in scripts.items():
        for locale, text in texts.items():
            if text.count("{") != text.count("}"):
                check.error(f"$.scripts.{key}.{locale}", "unbalanced braces in the template")
            for bad in stray_braces(text):
                check.error(f"$.scripts.{key}.{locale}", f"placeholder {bad} is not "
                            "{identifier} (lower-case letters, digits and _): it would reach "
                            "the customer as written")
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
    return load_ruleset_text(read_text(path, RulesetError), str(path), vocabulary, plugin)


def ruleset_files(path: str | Path) -> list[Path]:
    """A ruleset file, or every `*.yaml`/`*.yml` file under a folder (sorted)."""
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
    return [path]
