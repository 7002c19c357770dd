"""Reading a whole warehouse for privacy checks: every relation, every value, as text.

Used by the governance tests to look for personal data (PII scans of the marts, "no trace
left" after an erasure) and to compare a warehouse before and after a change. Warehouses in
tests are `tiny`, so reading everything is cheap.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import pyarrow.parquet as pq

from pytests.support.warehouse import Warehouse, _libpq
from simulator import truth

SYSTEM_SCHEMAS = {"information_schema", "pg_catalog", "pg_toast"}


@dataclass
class Relation:
    schema: str
    name: str
    columns: list[str]
    rows: list[tuple]

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.name}"


def dump(wh: Warehouse, schemas: Iterable[str] | None = None) -> dict[str, Relation]:
    """Every table and view (in `schemas`, default all user schemas) with all its rows."""
    wanted = set(schemas) if schemas is not None else None
    catalog_sql = (
        "select table_schema, table_name, column_name from information_schema.columns"
        " where table_catalog = current_database()"
        " order by table_schema, table_name, ordinal_position"
    )
    if wh.target == "duckdb":
        con = duckdb.connect(wh.connection_env["DUCKDB_PATH"], read_only=True)
        fetch = lambda sql: con.execute(sql).fetchall()  # noqa: E731
    else:
        con = psycopg2.connect(**_libpq(wh.connection_env))

        def fetch(sql: str) -> list[tuple]:
            with con.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall()

    with closing(con):
        columns: dict[tuple[str, str], list[str]] = {}
        for schema, name, column in fetch(catalog_sql):
            if schema in SYSTEM_SCHEMAS or schema.startswith("pg_temp"):
                continue
            if wanted is not None and schema not in wanted:
                continue
            columns.setdefault((schema, name), []).append(column)
        found = {}
        for (schema, name), cols in columns.items():
            rows = fetch(f'select * from "{schema}"."{name}"')  # noqa: S608
            found[f"{schema}.{name}"] = Relation(schema, name, cols, rows)
        return found


def text(value: Any) -> str:
    return "" if value is None else str(value)


# --- what identifies people ------------------------------------------------------------------
@dataclass
class PiiValues:
    """Lower-cased PII values: `contained` must not appear inside any value, `exact` must not be
    a whole value (first and last names: short, so only whole values count), `pairs` must not
    appear together in one row (first name + last name)."""

    contained: set[str] = field(default_factory=set)
    exact: set[str] = field(default_factory=set)
    pairs: set[tuple[str, str]] = field(default_factory=set)


def _norm(value: Any) -> str:
    return text(value).strip().lower()


def customer_versions(wh: Warehouse) -> list[dict[str, Any]]:
    """Every version of every customer the source ever had (the simulator's ground truth)."""
    return truth.customer_history(wh.sim_dir)


def pii_of(versions: Iterable[dict[str, Any]]) -> PiiValues:
    pii = PiiValues()
    for v in versions:
        for key in ("email", "phone", "street_address"):
            if v.get(key):
                pii.contained.add(_norm(v[key]))
        first, last = _norm(v.get("first_name")), _norm(v.get("last_name"))
        if first and last:
            pii.contained.add(f"{first} {last}")
            pii.pairs.add((first, last))
        pii.exact.update(x for x in (first, last) if x)
    return pii


def find_pii(relations: Iterable[Relation], pii: PiiValues, limit: int = 20) -> list[str]:
    """`schema.table.column: value` for every value that is or contains PII."""
    findings: list[str] = []
    # every `contained` value has an '@' (e-mail), a '+' (phone) or a space (street address,
    # full name): only values with the same mark can contain it
    groups = {mark: [p for p in pii.contained if mark in p] for mark in ("@", "+", " ")}
    firsts = {first for first, _ in pii.pairs}
    seen: dict[str, bool] = {}

    def contains_pii(value: str) -> bool:
        if value not in seen:
            seen[value] = any(
                mark in value and any(p in value for p in patterns)
                for mark, patterns in groups.items()
            )
        return seen[value]

    for rel in relations:
        for row in rel.rows:
            values = [_norm(v) for v in row if v is not None]
            for column, raw in zip(rel.columns, row, strict=True):
                value = _norm(raw)
                if value and (value in pii.exact or contains_pii(value)):
                    findings.append(f"{rel.label}.{column}: {value[:80]}")
            present = set(values)
            for first in present & firsts:
                if any((first, last) in pii.pairs for last in present):
                    findings.append(f"{rel.label}: first and last name in one row: {values[:6]}")
            if len(findings) >= limit:
                return findings
    return findings


EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}")


