{#
    Snapshots that only compare the rows loaded since their last run (issue 9).

    dbt's snapshot_staging_table compares the WHOLE source with the snapshot's current rows on
    every run (scd id and join for every source row), so a run after ~1 % of the rows changed
    costs as much as the first one. A snapshot opts in with

        config: {meta: {changed_rows_column: _loaded_at}}

    naming a source column that holds when the row was (re)written by ingestion. New and
    changed versions are then looked for only among the source rows whose column is at or after
    the newest value already in the snapshot (`select max(...) from <snapshot>`); vanished keys
    (hard_deletes) are still found by comparing the current snapshot keys with the keys of ALL
    source rows, key column only. Everything else is dbt's macro, unchanged.

    Exact for the timestamp strategy because a source row whose column is older than the
    snapshot's newest value was already in the source when the snapshot last ran, and so was
    compared then: a row can only change (new updated_at, a key coming back after a hard
    delete) by being written again, which sets a new value. That holds when every write of a
    row sets the column (ingestion: dlt merge on the primary key, hard-delete marking and
    unmarking set `_loaded_at`), its values never go backwards (one load time per ingestion
    run, runs do not overlap) and the snapshot does not run while a load of its source is being
    committed (the pipeline ingests, then builds). Not for the check strategy, nor for a
    source whose rows change without a new `_loaded_at` (e.g. a staging model computing the
    snapshot's columns from another table).

    `--vars '{snapshot_changed_rows: false}'` turns the opt-in off for a run (dbt's macro for
    every snapshot): the tests build the same history both ways and compare.

    snapshot_staging_table_changed_rows is a copy of dbt-core 1.11's
    default__snapshot_staging_table (include/global_project/macros/materializations/snapshots/
    helpers.sql) with 5 changes marked CHANGED; dbt-duckdb and dbt-postgres 1.11 do not
    override it. RE-CHECK ON EVERY dbt-core UPGRADE: diff the new default against this copy and
    carry its changes over (pytests/warehouse/test_dbt_snapshots.py compares both).
    Root-project macros take precedence in dbt's dispatch.
#}
{% macro duckdb__snapshot_staging_table(strategy, source_sql, target_relation) -%}
    {{ snapshot_staging_table_opt_in(strategy, source_sql, target_relation) }}
{%- endmacro %}

{% macro postgres__snapshot_staging_table(strategy, source_sql, target_relation) -%}
    {{ snapshot_staging_table_opt_in(strategy, source_sql, target_relation) }}
{%- endmacro %}

{% macro snapshot_staging_table_opt_in(strategy, source_sql, target_relation) -%}
    {%- set changed_rows_column = (config.get('meta') or {}).get('changed_rows_column') -%}
    {%- if changed_rows_column and var('snapshot_changed_rows', true) -%}
        {{ snapshot_staging_table_changed_rows(
            strategy, source_sql, target_relation, changed_rows_column
        ) }}
    {%- else -%}
        {{ dbt.default__snapshot_staging_table(strategy, source_sql, target_relation) }}
    {%- endif -%}
{%- endmacro %}

{% macro snapshot_staging_table_changed_rows(strategy, source_sql, target_relation, changed_rows_column) -%}
    {% set columns = config.get('snapshot_table_column_names') or get_snapshot_table_column_names() %}
    {% if strategy.hard_deletes == 'new_record' %}
        {% set new_scd_id = snapshot_hash_arguments([columns.dbt_scd_id, snapshot_get_time()]) %}
    {% endif %}
    with snapshot_query as (

        {{ source_sql }}

    ),

    {#- CHANGED (1/5): the source rows that can be new or changed versions: loaded by the
        newest load already in the snapshot or later (all of them while it has none). The
        newest load is read again on purpose: if a load crashed after some tables committed and
        a snapshot ran before the resumed load finished, the resumed rows share its load time.
        Re-reading unchanged rows is harmless (the timestamp strategy finds no change). #}
    changed_rows_source_data as (

        select * from snapshot_query
        where coalesce(
            {{ changed_rows_column }} >= (
                select max({{ changed_rows_column }}) from {{ target_relation }}
            ),
            true
        )

    ),

    snapshotted_data as (

        select *, {{ unique_key_fields(strategy.unique_key) }}
        from {{ target_relation }}
        where
            {% if config.get('dbt_valid_to_current') %}
		{% set source_unique_key = columns.dbt_valid_to | trim %}
		{% set target_unique_key = config.get('dbt_valid_to_current') | trim %}

		{# The exact equals semantics between NULL values depends on the current behavior flag set. Also, update records if the source field is null #}
                ( {{ equals(source_unique_key, target_unique_key) }} or {{ source_unique_key }} is null )
            {% else %}
                {{ columns.dbt_valid_to }} is null
            {% endif %}

    ),

    insertions_source_data as (

        select *, {{ unique_key_fields(strategy.unique_key) }},
            {{ strategy.updated_at }} as {{ columns.dbt_updated_at }},
            {{ strategy.updated_at }} as {{ columns.dbt_valid_from }},
            {{ get_dbt_valid_to_current(strategy, columns) }},
            {{ strategy.scd_id }} as {{ columns.dbt_scd_id }}

        {#- CHANGED (2/5): was `from snapshot_query` #}
        from changed_rows_source_data
    ),

    updates_source_data as (

        select *, {{ unique_key_fields(strategy.unique_key) }},
            {{ strategy.updated_at }} as {{ columns.dbt_updated_at }},
            {{ strategy.updated_at }} as {{ columns.dbt_valid_from }},
            {{ strategy.updated_at }} as {{ columns.dbt_valid_to }}

        {#- CHANGED (3/5): was `from snapshot_query` #}
        from changed_rows_source_data
    ),

    {%- if strategy.hard_deletes == 'invalidate' or strategy.hard_deletes == 'new_record' %}

    {#- CHANGED (4/5): deletes_source_data is the key of EVERY source row (a vanished key is
        one absent from the whole source), and only the key, so the source's other columns are
        not computed for it. deletes_source_columns has no rows: it only gives `source_data.*`
        in deletes / deletion_records the source's columns and types, which dbt's anti-join
        leaves null anyway (a deleted key has no source row). #}
    deletes_source_data as (

        select {{ unique_key_fields(strategy.unique_key) }}
        from snapshot_query
    ),

    deletes_source_columns as (

        select *, {{ unique_key_fields(strategy.unique_key) }}
        from snapshot_query
        where 1 = 0
    ),
    {% endif %}

    insertions as (

        select
            'insert' as dbt_change_type,
            source_data.*
          {%- if strategy.hard_deletes == 'new_record' -%}
            ,'False' as {{ columns.dbt_is_deleted }}
          {%- endif %}

        from insertions_source_data as source_data
        left outer join snapshotted_data
            on {{ unique_key_join_on(strategy.unique_key, "snapshotted_data", "source_data") }}
            where {{ unique_key_is_null(strategy.unique_key, "snapshotted_data") }}
            or ({{ unique_key_is_not_null(strategy.unique_key, "snapshotted_data") }} and (
               {{ strategy.row_changed }} {%- if strategy.hard_deletes == 'new_record' -%} or snapshotted_data.{{ columns.dbt_is_deleted }} = 'True' {% endif %}
            )

        )

    ),

    updates as (

        select
            'update' as dbt_change_type,
            source_data.*,
            snapshotted_data.{{ columns.dbt_scd_id }}
          {%- if strategy.hard_deletes == 'new_record' -%}
            , snapshotted_data.{{ columns.dbt_is_deleted }}
          {%- endif %}

        from updates_source_data as source_data
        join snapshotted_data
            on {{ unique_key_join_on(strategy.unique_key, "snapshotted_data", "source_data") }}
        where (
            {{ strategy.row_changed }}  {%- if strategy.hard_deletes == 'new_record' -%} or snapshotted_data.{{ columns.dbt_is_deleted }} = 'True' {% endif %}
        )
    )

    {%- if strategy.hard_deletes == 'invalidate' or strategy.hard_deletes == 'new_record' %}
    ,
    deletes as (

        select
            'delete' as dbt_change_type,
            {#- CHANGED (5/5, also in deletion_records): source_columns was source_data #}
            source_columns.*,
            {{ snapshot_get_time() }} as {{ columns.dbt_valid_from }},
            {{ snapshot_get_time() }} as {{ columns.dbt_updated_at }},
            {{ snapshot_get_time() }} as {{ columns.dbt_valid_to }},
            snapshotted_data.{{ columns.dbt_scd_id }}
          {%- if strategy.hard_deletes == 'new_record' -%}
            , snapshotted_data.{{ columns.dbt_is_deleted }}
          {%- endif %}
        from snapshotted_data
        left join deletes_source_data as source_data
            on {{ unique_key_join_on(strategy.unique_key, "snapshotted_data", "source_data") }}
        left join deletes_source_columns as source_columns on 1 = 0
            where {{ unique_key_is_null(strategy.unique_key, "source_data") }}

            {%- if strategy.hard_deletes == 'new_record' %}
            and not (
                --avoid updating the record's valid_to if the latest entry is marked as deleted
                snapshotted_data.{{ columns.dbt_is_deleted }} = 'True'
                and
                {% if config.get('dbt_valid_to_current') -%}
                    snapshotted_data.{{ columns.dbt_valid_to }} = {{ config.get('dbt_valid_to_current') }}
                {%- else -%}
                    snapshotted_data.{{ columns.dbt_valid_to }} is null
                {%- endif %}
            )
            {%- endif %}
    )
    {%- endif %}

    {%- if strategy.hard_deletes == 'new_record' %}
        {% set snapshotted_cols = get_list_of_column_names(get_columns_in_relation(target_relation)) %}
        {% set source_col_names = get_columns_in_query(source_sql) %}
    ,
    deletion_records as (

        select
            'insert' as dbt_change_type,
            {%- for col_name in source_col_names -%}
            {%- if col_name in snapshotted_cols -%}
            snapshotted_data.{{ adapter.quote(col_name) }},
            {%- else -%}
            source_columns.{{ adapter.quote(col_name) }},
            {%- endif -%}
            {% endfor -%}
            {%- if strategy.unique_key | is_list -%}
                {%- for key in strategy.unique_key -%}
            snapshotted_data.{{ key }} as dbt_unique_key_{{ loop.index }},
                {% endfor -%}
            {%- else -%}
            snapshotted_data.dbt_unique_key as dbt_unique_key,
            {% endif -%}
            {{ snapshot_get_time() }} as {{ columns.dbt_valid_from }},
            {{ snapshot_get_time() }} as {{ columns.dbt_updated_at }},
            snapshotted_data.{{ columns.dbt_valid_to }} as {{ columns.dbt_valid_to }},
            {{ new_scd_id }} as {{ columns.dbt_scd_id }},
            'True' as {{ columns.dbt_is_deleted }}
        from snapshotted_data
        left join deletes_source_data as source_data
            on {{ unique_key_join_on(strategy.unique_key, "snapshotted_data", "source_data") }}
        left join deletes_source_columns as source_columns on 1 = 0
        where {{ unique_key_is_null(strategy.unique_key, "source_data") }}
        and not (
            --avoid inserting a new record if the latest one is marked as deleted
            snapshotted_data.{{ columns.dbt_is_deleted }} = 'True'
            and
            {% if config.get('dbt_valid_to_current') -%}
                snapshotted_data.{{ columns.dbt_valid_to }} = {{ config.get('dbt_valid_to_current') }}
            {%- else -%}
                snapshotted_data.{{ columns.dbt_valid_to }} is null
            {%- endif %}
            )

    )
    {%- endif %}

    select * from insertions
    union all
    select * from updates
    {%- if strategy.hard_deletes == 'invalidate' or strategy.hard_deletes == 'new_record' %}
    union all
    select * from deletes
    {%- endif %}
    {%- if strategy.hard_deletes == 'new_record' %}
    union all
    select * from deletion_records
    {%- endif %}


{%- endmacro %}
