{#
    Which source rows an incremental fact re-reads. A row is re-read when
      * its newest `_loaded_at` (ingestion time) is at or after the newest one already in the
        fact: everything ingestion wrote since the last build, plus the last load again
        (idempotent, delete+insert replaces it); this catches late-arriving rows whatever
        their source timestamps, provided ingestion and dbt run one after the other; or
      * its newest source `updated_at` falls within var('incremental_lookback_days') days
        before the newest one already in the fact: late data in source time.
    delete+insert on the unique key replaces re-read rows, so an incremental run converges
    to what --full-refresh builds.
    Only call inside `{% if is_incremental() %}`.
#}
{% macro incremental_lookback_cutoff(column, lookback_days=none, relation=none) -%}
    {%- set target_relation = relation if relation is not none else this -%}
    {%- set days = (lookback_days if lookback_days is not none
                    else var('incremental_lookback_days', 3)) | int -%}
    {%- set newest -%}
        coalesce(
            (select max({{ column }}) from {{ target_relation }}),
            cast('1900-01-01 00:00:00+00' as {{ type_timestamp_tz() }})
        )
    {%- endset -%}
    {%- if days == 0 -%}
        {{ newest }}
    {%- else -%}
        {{ dbt.dateadd('day', -1 * days, newest) }}
    {%- endif -%}
{%- endmacro %}

{#- The newest value of `column` already in the incremental model being built (default: the
    load time its rows carry), as a timestamp literal (1900 when the table is empty): the rows
    loaded at or after it are the delta (docs/incremental.md). A literal, read before the model
    runs, rather than a subquery, so the engines prune the raw tables' storage blocks by it.
    Only call inside `{% if is_incremental() %}`. -#}
{% macro incremental_watermark(column='last_loaded_at') -%}
    {%- set newest = none -%}
    {%- if execute -%}
        {%- set found = run_query(
            'select cast(max(' ~ column ~ ') as ' ~ dbt.type_string() ~ ') from ' ~ this) -%}
        {%- set newest = found.columns[0].values()[0] -%}
    {%- endif -%}
    cast('{{ newest if newest is not none else "1900-01-01 00:00:00+00" }}' as {{ type_timestamp_tz() }})
{%- endmacro %}
