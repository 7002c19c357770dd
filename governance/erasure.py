"""`python -m governance erase --customer-id N`: erase one customer from the warehouse.

What happens, in one transaction (nothing changes when any step fails):

1. Every table in the warehouse with a `customer_id` column must have a policy below, else the
   command stops before changing anything (a new source table needs a decision first).
2. Raw (and dlt's `<raw>_staging` copies of the last load):
   * `raw_shop.customers`: the customer's row is deleted;
   * `raw_shop.orders`: orders are kept (accounting, revenue totals) but detached:
     `customer_id` becomes null (facts then point at the unknown customer '-1'); order items
     and payments carry no customer and stay as they are;
   * `raw_web.events`: deleted when they carry the customer's id, and anonymous events
     (no customer_id) of the customer's anonymous_ids; an anonymous_id seen with another
     logged-in customer keeps that customer's events;
   * `_quarantine` (every raw dataset): records mentioning the customer id, one of their
     anonymous_ids or their e-mail are deleted.
3. dbt's schemas (staging, intermediate, snapshots, marts): rows with the customer's id (and
   anonymous events as above) are deleted from every table, all SCD2 versions of the
   snapshots included, so nothing downstream can bring them back before the rebuild.
4. The suppression list `governance.erasure_suppressions` gets keyed hashes of the customer
   id and their anonymous_ids: ingestion drops (customers, events) or detaches (orders) those
   people's records from then on, so a later load of the source never resurrects them
   (governance/suppression.py). The erasure request must still be sent to the source system.
5. The audit log `governance.erasure_log` records who asked, when, a keyed hash of the customer
   id (not the id), the key's fingerprint, the row counts and the status.

Then, outside the transaction: dlt's completed load packages kept on disk (which hold copies of
loaded rows) are deleted, `dbt build --full-refresh` rebuilds every model from the cleaned raw
layer and snapshots (on Postgres as the owner of the dbt schemas, via SET ROLE), the DuckDB file
is rewritten without the deleted rows' leftover bytes (Postgres: the changed tables are
vacuumed), and the log row is marked `completed`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from governance import pii, tables
from governance.config import (
    DBT_SCHEMAS,
    DETACHED_CUSTOMER_ID,
    GOVERNANCE_SCHEMA,
    MARTS_SCHEMA,
    RAW_SCHEMAS,
    STAGING_SUFFIX,
    GovernanceError,
)
from governance.db import Database, Relation, connect_postgres, duckdb_path, qualified
from governance.roles import dbt_grants_env

REPO_ROOT = Path(__file__).resolve().parent.parent
QUARANTINE = "_quarantine"
# raw table (dataset without the dlt staging suffix, table) -> what erasure does to it
RAW_POLICIES = {
    ("raw_shop", "customers"): "delete",
    ("raw_shop", "orders"): "detach",
    ("raw_web", "events"): "delete_events",
}


@dataclass
class ErasureResult:
    erasure_id: str
    subject_token: str
    status: str
    rows: dict[str, int] = field(default_factory=dict)
    files_removed: int = 0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _base_dataset(schema: str) -> str:
    return schema[: -len(STAGING_SUFFIX)] if schema.endswith(STAGING_SUFFIX) else schema


def _in_list(values: list[Any]) -> str:
    return "(" + ", ".join(["%s"] * len(values)) + ")"


def check_policies(relations: dict[tuple[str, str], Relation]) -> None:
    """Every table holding a customer_id is covered, or nothing is touched."""
    uncovered = []
    for (schema, name), rel in relations.items():
        if not rel.is_table or "customer_id" not in rel.columns or schema == GOVERNANCE_SCHEMA:
            continue
        if schema in DBT_SCHEMAS:
            continue
        if schema in RAW_SCHEMAS and (_base_dataset(schema), name) in RAW_POLICIES:
            continue
        uncovered.append(f"{schema}.{name}")
    if uncovered:
        raise GovernanceError(
            "no erasure policy for table(s) holding customer_id: "
            + ", ".join(sorted(uncovered))
            + " (add one to RAW_POLICIES in governance/erasure.py, or drop the table); "
            "nothing was changed"
        )


def _anonymous_ids(db: Database, relations: dict[tuple[str, str], Relation], cid: int) -> list:
    """Every anonymous_id seen together with the customer id, in any table or view."""
    found: set[str] = set()
    for (schema, name), rel in relations.items():
        if schema == GOVERNANCE_SCHEMA or not rel.is_table:  # views only repeat tables
            continue
        if {"customer_id", "anonymous_id"} <= set(rel.columns):
            rows = db.query(
                f"select distinct anonymous_id from {qualified(schema, name)}"  # noqa: S608
                " where customer_id = %s and anonymous_id is not null",
                (cid,),
            )
            found.update(str(r[0]) for r in rows)
    return sorted(found)


def _emails(db: Database, relations: dict[tuple[str, str], Relation], cid: int) -> set[str]:
    found: set[str] = set()
    for schema in RAW_SCHEMAS:
        rel = relations.get((schema, "customers"))
        if rel and "email" in rel.columns:
            rows = db.query(
                f"select email from {qualified(schema, 'customers')}"  # noqa: S608
                " where customer_id = %s and email is not null",
                (cid,),
            )
            found.update(str(r[0]).strip().lower() for r in rows)
    return found


def _event_condition(
    columns: dict[str, str], cid: int, anon_ids: list[str]
) -> tuple[str, list[Any]]:
    """Rows of the customer's events: their id, or anonymous with one of their anonymous_ids."""
    parts: list[str] = []
    params: list[Any] = []
    if "customer_id" in columns:
        parts.append("customer_id = %s")
        params.append(cid)
    if anon_ids and "anonymous_id" in columns:
        anonymous = f"anonymous_id in {_in_list(anon_ids)}"
        if "customer_id" in columns:
            anonymous = f"(customer_id is null and {anonymous})"
        parts.append(anonymous)
        params.extend(anon_ids)
    return " or ".join(parts), params


def _quarantine_matches(record_text: str, cid: int, anon_ids: set[str], emails: set[str]) -> bool:
    try:
        record = json.loads(record_text)
    except (TypeError, ValueError):
        record = None
    if isinstance(record, dict):
        if str(record.get("customer_id", "")).strip() == str(cid):
            return True
        if str(record.get("anonymous_id", "")).strip() in anon_ids:
            return True
    text = (record_text or "").lower()
    return any(email and email in text for email in emails)


def _erase_rows(
    db: Database,
    relations: dict[tuple[str, str], Relation],
    cid: int,
    anon_ids: list[str],
    emails: set[str],
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    rows: dict[str, int] = {}
    touched: list[tuple[str, str]] = []

    def count(label: str, n: int, schema: str, name: str) -> None:
        if n:
            rows[label] = rows.get(label, 0) + n
            touched.append((schema, name))

    for (schema, name), rel in sorted(relations.items()):
        if not rel.is_table or schema == GOVERNANCE_SCHEMA:
            continue
        table = qualified(schema, name)
        policy = RAW_POLICIES.get((_base_dataset(schema), name)) if schema in RAW_SCHEMAS else None
        if schema in RAW_SCHEMAS and name == QUARANTINE and "record" in rel.columns:
            anon_set = set(anon_ids)
            key = "_dlt_id" if "_dlt_id" in rel.columns else "record"
            ids = [
                row_key
                for row_key, record in db.query(f"select {key}, record from {table}")  # noqa: S608
                if _quarantine_matches(record, cid, anon_set, emails)
            ]
            for start in range(0, len(ids), 500):
                batch = ids[start : start + 500]
                n = db.execute(
                    f"delete from {table} where {key} in {_in_list(batch)}",  # noqa: S608
                    batch,
                )
                count(f"{schema}.{name}", n or len(batch), schema, name)
        elif policy == "delete":
            n = db.execute(f"delete from {table} where customer_id = %s", (cid,))  # noqa: S608
            count(f"{schema}.{name}", n, schema, name)
        elif policy == "detach":
            # dlt created the column NOT NULL (the source declares it so); detached orders
            # (now, and ones ingestion detaches later) need null
            db.execute(f"alter table {table} alter column customer_id drop not null")
            n = db.execute(
                f"update {table} set customer_id = %s where customer_id = %s",  # noqa: S608
                (DETACHED_CUSTOMER_ID, cid),
            )
            count(f"{schema}.{name} (detached)", n, schema, name)
        elif policy == "delete_events" or (
            schema in DBT_SCHEMAS and ({"customer_id", "anonymous_id"} & set(rel.columns))
        ):
            condition, params = _event_condition(rel.columns, cid, anon_ids)
            if not condition:
                continue
            n = db.execute(f"delete from {table} where {condition}", params)  # noqa: S608
            count(f"{schema}.{name}", n, schema, name)
    return rows, touched


def _suppress(db: Database, erasure_id: str, cid: int, anon_ids: list[str], now) -> None:
    fingerprint = pii.key_fingerprint()
    entries = [("customer_id", pii.customer_token(cid))]
    entries += [("anonymous_id", pii.anonymous_token(a)) for a in anon_ids]
    for kind, token in entries:
        exists = db.query(
            f"select 1 from {tables.SUPPRESSION_LIST}"  # noqa: S608
            " where identifier_kind = %s and identifier_token = %s and key_fingerprint = %s",
            (kind, token, fingerprint),
        )
        if not exists:
            db.execute(
                f"insert into {tables.SUPPRESSION_LIST}"  # noqa: S608
                " (identifier_kind, identifier_token, key_fingerprint, erasure_id, suppressed_at)"
                " values (%s, %s, %s, %s, %s)",
                (kind, token, fingerprint, erasure_id, now),
            )


def _check_key(db: Database) -> None:
    fingerprints = {
        row[0]
        for row in db.query(
            f"select distinct key_fingerprint from {tables.SUPPRESSION_LIST}"  # noqa: S608
        )
    }
    if fingerprints - {pii.key_fingerprint()}:
        raise GovernanceError(
            "the suppression list was written with another PII_HASH_KEY than the one set now; "
            "run erasure with the warehouse's key (nothing was changed)"
        )


def pipelines_base_dir() -> Path:
    """Where dlt keeps its working dirs (ingestion/settings.py pipelines_dir's parent)."""
    base = os.environ.get("INGEST_PIPELINES_DIR") or REPO_ROOT / ".dlt" / ".var" / "pipelines"
    return Path(base).resolve()


def purge_load_packages(base: Path, say: Callable[[str], None]) -> int:
    """Delete the data files of dlt's completed load packages (copies of loaded rows, kept for
    inspection only). Pending packages of an interrupted load are left alone, with a warning."""
    if not base.exists():
        return 0
    removed = 0
    for jobs in base.glob("*/*/load/loaded/*/completed_jobs"):
        for path in jobs.iterdir():
            if path.is_file():
                path.unlink()
                removed += 1
            elif path.is_dir():
                shutil.rmtree(path)
                removed += 1
    pending = [
        p
        for folder in ("load/new", "load/normalized", "normalize/extracted")
        for p in base.glob(f"*/*/{folder}/*")
        if p.is_dir()
    ]
    if pending:
        say(
            f"warning: {len(pending)} pending dlt load package(s) under {base} may hold the "
            "person's data; run ingestion to complete them, then erase again"
        )
    return removed


def _dbt_role(target: str) -> str | None:
    """On Postgres, dbt rebuilds as the owner of the dbt schemas (SET ROLE), so the rebuilt
    relations keep their owner; None when that is the connecting user (or there is no such
    schema yet)."""
    if target != "postgres":
        return None
    conn = connect_postgres()
    try:
        with conn.cursor() as cur:
            cur.execute(
                "select pg_get_userbyid(nspowner), current_user,"
                " pg_has_role(current_user, nspowner, 'MEMBER')"
                " from pg_namespace where nspname = %s",
                (MARTS_SCHEMA,),
            )
            row = cur.fetchone()
    finally:
        conn.close()
    if row is None or row[0] == row[1]:
        return None
    if not row[2]:
        raise GovernanceError(
            f"{row[1]} cannot SET ROLE {row[0]} (owner of the dbt schemas) to rebuild the models"
        )
    return row[0]


def rebuild(target: str, say: Callable[[str], None]) -> bool:
    """`dbt build --full-refresh`: every model from the cleaned raw layer (snapshots keep their
    history minus the erased rows)."""
    env = dict(os.environ)
    role = _dbt_role(target)
    if role:
        env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c role={role}".strip()
    if target == "postgres":
        # the rebuilt marts grant SELECT to the BI role, like the production build's
        try:
            env |= dbt_grants_env(say)
        except GovernanceError as exc:
            say(f"not rebuilt: {exc}")
            return False
    dbt = str(Path(sys.executable).with_name("dbt"))
    say(f"==> dbt build --full-refresh on {target}" + (f" as {role}" if role else ""))
    env.setdefault("DBT_PROFILES_DIR", str(REPO_ROOT))
    result = subprocess.run(
        [dbt, "build", "--full-refresh", "--target", target], cwd=REPO_ROOT, env=env
    )
    return result.returncode == 0


def compact_duckdb(path: Path) -> None:
    """Rewrite the DuckDB file: DuckDB leaves deleted rows' bytes in free blocks of the file, so
    the erased data would stay readable to anyone with the file. COPY FROM DATABASE writes only
    live data (tables, views, comments, sequences) to a new file that replaces the old one."""
    import duckdb

    tmp = path.with_name(path.name + ".erasure-compact")
    for leftover in (tmp, Path(f"{tmp}.wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        source = str(path).replace("'", "''")
        con.execute(f"attach '{source}' as erasure_source (read_only)")
        (database,) = con.execute("select current_database()").fetchone()
        con.execute(f'copy from database erasure_source to "{database}"')
        con.execute("detach erasure_source")
        con.execute("checkpoint")
    finally:
        con.close()
    # views name the catalog after the file's stem, which the original path keeps
    os.replace(tmp, path)
    Path(f"{path}.wal").unlink(missing_ok=True)


def _vacuum(touched: list[tuple[str, str]]) -> None:
    """VACUUM the raw and snapshot tables rows were deleted from (the rebuilt models are new
    tables: their old files are gone with the old tables)."""
    import psycopg2

    conn = connect_postgres(autocommit=True)
    try:
        with conn.cursor() as cur:
            for schema, name in sorted(set(touched)):
                if schema in RAW_SCHEMAS or schema == "snapshots":
                    # best effort: the erasure itself is complete
                    with contextlib.suppress(psycopg2.Error):
                        cur.execute(f"vacuum {qualified(schema, name)}")
    finally:
        conn.close()


def _set_status(target: str, erasure_id: str, status: str) -> None:
    db = Database(target)
    try:
        db.execute(
            f"update {tables.LOG} set status = %s, completed_at = %s"  # noqa: S608
            " where erasure_id = %s",
            (status, _now(), erasure_id),
        )
        db.commit()
    finally:
        db.close()


def erase(
    customer_id: int,
    requested_by: str | None = None,
    target: str = "duckdb",
    run_rebuild: bool = True,
    say: Callable[[str], None] = print,
) -> ErasureResult:
    if not requested_by:
        try:
            requested_by = getpass.getuser()
        except (KeyError, OSError):
            requested_by = ""
    requested_by = requested_by.strip()
    if not requested_by:
        raise GovernanceError("--requested-by must name who asked for the erasure")
    if customer_id < 0:
        raise GovernanceError(f"{customer_id} is not a customer id (-1 is the unknown member)")
    if not pii.hash_key():
        raise GovernanceError("PII_HASH_KEY is set but empty; set the warehouse's key")
    if pii.using_dev_key():
        say("warning: PII_HASH_KEY is not set; using the development key")
    erasure_id = uuid.uuid4().hex
    token = pii.customer_token(customer_id)
    result = ErasureResult(erasure_id=erasure_id, subject_token=token, status="erased")
    started = _now()

    db = Database(target)
    try:
        tables.ensure(db)
        _check_key(db)
        relations = db.relations()
        check_policies(relations)
        anon_ids = _anonymous_ids(db, relations, customer_id)
        emails = _emails(db, relations, customer_id)
        _suppress(db, erasure_id, customer_id, anon_ids, started)
        result.rows, touched = _erase_rows(db, relations, customer_id, anon_ids, emails)
        db.execute(
            f"insert into {tables.LOG} (erasure_id, requested_by, requested_at, completed_at,"  # noqa: S608
            " subject_token, key_fingerprint, target, status, rows_affected, detail)"
            " values (%s, %s, %s, null, %s, %s, %s, %s, %s, %s)",
            (
                erasure_id,
                requested_by,
                started,
                token,
                pii.key_fingerprint(),
                target,
                "erased" if run_rebuild else "rebuild_pending",
                json.dumps(result.rows, sort_keys=True),
                f"{len(anon_ids)} anonymous id(s) suppressed",
            ),
        )
        db.commit()
    except Exception:
        db.rollback()
        raise
    finally:
        db.close()

    say(f"erasure {erasure_id}: customer token {token[:16]}... requested by {requested_by}")
    for label, n in sorted(result.rows.items()):
        say(f"    {label:<45} {n:>7} row(s)")
    result.files_removed = purge_load_packages(pipelines_base_dir(), say)
    say(f"    dlt load package files removed: {result.files_removed}")

    if not result.rows:
        # nothing of theirs in the warehouse (not loaded yet, or erased before): the
        # suppression list keeps them out from now on, no rebuild needed
        result.status = "completed"
        _set_status(target, erasure_id, result.status)
        say(f"erasure {erasure_id}: nothing of theirs found; suppressed for future loads")
        return result
    if not run_rebuild:
        result.status = "rebuild_pending"
        if target == "duckdb":
            compact_duckdb(duckdb_path())
        say("not rebuilt: run `dbt build --full-refresh` before anyone reads the marts")
        return result
    ok = rebuild(target, say)
    if target == "duckdb":
        compact_duckdb(duckdb_path())
    elif touched:
        _vacuum(touched)
    result.status = "completed" if ok else "rebuild_failed"
    _set_status(target, erasure_id, result.status)
    if not ok:
        raise GovernanceError(
            f"erasure {erasure_id}: data erased and logged, but `dbt build --full-refresh` "
            "failed; fix it and rebuild (the log row says rebuild_failed)"
        )
    say(f"erasure {erasure_id} completed")
    return result
