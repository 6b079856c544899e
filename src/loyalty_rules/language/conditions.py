"""Reading a ruleset's parameters, values and conditions (`when:`), every problem located.

Nothing here evaluates text: a condition is a comparison of a field with a literal or a named
parameter, combined with `all`, `any` and `not`; a value is a literal, a field, a parameter or
a registered computation. Fields come from the vocabulary (profile, items, plugins' facts,
derived facts, event queries), so a misspelt one gets a suggestion.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..facts.models import EVENT_TYPES
from ..facts.profile import ITEM_FIELDS
from ..facts.queries import ITEM_PREFIXES, event_fields
from .checker import NAME, Checker, a, hint, kind, type_phrase
from .model import (
    COMPARISONS,
    AllOf,
    AnyOf,
    Compare,
    Compute,
    Condition,
    FieldRef,
    Literal,
    Not,
    Parameter,
    ParamRef,
    Value,
    Vocabulary,
    value_type,
)
from .source import Lines

NUMERIC = ("integer", "number")


class ConditionChecker(Checker):
    """The parameters, values and conditions of one ruleset file."""

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
