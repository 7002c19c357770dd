{#
    The select of a snapshot fed with a delta (snapshots/snap_*.sql). dbt's own snapshot
    (timestamp strategy on `version_at`, hard_deletes: ignore) then compares only these rows with
    the snapshot's current versions.

    * The delta: the staging rows whose `_loaded_at` is at or after the newest `_loaded_at`
      already in the snapshot (every row while the snapshot does not exist yet). A row can only
      change by being written again by ingestion, which sets a new `_loaded_at` (dlt merge on the
      primary key; marking and unmarking hard deletes): exact while `_loaded_at` never goes
      backwards (one load time per ingestion run, runs do not overlap) and no load commits during
      the snapshot. The newest load is read again on purpose (`>=`): a load resumed after a crash
      keeps its load time. Re-read unchanged rows are no change for the timestamp strategy.
    * Deletions are data: ingestion keeps a hard-deleted row in raw with `_hard_deleted_at` (and
      `_loaded_at`) set, staging keeps it with `is_hard_deleted`, and its `version_at` is
      `_hard_deleted_at`: a new version (the row's last attributes, `is_hard_deleted = true`)
      that closes the previous one at the time the loader noticed the deletion. No key
      comparison with the whole source.
    * Otherwise `version_at` is the source's `updated_at`, except for a key back in the source
      after a hard delete (ingestion unmarks it) whose `updated_at` is not after the deletion
      version: then `_loaded_at`, when the loader saw it back, so the timestamp strategy sees a
      change.

    `--vars '{snapshot_delta: false}'` reads every staging row (same history, see
    pytests/warehouse/test_dbt_snapshots.py; a catch-up run if rows were ever written without a
    new `_loaded_at`).
#}
{% macro snapshot_delta(staging_relation, unique_key) -%}
    {%- set snapshot = load_relation(this) if execute else none -%}
    with

    staging as (

        select * from {{ staging_relation }}
        {%- if snapshot is not none and var('snapshot_delta', true) %}
        where _loaded_at >= (select max(_loaded_at) from {{ this }})
        {%- endif %}

    ),

    {%- if snapshot is not none %}

    current_deletions as (

        select
            {{ unique_key }},
            dbt_valid_from
        from {{ this }}
        where dbt_valid_to is null and is_hard_deleted

    ),
    {%- endif %}

    final as (

        select
            staging.*,
            case
                when staging.is_hard_deleted then staging._hard_deleted_at
                {%- if snapshot is not none %}
                when current_deletions.dbt_valid_from >= staging.updated_at
                    then staging._loaded_at
                {%- endif %}
                else staging.updated_at
            end as version_at
        from staging
        {%- if snapshot is not none %}
        left join current_deletions
            on staging.{{ unique_key }} = current_deletions.{{ unique_key }}
        {%- endif %}

    )

    select * from final
{%- endmacro %}
