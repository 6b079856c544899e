"""Decision tables: a rule that is naturally a grid, compiled to one ordinary rule per row.

    - id: tier-offer
      guidance: [LOY-04, CRM-10]
      when: {loyalty: high}            # optional: holds for every row
      table:
        when: [tier, segment]          # condition columns: fields
        then: [recommend, priority]    # consequence columns: keys of `then`
        params: {tier: {field: tier}}  # optional: the same params on every row
        rows:
          - [VIP, true_friend, reward_and_nurture, 70]
          - [{in: [P, IP]}, barnacle, grow_share_of_wallet, 45]
          - [any, butterfly, harvest_while_active, 50]

Row N becomes rule `ID.N` (so `ID.2` can be overridden or expected in a scenario), citing
the table's guidance. A cell is what the column's key would take in a rule — a value, an
operator mapping, a script key — and `any` (or `-`) leaves a condition column out of that
row. Every cell is validated like the rule it becomes, each error at the cell's own line:
`$.rules[0].table.rows[1].when.tier`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .checker import Checker
from .model import Rule

TABLE_RULE_KEYS = ("id", "description", "guidance", "for_each", "when", "table")
TABLE_KEYS = ("when", "then", "rows", "params")
THEN_COLUMNS = ("recommend", "priority", "channel", "due_in_days", "script", "derive", "value")
ANY = ("any", "-")


def _columns(check: Checker, table: Mapping[str, Any], key: str, path: str) -> list[str] | None:
    columns = table.get(key)
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns) or \
            (key == "then" and not columns):
        check.error(f"{path}.{key}", f"expected a list of {'fields' if key == 'when' else 'then keys'}"
                    f"{' (recommend or derive first)' if key == 'then' else ''}")
        return None
    return list(columns)


def table_rules(check: Any, data: Mapping[str, Any], path: str) -> list[Rule] | None:
    """The rules of a `table:` rule, one per row; None when any cell is wrong (all reported)."""
    check.keys(data, TABLE_RULE_KEYS, path)
    table = check.mapping(data.get("table"), f"{path}.table")
    if table is None:
        return None
    tpath = f"{path}.table"
    check.keys(table, TABLE_KEYS, tpath)
    conditions = _columns(check, table, "when", tpath) if "when" in table else []
    consequences = _columns(check, table, "then", tpath)
    rows = table.get("rows")
    if not isinstance(rows, list) or not rows:
        check.error(f"{tpath}.rows", "expected a non-empty list of rows")
        return None
    if conditions is None or consequences is None:
        return None
    for name in consequences:
        if name not in THEN_COLUMNS:
            check.error(f"{tpath}.then", f"{name!r} is not a key of `then`; expected "
                        f"{', '.join(THEN_COLUMNS)}")
            return None
    width = len(conditions) + len(consequences)
    rule_id = data.get("id")
    made: list[Rule] = []
    ok = True
    for number, row in enumerate(rows):
        rpath = f"{tpath}.rows[{number}]"
        if not isinstance(row, list) or len(row) != width:
            check.error(rpath, f"a row has {width} cells ({', '.join(conditions + consequences)})"
                        f", got {len(row) if isinstance(row, list) else 'no list'}")
            ok = False
            continue
        when: dict[str, Any] = {}
        for index, (column, cell) in enumerate(zip(conditions, row)):
            if not (isinstance(cell, str) and cell in ANY):
                when[column] = cell
            check.lines.record(f"{rpath}.when.{column}", check.lines(f"{rpath}[{index}]"))
        if "when" in data:
            when = {"all": [data["when"]], **when}
            check.lines.record(f"{rpath}.when.all[0]", check.lines(f"{path}.when"))
        if not when:
            check.error(rpath, "a row needs at least one condition (or the rule a `when:`)")
            ok = False
            continue
        then = dict(zip(consequences, row[len(conditions):]))
        for index, column in enumerate(consequences):
            check.lines.record(f"{rpath}.then.{column}",
                               check.lines(f"{rpath}[{len(conditions) + index}]"))
        if "params" in table:
            then["params"] = table["params"]
            check.lines.record(f"{rpath}.then.params", check.lines(f"{tpath}.params"))
        raw = {"id": f"{rule_id}.{number + 1}", "guidance": data.get("guidance"),
               "description": data.get("description", ""), "when": when, "then": then}
        if "for_each" in data:
            raw["for_each"] = data["for_each"]
        check.lines.record(f"{rpath}.guidance", check.lines(f"{path}.guidance"))
        rule = check.rule(raw, rpath)
        if rule is None:
            ok = False
        else:
            made.append(rule)
    return made if ok else None


def table_derives(data: Any) -> list[str]:
    """The names a `table:` rule derives (its `derive` column), for the pre-scan."""
    table = data.get("table") if isinstance(data, Mapping) else None
    if not isinstance(table, Mapping) or not isinstance(table.get("then"), list) or \
            "derive" not in table["then"] or not isinstance(table.get("rows"), list):
        return []
    offset = len(table.get("when") or []) + table["then"].index("derive")
    return [row[offset] for row in table["rows"]
            if isinstance(row, list) and len(row) > offset and isinstance(row[offset], str)]
