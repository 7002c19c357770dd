"""Names the governance commands share: roles (from the environment), schemas, tables."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

# The raw datasets dlt writes (ingestion/settings.py DATASETS) and dlt's staging datasets next to
# them (dlt's default layout "<dataset>_staging", used by merge loads).
RAW_DATASETS = ("raw_shop", "raw_web", "raw_marketing")
STAGING_SUFFIX = "_staging"
RAW_SCHEMAS = RAW_DATASETS + tuple(f"{name}{STAGING_SUFFIX}" for name in RAW_DATASETS)
# The schemas dbt builds (dbt_project.yml; generate_schema_name keeps the names as they are).
DBT_SCHEMAS = ("staging", "intermediate", "snapshots", "marts")
MARTS_SCHEMA = "marts"

# Erasure audit log and suppression list; written by `governance erase`, never by dbt.
GOVERNANCE_SCHEMA = "governance"
ERASURE_LOG = "erasure_log"
SUPPRESSIONS = "erasure_suppressions"

# An erased customer's orders are kept (accounting) but detached: their customer_id becomes
# null ("no customer"), so facts point at the unknown member (customer_key '-1') and the orders
# still count in every total, without any customer-level view (CLV, cohorts...) holding them.
DETACHED_CUSTOMER_ID = None

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class GovernanceError(RuntimeError):
    """A governance command cannot proceed; the message says why and what to do."""


@dataclass(frozen=True)
class Role:
    kind: str  # loader / transformer / bi_reader
    name: str
    password: str | None

    @property
    def can_login(self) -> bool:
        return bool(self.password)


ROLE_ENV = {
    # kind: (name variable, default name, password variable)
    "loader": ("LOADER_ROLE", "loader", "LOADER_PASSWORD"),
    "transformer": ("TRANSFORMER_ROLE", "transformer", "TRANSFORMER_PASSWORD"),
    "bi_reader": ("BI_READER_ROLE", "bi_reader", "BI_READER_PASSWORD"),
}


def role(kind: str, env: dict[str, str] | None = None) -> Role:
    """The role of one kind, its name and password from the environment."""
    env = os.environ if env is None else env
    name_var, default, password_var = ROLE_ENV[kind]
    name = env.get(name_var) or default
    if not _ROLE_NAME.match(name):
        raise GovernanceError(
            f"{name_var}={name!r} is not a valid role name: use lower-case letters, digits and"
            " underscores (dbt's grants config does not quote role names)"
        )
    return Role(kind=kind, name=name, password=env.get(password_var) or None)


def roles(env: dict[str, str] | None = None) -> dict[str, Role]:
    found = {kind: role(kind, env) for kind in ROLE_ENV}
    names = [r.name for r in found.values()]
    if len(set(names)) != len(names):
        raise GovernanceError(f"the three roles need distinct names, got {', '.join(names)}")
    return found
