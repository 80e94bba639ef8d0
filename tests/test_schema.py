"""linkrules.schema.json: current with the code, and accepting every config we ship."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_linkrules.schema import SHIPPED, build_schema, render

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra")

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = sorted(ROOT.glob("example-rules/**/linkrules.toml")) + sorted(ROOT.glob("tests/sites/**/linkrules.toml"))


def as_json(value: Any) -> Any:
    """TOML values as editors hand them to a JSON Schema validator (dates as strings)."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return value


def validator() -> Any:
    schema = json.loads(SHIPPED.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_shipped_schema_is_current() -> None:
    assert SHIPPED.read_text(encoding="utf-8") == render(), (
        "pytest_linkrules/linkrules.schema.json is generated; run: python -m pytest_linkrules.schema --write"
    )


def test_there_are_example_configs() -> None:
    assert any("example-rules" in str(p) for p in CONFIGS) and len(CONFIGS) >= 3


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_config_is_valid(path: Path) -> None:
    data = as_json(tomllib.loads(path.read_text(encoding="utf-8")))
    errors = sorted(validator().iter_errors(data), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


@pytest.mark.parametrize(
    "config, where",
    [
        ({"site": {"root": "public"}, "rules": {"max-depth": {}}}, ["rules", "max-depth"]),  # max is required
        ({"site": {"root": "public"}, "rules": {"no-orphans": {"severity": "info"}}}, ["rules", "no-orphans", "severity"]),
        ({"site": {"root": "public", "roots": "x"}, "rules": {}}, ["site"]),
        ({"site": {"root": "public"}, "rules": {}, "waivers": [{"rule": "no-orphans", "pages": ["/x/"]}]}, ["waivers", 0]),
        ({"site": {"root": "public"}, "rules": {"min-inlinks": {"pages": ["guides/*"], "min": 1}}}, ["rules", "min-inlinks", "pages"]),
    ],
)
def test_schema_rejects_what_the_loader_rejects(config: dict, where: list) -> None:
    errors = list(validator().iter_errors(config))
    assert errors and any(list(e.absolute_path)[: len(where)] == where for e in errors), [e.message for e in errors]


def test_custom_rules_are_allowed() -> None:
    config = {"site": {"root": "public"}, "rules": {"linked-from-home": {"pages": ["@pillar"]}}}
    assert list(validator().iter_errors(config)) == []


def test_schema_lists_every_rule_and_its_common_options() -> None:
    rules = build_schema()["properties"]["rules"]["properties"]
    assert set(rules["no-orphans"]["properties"]) == {"pages", "redirects", "include", "exclude", "severity"}
    assert rules["link-score"]["properties"]["top_percent"]["maximum"] == 100
