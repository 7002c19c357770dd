"""Erasure requests on DuckDB: `python -m governance erase --customer-id N`.

On a private copy of the shared DuckDB warehouse (`duckdb_clone`): one customer is erased; no
trace of them is left in any table of any schema (raw, dlt's own tables, snapshots, staging,
intermediate, marts), in dlt's files or in the DuckDB file's bytes; every other customer's
rows are unchanged; the audit log says who asked, when, for which (hashed) customer; and a
later ingestion that re-reads the whole source (which still has the person) does not bring
them back. Postgres: test_gov_postgres.py.
"""

from __future__ import annotations

import sqlite3
import sys

import duckdb

from governance import pii
from pytests.support.privacy import (
    changes_for_others,
    dump,
    file_texts,
    person,
    pick_person,
    traces,
)
from pytests.support.warehouse import Warehouse, run_command


def erase(wh: Warehouse, customer_id: int, *extra: str, check: bool = True):
    return run_command(
        [
            sys.executable,
            "-m",
            "governance",
            "erase",
            "--customer-id",
            str(customer_id),
            "--target",
            wh.target,
            *extra,
        ],
        wh.env,
        check=check,
    )


def source_has_customer(wh: Warehouse, customer_id: int) -> bool:
    with sqlite3.connect(wh.sim_dir / "shop.sqlite") as con:
        row = con.execute("select count(*) from customers where customer_id = ?", (customer_id,))
        return row.fetchone()[0] == 1


def test_erasure_leaves_no_trace_and_keeps_everyone_else(duckdb_clone: Warehouse) -> None:
    wh = duckdb_clone
    before = dump(wh)
    customer_id = pick_person(wh, before)
    who = person(wh, customer_id, before)
    assert traces(before, who), "the person must be in the warehouse before the erasure"
    file_bytes = (wh.root / "warehouse.duckdb").read_bytes()
    assert any(email.encode() in file_bytes for email in who.emails)

    result = erase(wh, customer_id, "--requested-by", "dpo@example.test ticket 42")
    assert "completed" in result.stdout

    after = dump(wh)
    assert traces(after, who) == []
    assert changes_for_others(before, after, who) == []
    # orders are kept for accounting, detached from the person
    order_ids = who.linked["order_id"]
    kept = [r for r in after["raw_shop.orders"].rows if str(r[0]) in order_ids]
    assert order_ids and len(kept) == len(order_ids)
    facts = after["marts.fct_orders"]
    key = facts.columns.index("customer_key")
    fact_orders = [r for r in facts.rows if str(r[facts.columns.index("order_id")]) in order_ids]
    assert len(fact_orders) == len(order_ids) and {r[key] for r in fact_orders} == {"-1"}
    # nor in dlt's working files, nor in the bytes of the DuckDB file
    for path, content in file_texts(wh.root / "pipelines"):
        assert not any(e in content for e in who.emails), path
    file_bytes = (wh.root / "warehouse.duckdb").read_bytes()
    assert not any(email.encode() in file_bytes for email in who.emails)

    # the audit log: who, when, a keyed hash of the id, nothing personal
    (log,) = wh.query(
        "select requested_by, requested_at, completed_at, subject_token, status, target"
        " from governance.erasure_log"
    )
    assert log[0] == "dpo@example.test ticket 42" and log[4] == "completed"
    assert log[1] <= log[2] and log[5] == "duckdb"
    assert log[3] == pii.customer_token(customer_id) != str(customer_id)

    # the source still has the person: a full re-read must not bring them back (into raw,
    # which every model is built from)
    assert source_has_customer(wh, customer_id)
    wh.ingest("--full-refresh")
    again = dump(wh)
    assert traces(again, who) == []
    customers = {r[0] for r in again["raw_shop.customers"].rows}
    assert customers == {r[0] for r in before["raw_shop.customers"].rows} - {customer_id}
    orders = again["raw_shop.orders"]
    oid, cid = orders.columns.index("order_id"), orders.columns.index("customer_id")
    reloaded = {str(r[oid]): r[cid] for r in orders.rows if str(r[oid]) in order_ids}
    assert set(reloaded) == order_ids and set(reloaded.values()) == {None}


def test_erasure_refuses_a_table_without_policy(duckdb_clone: Warehouse) -> None:
    """A raw table holding customer_id that erasure does not know stops it before any change."""
    wh = duckdb_clone
    with duckdb.connect(wh.connection_env["DUCKDB_PATH"]) as con:
        con.execute("create table raw_shop.loyalty_points (customer_id bigint, points integer)")
        con.execute(
            "insert into raw_shop.loyalty_points select customer_id, 1 from raw_shop.customers"
        )
        (customer_id,) = con.execute("select min(customer_id) from raw_shop.customers").fetchone()
    result = erase(wh, customer_id, "--no-rebuild", check=False)
    assert result.returncode == 1
    assert "no erasure policy for table(s) holding customer_id: raw_shop.loyalty_points" in (
        result.stderr
    )
    assert (
        wh.scalar("select count(*) from raw_shop.customers where customer_id = ?", (customer_id,))
        == 1
    )
    assert (
        wh.scalar(
            "select count(*) from information_schema.schemata where schema_name = 'governance'"
        )
        == 0
    )
