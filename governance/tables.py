"""The governance tables: the erasure audit log and the suppression list (both engines)."""

from __future__ import annotations

from governance.config import ERASURE_LOG, GOVERNANCE_SCHEMA, SUPPRESSIONS
from governance.db import Database, qualified

LOG = qualified(GOVERNANCE_SCHEMA, ERASURE_LOG)
SUPPRESSION_LIST = qualified(GOVERNANCE_SCHEMA, SUPPRESSIONS)

# Neither table holds personal data: identifiers are keyed hashes (governance/pii.py).
DDL = (
    f"create schema if not exists {GOVERNANCE_SCHEMA}",
    f"""
    create table if not exists {LOG} (
        erasure_id varchar not null,
        requested_by varchar not null,
        requested_at timestamp with time zone not null,
        completed_at timestamp with time zone,
        subject_token varchar not null,
        key_fingerprint varchar not null,
        target varchar not null,
        status varchar not null,
        rows_affected varchar,
        detail varchar
    )
    """,
    f"""
    create table if not exists {SUPPRESSION_LIST} (
        identifier_kind varchar not null,
        identifier_token varchar not null,
        key_fingerprint varchar not null,
        erasure_id varchar not null,
        suppressed_at timestamp with time zone not null
    )
    """,
)


def ensure(db: Database) -> None:
    for statement in DDL:
        db.execute(statement)
