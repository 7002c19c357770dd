{#
    Lower bound of the rows an incremental model re-reads: the newest value of `column`
    already in the target, minus var('incremental_lookback_days') days. Re-reading a few days
    picks up late-arriving and restated rows (delete+insert on the unique key replaces them),
    so an incremental run converges to what --full-refresh builds.
    Only call inside `{% if is_incremental() %}`.
#}
{% macro incremental_lookback_cutoff(column, relation=none) -%}
    {%- set target_relation = relation if relation is not none else this -%}
    {%- set lookback_days = var('incremental_lookback_days', 3) | int -%}
    {{ dbt.dateadd(
        'day',
        -1 * lookback_days,
        "coalesce((select max(" ~ column ~ ") from " ~ target_relation ~ "), "
        ~ "cast('1900-01-01 00:00:00+00' as " ~ type_timestamp_tz() ~ "))"
    ) }}
{%- endmacro %}
