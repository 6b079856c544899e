"""Docs examples are executed: every ```python block of these pages, in order, per page."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import ROOT

PAGES = ["README.md", "docs/python-api.md", "docs/rulesets.md", "docs/population.md"]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


@pytest.mark.parametrize("page", PAGES)
def test_python_examples_run(page, capsys):
    text = (ROOT / page).read_text(encoding="utf-8")
    blocks = BLOCK.findall(text)
    assert blocks, f"{page} has no python examples"
    namespace: dict = {"__name__": "docs_example"}
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for number, code in enumerate(blocks, start=1):
            exec(compile(code, f"{page} (example {number})", "exec"), namespace)
    finally:
        os.chdir(cwd)


def test_every_profile_field_and_parameter_is_documented():
    import attrs

    from loyalty_rules.facts.profile import ITEM_FIELDS, PROFILE_FIELDS, ProfileParameters

    text = (ROOT / "docs" / "profile.md").read_text(encoding="utf-8")
    names = [f"`{k}`" for k in PROFILE_FIELDS]
    names += [f"`{kind}.{k}`" for kind, fields in ITEM_FIELDS.items() for k in fields]
    names += [f"`profile.{a.name}`" for a in attrs.fields(ProfileParameters)]
    missing = [n for n in names if n not in text]
    assert not missing, f"docs/profile.md does not document {missing}"


def test_readme_leads_with_the_two_commands():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    commands = lines[lines.index("```bash") + 1:lines.index("```bash") + 3]
    assert commands[0].endswith("uv run loyalty-rules evaluate samples/customers.jsonl "
                                "--as-of 2026-11-22")
    assert commands[1].endswith("uv run pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci
