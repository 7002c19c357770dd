"""`python -m governance roles`: the warehouse's Postgres roles and what each may do.

Run as an administrator (a superuser, or a role that owns the database and is a member of the
three roles) with the PG* variables. Declarative and idempotent: every run brings roles,
schemas, ownership, grants and default privileges to the state below, whatever was there.

* LOADER_ROLE (default loader): owns and writes the raw schemas raw_shop, raw_web,
  raw_marketing and dlt's `<raw>_staging` schemas (pre-created, so it needs no CREATE on the
  database); reads governance.erasure_suppressions.
* TRANSFORMER_ROLE (default transformer): reads the raw schemas (current and future tables);
  owns and writes staging, intermediate, snapshots and marts.
* BI_READER_ROLE (default bi_reader): reads marts (current and future tables), nothing else.

Passwords come from LOADER_PASSWORD / TRANSFORMER_PASSWORD / BI_READER_PASSWORD; a role whose
variable is unset is NOLOGIN (usable only through SET ROLE by its members). Passwords are sent
to the server as SCRAM verifiers computed on the client, never in clear text.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from psycopg2 import sql
from psycopg2.extensions import encrypt_password

from governance import tables
from governance.config import (
    DBT_SCHEMAS,
    GOVERNANCE_SCHEMA,
    MARTS_SCHEMA,
    RAW_DATASETS,
    RAW_SCHEMAS,
    ROLE_ENV,
    SUPPRESSIONS,
    GovernanceError,
    Role,
    roles,
)
from governance.db import Database, connect_postgres

# Objects whose ownership follows their schema's owner (relkind: table, view, matview,
# sequence, partitioned table).
_OWNED_KINDS = ("r", "v", "m", "S", "p")


class _Session:
    def __init__(self, conn, say: Callable[[str], None]) -> None:
        self.conn = conn
        self.say = say

    def run(self, statement: sql.Composable | str, params: tuple = ()) -> list[tuple]:
        with self.conn.cursor() as cur:
            cur.execute(statement, params or None)
            return cur.fetchall() if cur.description else []


def setup_roles(say: Callable[[str], None] = print) -> dict[str, Role]:
    """Create/alter the three roles and apply every privilege; returns the roles."""
    wanted = roles()
    loader, transformer, reader = wanted["loader"], wanted["transformer"], wanted["bi_reader"]
    conn = connect_postgres()
    try:
        s = _Session(conn, say)
        (database,) = s.run("select current_database()")[0]
        for r in wanted.values():
            _ensure_role(s, r)
            s.run(
                sql.SQL("grant connect on database {} to {}").format(
                    sql.Identifier(database), sql.Identifier(r.name)
                )
            )

        for schema in RAW_SCHEMAS:
            _own_schema(s, schema, loader.name)
            _revoke_all(s, schema, [transformer.name, reader.name, "public"])
        for schema in RAW_DATASETS:
            _grant_read(s, schema, reader=transformer.name, owner=loader.name)

        for schema in DBT_SCHEMAS:
            _own_schema(s, schema, transformer.name)
            _revoke_all(s, schema, [loader.name, reader.name, "public"])
        _grant_read(s, MARTS_SCHEMA, reader=reader.name, owner=transformer.name)

        # the erasure audit log and suppression list: owned by the administrator; the loader
        # reads the suppression list so ingestion never re-loads an erased person
        tables.ensure(Database("postgres", conn))
        _revoke_all(s, GOVERNANCE_SCHEMA, [loader.name, transformer.name, reader.name, "public"])
        s.run(
            sql.SQL("grant usage on schema {} to {}").format(
                sql.Identifier(GOVERNANCE_SCHEMA), sql.Identifier(loader.name)
            )
        )
        s.run(
            sql.SQL("grant select on {}.{} to {}").format(
                sql.Identifier(GOVERNANCE_SCHEMA),
                sql.Identifier(SUPPRESSIONS),
                sql.Identifier(loader.name),
            )
        )
        conn.commit()
    except Exception:
        conn.rollback()
        raise
    finally:
        conn.close()
    for r in wanted.values():
        say(f"role {r.name} ({r.kind}): {'LOGIN' if r.can_login else 'NOLOGIN'}")
    raw = ", ".join(RAW_DATASETS)
    say(f"raw schemas owned by {loader.name}, read by {transformer.name}: {raw}")
    say(f"dbt schemas owned by {transformer.name}: {', '.join(DBT_SCHEMAS)}")
    say(f"{reader.name} reads {MARTS_SCHEMA} only (incl. future tables)")
    return wanted


def _ensure_role(s: _Session, r: Role) -> None:
    ident = sql.Identifier(r.name)
    existing = s.run(
        "select rolsuper, rolname = current_user from pg_roles where rolname = %s", (r.name,)
    )
    if existing and any(existing[0]):
        # these roles are stripped of every attribute below: never do that to an admin
        raise GovernanceError(
            f"{r.name} is a superuser or the role running this command; choose another name "
            f"for the {r.kind} role"
        )
    if not existing:
        s.run(sql.SQL("create role {} nologin").format(ident))
    attributes = sql.SQL("nosuperuser nocreatedb nocreaterole noreplication nobypassrls")
    if r.can_login:
        verifier = encrypt_password(r.password, r.name, s.conn)
        s.run(
            sql.SQL("alter role {} with login {} password {}").format(
                ident, attributes, sql.Literal(verifier)
            )
        )
    else:
        s.run(sql.SQL("alter role {} with nologin {} password null").format(ident, attributes))


def _own_schema(s: _Session, schema: str, owner: str) -> None:
    """The schema exists, belongs to `owner`, and so does everything in it."""
    schema_id, owner_id = sql.Identifier(schema), sql.Identifier(owner)
    s.run(sql.SQL("create schema if not exists {} authorization {}").format(schema_id, owner_id))
    s.run(sql.SQL("alter schema {} owner to {}").format(schema_id, owner_id))
    objects = s.run(
        """
        select c.relname, c.relkind
        from pg_class as c
        inner join pg_namespace as n on n.oid = c.relnamespace
        where n.nspname = %s and c.relkind = any(%s)
            and pg_get_userbyid(c.relowner) <> %s
            -- sequences owned by a table column follow the table
            and not (c.relkind = 'S' and exists (
                select 1 from pg_depend as d
                where d.objid = c.oid and d.deptype in ('a', 'i')
            ))
        """,
        (schema, list(_OWNED_KINDS), owner),
    )
    kinds = {"r": "table", "p": "table", "v": "view", "m": "materialized view", "S": "sequence"}
    for name, kind in objects:
        s.run(
            sql.SQL("alter {} {}.{} owner to {}").format(
                sql.SQL(kinds[kind]), schema_id, sql.Identifier(name), owner_id
            )
        )


def _revoke_all(s: _Session, schema: str, grantees: list[str]) -> None:
    schema_id = sql.Identifier(schema)
    names = sql.SQL(", ").join(
        sql.SQL("public") if g == "public" else sql.Identifier(g) for g in grantees
    )
    s.run(sql.SQL("revoke all on schema {} from {}").format(schema_id, names))
    s.run(sql.SQL("revoke all on all tables in schema {} from {}").format(schema_id, names))
    s.run(sql.SQL("revoke all on all sequences in schema {} from {}").format(schema_id, names))


def _grant_read(s: _Session, schema: str, reader: str, owner: str) -> None:
    """`reader` may read every current table of the schema and every one `owner` creates."""
    schema_id, reader_id = sql.Identifier(schema), sql.Identifier(reader)
    s.run(sql.SQL("grant usage on schema {} to {}").format(schema_id, reader_id))
    s.run(sql.SQL("grant select on all tables in schema {} to {}").format(schema_id, reader_id))
    s.run(
        sql.SQL(
            "alter default privileges for role {} in schema {} grant select on tables to {}"
        ).format(sql.Identifier(owner), schema_id, reader_id)
    )


def dbt_grants_env(say: Callable[[str], None] = print) -> dict[str, str]:
    """BI_READER_ROLE for a production dbt build on Postgres (the PG* database).

    dbt grants SELECT on every mart to BI_READER_ROLE when it is set (dbt_project.yml,
    dbt's own `grants` config) and to nobody when it is unset, and a grant to a role that does
    not exist fails the build. So: set to a role that does not exist, stop here in one line;
    unset, name the role `make roles` creates (`bi_reader`) when it exists on the server, else
    grant nothing (a Postgres without `make roles`). Returns the variables to add for dbt."""
    reader = roles()["bi_reader"]
    explicit = bool(os.environ.get(ROLE_ENV["bi_reader"][0]))
    conn = connect_postgres()
    try:
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_roles where rolname = %s", (reader.name,))
            exists = cur.fetchone() is not None
    finally:
        conn.close()
    if explicit and not exists:
        raise GovernanceError(
            f"BI_READER_ROLE={reader.name}: no such role on this server (dbt grants it SELECT on "
            "the marts); create it with `make roles`, or unset BI_READER_ROLE to grant nothing"
        )
    if exists:
        say(f"    dbt grants SELECT on the marts to {reader.name} (BI_READER_ROLE)")
        return {"BI_READER_ROLE": reader.name}
    say(f"    no role {reader.name} on this server (`make roles`): dbt grants nothing on the marts")
    return {}
