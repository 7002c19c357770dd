"""PII policy, on both engines: no personal data past staging, keyed e-mail hashes.

The scans read the shared warehouses built by the session fixtures (`duckdb_history`,
`postgres_history`: simulate, ingest with dlt, `dbt build`, a few days advanced), and compare
every value of every model (marts, intermediate, snapshots, staging) with every e-mail, phone
number, street address and name the simulated shop ever held (its ground truth, all versions).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from governance import pii
from pytests.support.privacy import (
    customer_versions,
    dump,
    find_email_shaped,
    find_pii,
    pii_of,
)
from pytests.support.warehouse import DBT, REPO_ROOT, Warehouse

DBT_SCHEMAS = ("staging", "intermediate", "snapshots", "marts")
ENGINES = ("duckdb", pytest.param("postgres", marks=pytest.mark.postgres))


@pytest.fixture(params=ENGINES)
def history(request: pytest.FixtureRequest) -> Warehouse:
    return request.getfixturevalue(f"{request.param}_history")


def test_no_pii_in_any_model_column(history: Warehouse) -> None:
    relations = dump(history, (*DBT_SCHEMAS, "raw_shop"))
    models = [r for r in relations.values() if r.schema in DBT_SCHEMAS]
    marts = {r.name for r in models if r.schema == "marts"}
    assert {"dim_customers", "fct_orders", "fct_order_items"} <= marts
    known_pii = pii_of(customer_versions(history))
    assert len(known_pii.contained) > 100

    # the scan finds PII where it is (raw), so finding none in the models means something
    assert find_pii([relations["raw_shop.customers"]], known_pii)
    assert find_pii(models, known_pii) == []
    assert find_email_shaped(models) == []


def test_email_hash_is_the_keyed_hash_of_the_email(history: Warehouse) -> None:
    """dim_customers.email_hash = hash_pii(lower(trim(email))) with the PII_HASH_KEY of the build
    (the development key here): the same on both engines, and not a plain hash of the e-mail."""
    rows = history.query(
        """
        select raw.customer_id, raw.email, dim.email_hash
        from raw_shop.customers as raw
        inner join marts.dim_customers as dim
            on raw.customer_id = dim.customer_id and dim.is_current
        """
    )
    assert len(rows) > 50
    for customer_id, email, email_hash in rows:
        assert email_hash == pii.pii_hash(email.strip().lower()), customer_id
    email = rows[0][1].strip().lower().encode()
    unkeyed = {hashlib.sha256(email).hexdigest(), hashlib.md5(email).hexdigest()}
    assert rows[0][2] not in unkeyed


def _dbt_hash(tmp_path: Path, value: str, key: str | None) -> str:
    """hash_pii(value) as dbt computes it, with PII_HASH_KEY=key (unset when None)."""
    env = {k: v for k, v in os.environ.items() if k != pii.KEY_ENV}
    env.update(
        DBT_PROFILES_DIR=str(REPO_ROOT),
        DBT_TARGET_PATH=str(tmp_path / "target"),
        DBT_LOG_PATH=str(tmp_path / "logs"),
        DUCKDB_PATH=str(tmp_path / "scratch.duckdb"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    if key is not None:
        env[pii.KEY_ENV] = key
    inline = f"select {{{{ hash_pii(\"'{value}'\") }}}} as h"
    args = [DBT, "show", "--inline", inline, "--output", "json", "--log-format", "json"]
    result = subprocess.run(
        [*args, "--target", "duckdb"], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    for line in result.stdout.splitlines():
        event = json.loads(line)
        if event["info"]["name"] == "ShowNode":
            return json.loads(event["data"]["preview"])[0]["h"]
    raise AssertionError(f"no dbt show output:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")


def test_the_hash_key_comes_from_the_environment(tmp_path: Path) -> None:
    value = "someone@example.test"
    first = _dbt_hash(tmp_path, value, "first-test-key")
    second = _dbt_hash(tmp_path, value, "second-test-key")
    assert first != second
    assert first == pii.pii_hash(value, "first-test-key")
    assert second == pii.pii_hash(value, "second-test-key")
    # the Python mirror used by erasure and ingestion falls back to the macro's default key
    assert _dbt_hash(tmp_path, value, None) == pii.pii_hash(value, pii.DEV_KEY)


def test_only_the_development_key_is_committed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The macro's fallback key is the documented development key, and the Python side knows it
    for what it is: used only while PII_HASH_KEY is unset (erasure then warns), never once a key
    is set (test_gov_secrets.py also flags PII_HASH_KEY assignments)."""
    macro = (REPO_ROOT / "macros" / "hash_pii.sql").read_text()
    defaults = re.findall(r"env_var\('PII_HASH_KEY',\s*'([^']*)'\)", macro)
    assert defaults == [pii.DEV_KEY]
    value = "someone@example.test"
    monkeypatch.delenv(pii.KEY_ENV, raising=False)
    assert pii.hash_key() == defaults[0] and pii.using_dev_key()
    assert pii.pii_hash(value) == pii.pii_hash(value, defaults[0])
    monkeypatch.setenv(pii.KEY_ENV, "a-production-test-key")
    assert not pii.using_dev_key()
    assert pii.pii_hash(value) == pii.pii_hash(value, "a-production-test-key")
    assert pii.pii_hash(value) != pii.pii_hash(value, defaults[0])
    assert pii.key_fingerprint() != pii.key_fingerprint(defaults[0])
