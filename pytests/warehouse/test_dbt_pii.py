"""PII stops in staging: no clear-text e-mail, phone or street address anywhere in the
warehouse's dbt schemas, e-mails become a keyed hash whose key comes from PII_HASH_KEY."""

from __future__ import annotations

import json
from pathlib import Path

from pytests.support.warehouse import duckdb_warehouse
from simulator import truth

from .conftest import keyed_email_hash

DBT_SCHEMAS = ("staging", "snapshots", "intermediate", "marts")
PII_COLUMN_NAMES = {
    "email",
    "first_name",
    "last_name",
    "phone",
    "street_address",
    "postal_code",
}


def test_no_pii_column_beyond_raw(history) -> None:
    columns = history.query(
        "select table_schema, table_name, column_name from information_schema.columns"  # noqa: S608
        f" where table_schema in {DBT_SCHEMAS}"
    )
    assert columns
    assert [c for c in columns if c[2].lower() in PII_COLUMN_NAMES] == []


def test_no_pii_value_beyond_raw(history) -> None:
    people = truth.customer_history(history.sim_dir)
    values = sorted(
        {p["email"] for p in people}
        | {p["email"].lower() for p in people}
        | {p["phone"] for p in people if p["phone"]}
        | {p["street_address"] for p in people if p["street_address"]}
    )
    text_columns = history.query(
        "select table_schema, table_name, column_name from information_schema.columns"  # noqa: S608
        f" where table_schema in {DBT_SCHEMAS}"
        " and lower(data_type) in ('text', 'varchar', 'character varying')"
    )
    assert len(text_columns) > 20
    placeholder = "%s" if history.target == "postgres" else "?"
    marks = ", ".join([placeholder] * len(values))
    for schema, table, column in text_columns:
        leaked = history.scalar(
            f"select count(*) from {schema}.{table} where {column} in ({marks})",  # noqa: S608
            tuple(values),
        )
        assert leaked == 0, f"PII in {schema}.{table}.{column}"


def test_email_hash_is_keyed_and_identical_to_the_documented_algorithm(history) -> None:
    latest = {
        r["customer_id"]: r["email"]
        for r in truth.customer_history(history.sim_dir)
        if r["valid_to"] is None
    }
    rows = history.query(
        "select customer_id, email_hash, email_domain from staging.stg_shop__customers"
    )
    assert len(rows) == len(latest)
    for customer_id, email_hash, domain in rows:
        email = latest[customer_id]
        assert email_hash == keyed_email_hash(email)
        assert domain == email.split("@")[1].lower()


def test_hash_key_comes_from_the_environment(tmp_path: Path) -> None:
    wh = duckdb_warehouse(tmp_path)
    wh.env["PII_HASH_KEY"] = "another secret"
    result = wh.dbt(
        "show",
        "--inline",
        "select {{ hash_pii(\"'someone@example.com'\") }} as email_hash",
        "--output",
        "json",
        "--log-format",
        "json",
    )
    shown = None
    for line in result.stdout.splitlines():
        event = json.loads(line)
        preview = event.get("data", {}).get("preview")
        if preview:
            shown = json.loads(preview)[0]["email_hash"]
    assert shown == keyed_email_hash("someone@example.com", key="another secret")
    assert shown != keyed_email_hash("someone@example.com")
