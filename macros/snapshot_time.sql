{#
    Snapshot "now" as a timestamptz instant. dbt-duckdb and dbt-postgres return
    `now()::timestamp` (naive, in the session time zone), which differs in type from our
    timestamptz `updated_at` (dbt warns on every snapshot run) and is only right while the
    session time zone stays the same between runs. Our `updated_at` are UTC instants, so the
    snapshot time (valid_to of versions closed by a hard delete, valid_from of the deletion
    record) is one too. Root-project macros take precedence in dbt's dispatch.
#}
{% macro duckdb__snapshot_get_time() -%}
    cast(now() as {{ type_timestamp_tz() }})
{%- endmacro %}

{% macro postgres__snapshot_get_time() -%}
    cast(now() as {{ type_timestamp_tz() }})
{%- endmacro %}
