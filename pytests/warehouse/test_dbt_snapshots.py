"""SCD2 history in the dimensions against the simulator's version history: at every instant
the warehouse was built, the dimension version valid then has the attributes of the source's
version current then; versions captured after the first build start at the source's
updated_at; current rows are the truth's current versions; hard deletes close records."""

from __future__ import annotations

import itertools
import json

from simulator import truth

from .conftest import cycle_boundaries, keyed_email_hash, table_rows


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


# --- macros/snapshot_delta.sql: each run reads the rows loaded since, deletions are data ------

SNAPSHOTS = {"snap_customers": "stg_shop__customers", "snap_products": "stg_shop__products"}
FULL_INPUT = ("--vars", "{snapshot_delta: false}")  # the snapshots read every staging row


def _sql(wh, *statements: str, params: tuple = ()) -> list[tuple]:
    """Run statements on the DuckDB file (read-write, closed again before dbt runs); the rows
    of the last one."""
    import duckdb

    with duckdb.connect(wh.connection_env["DUCKDB_PATH"]) as con:
        for statement in statements:
            con.execute(statement, list(params) if "?" in statement else [])
        return con.fetchall() if con.description else []


def _swap(wh) -> None:
    """Exchange the snapshots with their `ref_` twins (fed every staging row)."""
    statements = []
    for snap in SNAPSHOTS:
        statements += [
            f"alter table snapshots.{snap} rename to tmp_{snap}",
            f"alter table snapshots.ref_{snap} rename to {snap}",
            f"alter table snapshots.tmp_{snap} rename to ref_{snap}",
        ]
    _sql(wh, *statements)


def _snapshot_both_ways(wh) -> None:
    """`dbt snapshot` (fed the delta), then on the ref_ twins fed every staging row, on the
    same staging rows."""
    wh.dbt("snapshot")
    _swap(wh)
    wh.dbt("snapshot", *FULL_INPUT)
    _swap(wh)


def _rows_read(wh) -> dict[str, int]:
    """Rows each snapshot's select returns now (what dbt's snapshot would compare)."""
    wh.dbt("compile", "-s", *SNAPSHOTS)
    nodes = json.loads((wh.target_path / "manifest.json").read_text())["nodes"]
    return {
        snap: wh.scalar(
            "select count(*) from ("  # noqa: S608
            + nodes[f"snapshot.ecommerce_warehouse.{snap}"]["compiled_code"]
            + ") as delta"
        )
        for snap in SNAPSHOTS
    }


def _current(wh, snap: str, key: str, value: int) -> tuple:
    """(version_at, is_hard_deleted, city or sku) of the current version of one key."""
    column = "city" if key == "customer_id" else "sku"
    (row,) = wh.query(
        f"select version_at, is_hard_deleted, {column} from snapshots.{snap}"  # noqa: S608
        f" where {key} = ? and dbt_valid_to is null",
        (value,),
    )
    return row


def test_snapshots_read_only_new_loads_and_equal_a_full_input_run(duckdb_clone) -> None:
    wh = duckdb_clone
    _sql(
        wh,
        *(f"create table snapshots.ref_{s} as from snapshots.{s}" for s in SNAPSHOTS),
    )
    deletions = "select count(*) from snapshots.snap_products where is_hard_deleted"
    deletions_before = wh.scalar(deletions)
    new_versions = {s: 0 for s in SNAPSHOTS}
    for _ in range(2):
        wh.advance(1)
        wh.ingest("--source", "shop")
        wh.dbt("run", "-s", *(f"+{m}" for m in SNAPSHOTS.values()))
        read = _rows_read(wh)
        for snap, model in SNAPSHOTS.items():
            # the snapshot's select returns only the rows loaded since its newest load
            total, recent = _sql(
                wh,
                f"select count(*), count(*) filter (where _loaded_at >="  # noqa: S608
                f" (select max(_loaded_at) from snapshots.{snap}))"
                f" from staging.{model}",
            )[0]
            assert read[snap] == recent, snap
            assert 0 < recent < total / 5, (snap, recent, total)
        before = {s: wh.scalar(f"select count(*) from snapshots.{s}") for s in SNAPSHOTS}  # noqa: S608
        _snapshot_both_ways(wh)
        for snap in SNAPSHOTS:
            new_versions[snap] += wh.scalar(f"select count(*) from snapshots.{snap}") - before[snap]  # noqa: S608
            # the same history, deletion times included (they are data, not the run's clock)
            assert table_rows(wh, f"snapshots.{snap}") == table_rows(wh, f"snapshots.ref_{snap}")
    assert all(new_versions.values()), new_versions
    assert wh.scalar(deletions) > deletions_before, "the compared runs should include hard deletes"

    # Only rows with a new _loaded_at are read: an update written without one is not seen (a
    # full-input run sees it), and a key that vanishes from staging without the loader's
    # `_hard_deleted_at` is no deletion (deletions are data, not a key comparison).
    loaded_before = "_loaded_at < (select max(_loaded_at) from snapshots.snap_customers)"
    updated, removed = (
        r[0]
        for r in _sql(
            wh,
            f"select customer_id from staging.stg_shop__customers where {loaded_before}"  # noqa: S608
            " and not is_deleted order by customer_id limit 2",
        )
    )
    _sql(
        wh,
        "update staging.stg_shop__customers set updated_at = updated_at + interval 1 minute,"
        " city = 'Nowhere' where customer_id = ?",
        params=(updated,),
    )
    _sql(wh, "delete from staging.stg_shop__customers where customer_id = ?", params=(removed,))
    # A hard-deleted product back in the source: ingestion unmarks its raw row (new
    # _loaded_at, its old updated_at); it gets a new current version from when it was seen back.
    deleted_product = wh.scalar(
        "select min(product_id) from snapshots.snap_products"
        " where is_hard_deleted and dbt_valid_to is null"
    )
    back_at = wh.scalar("select max(_loaded_at) + interval 1 hour from raw_shop.products")
    _sql(
        wh,
        "update raw_shop.products set _hard_deleted_at = null, _loaded_at = ? where product_id = ?",
        params=(back_at, deleted_product),
    )
    _snapshot_both_ways(wh)
    assert _current(wh, "snap_customers", "customer_id", updated)[2] != "Nowhere"
    assert _current(wh, "ref_snap_customers", "customer_id", updated)[2] == "Nowhere"
    for snap in ("snap_customers", "ref_snap_customers"):
        assert _current(wh, snap, "customer_id", removed)[1] is False, snap
    for snap in ("snap_products", "ref_snap_products"):
        version_at, is_hard_deleted, _ = _current(wh, snap, "product_id", deleted_product)
        assert (version_at, is_hard_deleted) == (back_at, False), snap
        closed = wh.query(
            f"select dbt_valid_to from snapshots.{snap} where product_id = ?"  # noqa: S608
            " and is_hard_deleted",
            (deleted_product,),
        )
        assert closed == [(back_at,)], snap
