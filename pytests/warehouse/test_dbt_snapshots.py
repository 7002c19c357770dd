"""SCD2 history in the dimensions against the simulator's version history: at every instant
the warehouse was built, the dimension version valid then has the attributes of the source's
version current then; versions captured after the first build start at the source's
updated_at; current rows are the truth's current versions; hard deletes close records."""

from __future__ import annotations

import itertools

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


# --- macros/snapshot_changed_rows.sql: delta runs compare only the rows loaded since -------

SNAPSHOTS = {"snap_customers": "stg_shop__customers", "snap_products": "stg_shop__products"}
DBT_MACRO = ("--vars", "{snapshot_changed_rows: false}")  # dbt's own snapshot_staging_table


def _sql(wh, *statements: str, params: tuple = ()) -> list[tuple]:
    """Run statements on the DuckDB file (read-write, closed again before dbt runs); the rows
    of the last one."""
    import duckdb

    with duckdb.connect(wh.connection_env["DUCKDB_PATH"]) as con:
        for statement in statements:
            con.execute(statement, list(params) if "?" in statement else [])
        return con.fetchall() if con.description else []


def _swap(wh) -> None:
    """Exchange the snapshots with their `ref_` twins (built by dbt's macro)."""
    statements = []
    for snap in SNAPSHOTS:
        statements += [
            f"alter table snapshots.{snap} rename to tmp_{snap}",
            f"alter table snapshots.ref_{snap} rename to {snap}",
            f"alter table snapshots.tmp_{snap} rename to ref_{snap}",
        ]
    _sql(wh, *statements)


def _snapshot_both_ways(wh) -> None:
    """`dbt snapshot` with the opt-in macro, then on the ref_ twins with dbt's macro, on the
    same staging rows."""
    wh.dbt("snapshot")
    _swap(wh)
    wh.dbt("snapshot", *DBT_MACRO)
    _swap(wh)


def _history(wh, table: str) -> list[tuple]:
    """All rows, sorted, with the wall-clock instant of each snapshot run (the time of the
    deletion records it inserted, which also closes the deleted version) replaced by its rank
    among the runs, and the scd id of deletion records (a hash of that instant) dropped."""
    columns, rows = table_rows(wh, table)
    deleted = columns.index("dbt_is_deleted")
    scd_id = columns.index("dbt_scd_id")
    times = [columns.index(c) for c in ("dbt_valid_from", "dbt_valid_to", "dbt_updated_at")]
    run_times = sorted({r[columns.index("dbt_valid_from")] for r in rows if r[deleted] == "True"})
    rank = {t: f"run {i}" for i, t in enumerate(run_times)}
    out = []
    for row in rows:
        row = list(row)
        for i in times:
            row[i] = rank.get(row[i], row[i])
        if row[deleted] == "True":
            row[scd_id] = None
        out.append(tuple(row))
    return sorted(out, key=repr)


def test_changed_rows_snapshots_equal_dbts_macro_and_read_only_new_loads(duckdb_clone) -> None:
    wh = duckdb_clone
    _sql(
        wh,
        *(f"create table snapshots.ref_{s} as from snapshots.{s}" for s in SNAPSHOTS),
    )
    changed = {s: 0 for s in SNAPSHOTS}
    for _ in range(2):
        wh.advance(1)
        wh.ingest("--source", "shop")
        wh.dbt("run", "-s", *(f"+{m}" for m in SNAPSHOTS.values()))
        for snap, model in SNAPSHOTS.items():
            # rows the delta run looks at for new or changed versions: loaded since its last run
            total, recent = _sql(
                wh,
                f"select count(*), count(*) filter (where _loaded_at >"  # noqa: S608
                f" (select max(_loaded_at) from snapshots.{snap}))"
                f" from staging.{model}",
            )[0]
            assert 0 < recent < total / 5, (snap, recent, total)
        before = {s: wh.scalar(f"select count(*) from snapshots.{s}") for s in SNAPSHOTS}  # noqa: S608
        _snapshot_both_ways(wh)
        for snap in SNAPSHOTS:
            changed[snap] += wh.scalar(f"select count(*) from snapshots.{snap}") - before[snap]  # noqa: S608
            assert _history(wh, f"snapshots.{snap}") == _history(wh, f"snapshots.ref_{snap}")
    assert all(changed.values()), changed
    deletions = wh.scalar(
        "select count(*) from snapshots.snap_products where dbt_is_deleted = 'True'"
        " and dbt_valid_from > (select min(dbt_valid_from) from snapshots.snap_products"
        " where dbt_is_deleted = 'True')"
    )
    assert deletions, "the compared runs should include hard deletes"

    # Only rows with a new _loaded_at are compared, deletions against every key: an update
    # written without a new _loaded_at is not seen (dbt's macro sees it); a key removed
    # without one still gets its deletion record.
    updated, removed = (
        r[0]
        for r in _sql(
            wh,
            "select customer_id from staging.stg_shop__customers where not is_deleted"
            " order by _loaded_at, customer_id limit 2",
        )
    )
    _sql(
        wh,
        "update staging.stg_shop__customers set updated_at = updated_at + interval 1 minute,"
        " city = 'Nowhere' where customer_id = ?",
        params=(updated,),
    )
    _sql(wh, "delete from staging.stg_shop__customers where customer_id = ?", params=(removed,))
    _snapshot_both_ways(wh)
    current = (
        "select city, dbt_is_deleted from snapshots.{} where customer_id = ?"
        " and dbt_valid_to is null"
    )
    assert wh.query(current.format("snap_customers"), (updated,))[0][0] != "Nowhere"
    assert wh.query(current.format("ref_snap_customers"), (updated,)) == [("Nowhere", "False")]
    for snap in ("snap_customers", "ref_snap_customers"):
        assert wh.query(current.format(snap), (removed,))[0][1] == "True", snap
