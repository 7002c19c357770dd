"""SCD2 history in the dimensions against the simulator's version history: at every instant
the warehouse was built, the dimension version valid then has the attributes of the source's
version current then; versions captured after the first build start at the source's
updated_at; current rows are the truth's current versions; hard deletes close records."""

from __future__ import annotations

import itertools

from simulator import truth

from .conftest import cycle_boundaries, keyed_email_hash


def _current_at(history_rows: list[dict], key: str, at) -> dict[int, dict]:
    """The truth version of each entity that was current at `at`."""
    return {
        r[key]: r
        for r in history_rows
        if r["valid_from"] < at and (r["valid_to"] is None or r["valid_to"] >= at)
    }


def _valid_at(versions: list[tuple], at) -> tuple | None:
    """The dimension version (natural key, valid_from, valid_to, ...) valid at `at`."""
    for v in versions:
        if v[1] <= at and (v[2] is None or at < v[2]):
            return v
    return None


def _by_key(rows: list[tuple]) -> dict[int, list[tuple]]:
    out: dict[int, list[tuple]] = {}
    for r in sorted(rows, key=lambda r: (r[0], r[1])):
        out.setdefault(r[0], []).append(r)
    return out


def test_customer_versions_match_the_simulator_history(history) -> None:
    rows = truth.customer_history(history.sim_dir)
    dim = _by_key(
        history.query(
            "select customer_id, valid_from, valid_to, is_current, email_hash, city,"
            " country_code, is_marketing_opt_in, is_deleted from marts.dim_customers"
            " where customer_id <> -1"
        )
    )
    for at in cycle_boundaries(history):
        for customer_id, version in _current_at(rows, "customer_id", at).items():
            found = _valid_at(dim.get(customer_id, []), at)
            assert found is not None, (customer_id, at, version)
            if found is not dim[customer_id][0]:
                assert found[1] == version["valid_from"], (customer_id, at)
            assert found[4] == keyed_email_hash(version["email"])
            assert found[5:9] == (
                version["city"],
                version["country"].upper(),
                version["marketing_opt_in"],
                version["deleted_at"] is not None,
            ), (customer_id, at)

    current = {k: v[-1] for k, v in dim.items()}
    latest = {r["customer_id"]: r for r in rows if r["valid_to"] is None}
    assert set(current) == set(latest)
    assert all(v[3] and v[2] is None for v in current.values())


def test_product_versions_and_hard_deletes_match_the_simulator_history(history) -> None:
    rows = truth.product_history(history.sim_dir)
    dim = _by_key(
        history.query(
            "select product_id, valid_from, valid_to, is_current, list_price, category_id,"
            " is_active, is_deleted from marts.dim_products where product_id <> -1"
        )
    )
    for at in cycle_boundaries(history):
        for product_id, version in _current_at(rows, "product_id", at).items():
            if version["deleted"]:
                continue  # checked below: deletion time is when the warehouse noticed it
            found = _valid_at(dim.get(product_id, []), at)
            assert found is not None, (product_id, at, version)
            if found is not dim[product_id][0]:
                assert found[1] == version["valid_from"], (product_id, at)
            assert found[4:7] == (
                version["list_price"],
                version["category_id"],
                version["is_active"],
            ), (product_id, at)

    latest = {r["product_id"]: r for r in rows if r["valid_to"] is None}
    assert set(dim) == set(latest)
    for product_id, version in latest.items():
        current = dim[product_id][-1]
        assert current[3] and current[2] is None
        assert current[7] == version["deleted"], product_id
        if version["deleted"]:
            # the deletion record closes the product's last real version
            assert len(dim[product_id]) >= 2 and dim[product_id][-2][2] == current[1]
    assert any(v["deleted"] for v in latest.values()), "the world should hard-delete products"


def test_one_current_version_per_natural_key_and_no_overlaps(history) -> None:
    for dim, key in (("dim_customers", "customer_id"), ("dim_products", "product_id")):
        versions = _by_key(
            history.query(
                f"select {key}, valid_from, valid_to, is_current from marts.{dim}"  # noqa: S608
            )
        )
        for natural_key, rows in versions.items():
            assert sum(1 for r in rows if r[3]) == 1, (dim, natural_key)
            for earlier, later in itertools.pairwise(rows):
                assert earlier[2] is not None and earlier[2] <= later[1], (dim, natural_key)


def test_postgres_snapshots_are_indexed_and_analyzed(postgres_history) -> None:
    """Postgres performance settings (dbt_project.yml, macros/postgres_performance.sql): the
    snapshot tables carry indexes on their natural key and dbt_scd_id, and every table dbt
    wrote, and every source table it read, has planner statistics; intermediate models are
    tables there (views on DuckDB)."""
    indexes = {
        (table, column)
        for table, column in postgres_history.query(
            "select t.relname, a.attname from pg_index i"
            " join pg_class t on t.oid = i.indrelid"
            " join pg_namespace n on n.oid = t.relnamespace"
            " join pg_attribute a on a.attrelid = t.oid and a.attnum = any(i.indkey)"
            " where n.nspname = 'snapshots'"
        )
    }
    for table, key in (("snap_customers", "customer_id"), ("snap_products", "product_id")):
        assert {(table, key), (table, "dbt_scd_id")} <= indexes, table
    unanalyzed = postgres_history.query(
        "select c.relnamespace::regnamespace::text, c.relname from pg_class c"
        # reltuples: -1 never analysed, 0 analysed and empty (no statistics to keep)
        " where c.relkind = 'r' and c.reltuples <> 0"
        " and c.relnamespace::regnamespace::text in"
        " ('raw_shop', 'raw_web', 'raw_marketing', 'staging', 'intermediate', 'snapshots',"
        " 'marts')"
        " and c.relname not like '\\_%'"
        " and not exists (select 1 from pg_statistic s where s.starelid = c.oid)"
    )
    assert unanalyzed == []
    kinds = dict(
        postgres_history.query(
            "select table_name, table_type from information_schema.tables"
            " where table_schema = 'intermediate'"
        )
    )
    assert kinds and set(kinds.values()) == {"BASE TABLE"}, kinds
