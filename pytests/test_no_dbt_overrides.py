"""The project does not override dbt-core's or the adapters' own macros (issue 15).

A root-project macro named like one of dbt's wins dispatch silently, so an override keeps its
copy of dbt internals on every upgrade, unreviewed. This test collects every macro the
project's macro paths define and every macro the installed dbt packages define (the global
project of dbt-core/dbt-adapters and each adapter's, all under the `dbt.include` namespace
package: global_project, duckdb, postgres) and fails when a project macro

* has the name of an upstream macro (`get_where_subquery`), or
* is a dispatch variant of one: `<adapter>__<name>` (adapters duckdb, postgres, spark, default)
  where `<name>` or `default__<name>` exists upstream (`postgres__apply_grants`).

Allowed: `generate_schema_name`, which dbt documents as the way to customise schema names.
Materializations count too (`{% materialization table, adapter='duckdb' %}` is dbt's macro
`materialization_table_duckdb`).
"""

from __future__ import annotations

import re
from pathlib import Path

import dbt.include
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
ALLOWED = frozenset({"generate_schema_name"})
ADAPTERS = ("duckdb", "postgres", "spark", "default")

_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
_MACRO = re.compile(r"\{%-?\s*macro\s+([A-Za-z_]\w*)\s*\(")
_MATERIALIZATION = re.compile(
    r"\{%-?\s*materialization\s+([A-Za-z_]\w*)\s*(?:,\s*adapter\s*=\s*['\"](\w+)['\"])?"
)


def macros_in(paths: list[Path], relative_to: Path) -> dict[str, str]:
    """Macro name -> the file defining it (relative), for every .sql under `paths`."""
    found: dict[str, str] = {}
    for root in paths:
        for file in sorted(root.rglob("*.sql")):
            text = _COMMENT.sub("", file.read_text(encoding="utf-8", errors="replace"))
            names = [m.group(1) for m in _MACRO.finditer(text)]
            names += [
                f"materialization_{m.group(1)}_{m.group(2) or 'default'}"
                for m in _MATERIALIZATION.finditer(text)
            ]
            for name in names:
                found.setdefault(name, file.relative_to(relative_to).as_posix())
    return found


def upstream_macros() -> dict[str, str]:
    """Every macro of the installed dbt packages (dbt/include/*/macros), name -> file."""
    found: dict[str, str] = {}
    for include in map(Path, dbt.include.__path__):
        packages = sorted(p for p in include.iterdir() if (p / "macros").is_dir())
        found |= macros_in([p / "macros" for p in packages], include.parent.parent)
    return found


def project_macros(project_dir: Path = REPO_ROOT) -> dict[str, str]:
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text())
    paths = [project_dir / p for p in project.get("macro-paths", ["macros"])]
    return macros_in([p for p in paths if p.is_dir()], project_dir)


def overrides(project: dict[str, str], upstream: dict[str, str]) -> list[str]:
    """One line per project macro that shadows an upstream macro or is a dispatch variant."""
    found = []
    for name, where in sorted(project.items()):
        if name in ALLOWED:
            continue
        if name in upstream:
            found.append(f"{name} ({where}) shadows {name} in {upstream[name]}")
            continue
        prefix, sep, base = name.partition("__")
        if not sep or prefix not in ADAPTERS or not base:
            continue
        for candidate in (base, f"default__{base}"):
            if candidate in upstream:
                found.append(
                    f"{name} ({where}) is a dispatch variant of {candidate} in "
                    f"{upstream[candidate]}"
                )
                break
    return found


def test_the_upstream_macros_are_found() -> None:
    """Guards the guard: if dbt's packages moved, the collection would be empty and pass."""
    upstream = upstream_macros()
    expected = {
        "apply_grants": "global_project",
        "default__apply_grants": "global_project",
        "get_where_subquery": "global_project",
        "default__snapshot_staging_table": "global_project",
        "duckdb__snapshot_get_time": "duckdb",
        "postgres__snapshot_get_time": "postgres",
        "materialization_table_default": "global_project",
    }
    missing = [n for n, package in expected.items() if f"/{package}/" not in upstream.get(n, "")]
    assert missing == [], f"not found in the installed dbt packages: {missing}"
    assert len(upstream) > 300, len(upstream)


def test_the_check_flags_overrides_and_variants(tmp_path: Path) -> None:
    (tmp_path / "dbt_project.yml").write_text("macro-paths: [macros, more]\n")
    (tmp_path / "macros").mkdir()
    (tmp_path / "more").mkdir()
    (tmp_path / "macros" / "a.sql").write_text(
        "{# {% macro current_timestamp() %} in a comment is no macro #}\n"
        "{% macro generate_schema_name(custom_schema_name, node) %}{% endmacro %}\n"
        "{%- macro postgres__apply_grants(relation, grant_config) -%}{% endmacro %}\n"
        "{% macro my_project_helper() %}{% endmacro %}\n"
        "{% macro duckdb__my_project_helper() %}{% endmacro %}\n"
    )
    (tmp_path / "more" / "b.sql").write_text(
        "{% macro get_where_subquery(relation) %}{% endmacro %}\n"
        "{% macro spark__snapshot_get_time() %}{% endmacro %}\n"
        "{% materialization table, adapter='duckdb' %}{% endmaterialization %}\n"
    )
    found = overrides(project_macros(tmp_path), upstream_macros())
    assert [line.split(" ")[0] for line in found] == [
        "get_where_subquery",
        "materialization_table_duckdb",
        "postgres__apply_grants",
        "spark__snapshot_get_time",
    ], found
    assert "more/b.sql" in found[0] and "dbt/include/global_project/macros/" in found[0]


def test_no_project_macro_overrides_dbt() -> None:
    found = overrides(project_macros(), upstream_macros())
    assert found == [], (
        "project macros override dbt's own (allowed: generate_schema_name); rename them or "
        "use a documented config instead:\n  " + "\n  ".join(found)
    )