def find_email_shaped(relations: Iterable[Relation]) -> list[str]:
    """Values that look like an e-mail address, whoever's."""
    return [
        f"{rel.label}.{column}: {text(value)[:80]}"
        for rel in relations
        for row in rel.rows
        for column, value in zip(rel.columns, row, strict=True)
        if isinstance(value, str) and EMAIL.search(value.lower())
    ]


# --- files -----------------------------------------------------------------------------------
def file_texts(root: Path) -> Iterable[tuple[Path, str]]:
    """Every file under root as text: parquet decoded, gzip inflated, the rest as bytes."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            content = str(pq.read_table(path).to_pylist())
        else:
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
            content = data.decode("utf-8", errors="replace")
        yield path, content.lower()


# --- comparisons -----------------------------------------------------------------------------
def rows_without(rel: Relation, linked: dict[str, set[str]]) -> Counter:
    """The relation's rows as a multiset, minus rows where a column named in `linked` holds
    one of its values (the rows about one person)."""
    positions = [(i, linked[c]) for i, c in enumerate(rel.columns) if c in linked]
    kept: Counter = Counter()
    for row in rel.rows:
        if any(text(row[i]) in values for i, values in positions):
            continue
        kept[tuple(text(v) for v in row)] += 1
    return kept


# --- one person's traces (erasure) -----------------------------------------------------------
@dataclass
class Person:
    """Everything that identifies one customer in a warehouse, taken before an erasure."""

    customer_id: int
    pii: PiiValues
    linked: dict[str, set[str]]  # column name -> values that point at the person
    tokens: set[str]  # identifiers that are only theirs: anonymous ids, e-mail hashes

    @property
    def anonymous_ids(self) -> set[str]:
        return self.linked["anonymous_id"]

    @property
    def emails(self) -> set[str]:
        return {p for p in self.pii.contained if "@" in p}


def _column(rel: Relation, name: str) -> int:
    return rel.columns.index(name)


def _values(rel: Relation, column: str, where: Any) -> set[str]:
    i = _column(rel, column)
    return {text(row[i]) for row in rel.rows if where(row) and row[i] is not None}


def pick_person(wh: Warehouse, relations: dict[str, Relation]) -> int:
    """A customer with orders, tracked events and the most SCD2 versions (the hardest case)."""
    orders = relations["raw_shop.orders"]
    events = relations["raw_web.events"]
    snapshot = relations["snapshots.snap_customers"]
    order_count = Counter(text(r[_column(orders, "customer_id")]) for r in orders.rows)
    event_count = Counter(text(r[_column(events, "customer_id")]) for r in events.rows)
    versions = Counter(text(r[_column(snapshot, "customer_id")]) for r in snapshot.rows)
    candidates = [c for c in order_count if c and event_count[c] and versions[c]]
    best = max(candidates, key=lambda c: (versions[c], order_count[c], event_count[c], c))
    return int(best)


def person(wh: Warehouse, customer_id: int, relations: dict[str, Relation]) -> Person:
    history = customer_versions(wh)
    own = pii_of(v for v in history if v["customer_id"] == customer_id)
    others = pii_of(v for v in history if v["customer_id"] != customer_id)
    # values another customer also has (a shared street address, a common name) are not traces
    trace = PiiValues(
        contained=own.contained - others.contained, exact=set(), pairs=own.pairs - others.pairs
    )
    cid = str(customer_id)
    events = relations["raw_web.events"]
    ec = _column(events, "customer_id")
    anonymous = _values(events, "anonymous_id", lambda r: text(r[ec]) == cid)
    ea = _column(events, "anonymous_id")

    def theirs(row: tuple) -> bool:
        return text(row[ec]) == cid or (row[ec] is None and text(row[ea]) in anonymous)

    orders = relations["raw_shop.orders"]
    oc = _column(orders, "customer_id")
    dim = relations["marts.dim_customers"]
    dc = _column(dim, "customer_id")
    order_ids = _values(orders, "order_id", lambda r: text(r[oc]) == cid)
    linked = {
        "customer_id": {cid},
        "anonymous_id": anonymous,
        "event_id": _values(events, "event_id", theirs),
        "session_id": _values(events, "session_id", theirs),
        "order_id": order_ids,
        "previous_order_id": order_ids,
        "customer_key": _values(dim, "customer_key", lambda r: text(r[dc]) == cid),
    }
    # customer keys are md5(id, version) like every surrogate key, so a product of the same id
    # and version has the same key: they are checked in customer_key columns only (traces)
    tokens = _values(dim, "email_hash", lambda r: text(r[dc]) == cid) | anonymous
    return Person(customer_id, trace, linked, {t.lower() for t in tokens})


def traces(relations: dict[str, Relation], who: Person, limit: int = 20) -> list[str]:
    """Where the person still is: PII values, their anonymous ids or e-mail hashes anywhere,
    their id in any *customer_id column or in a JSON record, their keys as customer_key."""
    found = find_pii(relations.values(), who.pii, limit)
    cid = str(who.customer_id)
    in_json = re.compile(r'"customer_id"\s*:\s*"?' + cid + r"\b")
    keys = who.linked["customer_key"]
    for rel in relations.values():
        id_columns = [i for i, c in enumerate(rel.columns) if "customer_id" in c.lower()]
        key_columns = [i for i, c in enumerate(rel.columns) if c.lower() == "customer_key"]
        for row in rel.rows:
            for i in id_columns:
                if text(row[i]) == cid:
                    found.append(f"{rel.label}.{rel.columns[i]} = {cid}")
            for i in key_columns:
                if text(row[i]) in keys:
                    found.append(f"{rel.label}.{rel.columns[i]}: one of their customer keys")
            for column, value in zip(rel.columns, row, strict=True):
                if not isinstance(value, str):
                    continue
                if "customer_id" in value and in_json.search(value):
                    found.append(f"{rel.label}.{column}: JSON record of customer {cid}")
                lowered = value.lower()
                if any(token in lowered for token in who.tokens):
                    found.append(f"{rel.label}.{column}: their identifier in {value[:60]}")
            if len(found) >= limit:
                return found
    return found


# schemas where a relation without any person-linked column is an aggregate over everyone
AGGREGATE_SCHEMAS = {"intermediate", "marts"}


def changes_for_others(
    before: dict[str, Relation], after: dict[str, Relation], who: Person
) -> list[str]:
    """Relations whose rows not linked to the person differ between before and after.
    Aggregates over all customers (intermediate/marts relations with no linking column) are
    expected to change and are not compared; the governance schema is erasure's own."""
    problems = []
    for label, old in sorted(before.items()):
        if old.schema == "governance":
            continue
        new = after.get(label)
        if new is None:
            problems.append(f"{label}: missing after the erasure")
            continue
        if new.columns != old.columns:
            problems.append(f"{label}: columns changed")
            continue
        if old.schema in AGGREGATE_SCHEMAS and not set(old.columns) & set(who.linked):
            continue
        kept_before = rows_without(old, who.linked)
        kept_after = rows_without(new, who.linked)
        if kept_before != kept_after:
            lost = sum((kept_before - kept_after).values())
            gained = sum((kept_after - kept_before).values())
            example = next(iter((kept_before - kept_after) or (kept_after - kept_before)))
            problems.append(f"{label}: {lost} row(s) lost, {gained} new, e.g. {example[:8]}")
    return problems
