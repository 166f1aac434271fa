"""Guards on how the code is laid out: query headers, documented settings, SQL and Streamlit in their places."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from journey import settings

ROOT = Path(__file__).parents[1]
QUERIES = sorted((ROOT / "queries").glob("*.sql"))
HEADER = ("-- name: ", "-- grain: ", "-- params: ", "-- returns: ")


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_query_has_header_naming_itself(path: Path) -> None:
    head = path.read_text(encoding="utf-8").splitlines()[:4]
    assert [line[: len(prefix)] for line, prefix in zip(head, HEADER, strict=True)] == list(HEADER)
    assert head[0] == f"-- name: {path.stem}"


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_query_ends_with_an_order_by(path: Path) -> None:
    assert re.search(r"\border by\b[^;]*$", path.read_text(encoding="utf-8").strip())


def test_every_setting_is_documented_in_journey_toml() -> None:
    toml = (ROOT / "config" / "journey.toml").read_text(encoding="utf-8")
    keys = {key for (_, key), field in settings._TOML_KEYS.items()}
    assert {field for field in settings._TOML_KEYS.values()} == set(settings.documented_keys())
    assert [key for key in sorted(keys) if not re.search(rf"^\[?[\w.]*{key}\b", toml, re.M)] == []


def test_journey_toml_loads_to_the_spec_defaults_plus_targets() -> None:
    loaded = settings.load(ROOT / "config" / "journey.toml")
    assert loaded.__class__(targets=loaded.targets) == loaded


def test_pages_hold_no_sql() -> None:
    sql = re.compile(r"\b(select|insert|update|delete)\b.+\b(from|into|set)\b", re.I)
    files = [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py"))]
    assert [f.name for f in files if sql.search(f.read_text(encoding="utf-8"))] == []


def test_only_ui_imports_streamlit_in_the_library() -> None:
    library = sorted((ROOT / "src" / "journey").rglob("*.py"))
    importing = [p.name for p in library if re.search(r"^\s*(import|from) streamlit\b",
                                                      p.read_text(encoding="utf-8"), re.M)]
    assert importing == ["ui.py"]


def test_readme_commands_are_the_ones_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^python3 -m venv .*$", readme, re.M)
    assert len(commands) == 2 and commands[0].endswith("streamlit run dashboard.py")
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
