{#
    Postgres-only performance helpers, wired in dbt_project.yml. No-ops on DuckDB, which keeps
    exact statistics itself.

    Why: Postgres plans every join and GROUP BY on its column statistics. A table created by
    CREATE TABLE AS, or just bulk-loaded by ingestion, has none until autovacuum gets to it (a
    minute or more later, usually after the build), so the planner assumes 200 distinct values
    and 0.5 % selectivity, picks nested loops, and a demo-size join that should take
    milliseconds takes minutes (measured: one staging relationships test 0.3 s -> 55 s).
#}

{# on-run-start: ANALYZE the source tables that were never analysed or changed since. #}
{% macro analyze_stale_sources() %}
    {{- return(adapter.dispatch('analyze_stale_sources', 'ecommerce_warehouse')()) -}}
{% endmacro %}

{% macro default__analyze_stale_sources() %}
    {{- return('') -}}
{% endmacro %}

{% macro postgres__analyze_stale_sources() %}
    {%- if not execute -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set wanted = [] -%}
    {%- for node in graph.sources.values() -%}
        {%- do wanted.append("('" ~ node.schema ~ "', '" ~ node.identifier ~ "')") -%}
    {%- endfor -%}
    {%- if not wanted -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set stale = run_query(
        "select schemaname, relname from pg_stat_user_tables"
        ~ " where (schemaname, relname) in (" ~ (wanted | unique | join(', ')) ~ ")"
        ~ " and (coalesce(last_analyze, last_autoanalyze) is null or n_mod_since_analyze > 0)"
        ~ " order by 1, 2") -%}
    {%- for row in stale.rows -%}
        {%- set relation = api.Relation.create(
            database=target.database, schema=row[0], identifier=row[1]) -%}
        {%- do run_query('analyze ' ~ relation) -%}
    {%- endfor -%}
    {%- if stale.rows | length -%}
        {{- log('analyzed ' ~ (stale.rows | length) ~ ' source table(s) without fresh statistics') -}}
    {%- endif -%}
    {{- return('') -}}
{% endmacro %}

{#
    post-hook: ANALYZE the table a model, seed or snapshot just wrote (views have no
    statistics: skipped), so the models and data tests that read it next plan on real numbers.
#}
{% macro analyze_relation() %}
    {{- return(adapter.dispatch('analyze_relation', 'ecommerce_warehouse')()) -}}
{% endmacro %}

{% macro default__analyze_relation() %}
    {{- return('') -}}
{% endmacro %}

{% macro postgres__analyze_relation() %}
    {%- if execute
        and model.config.get('materialized') in ('table', 'incremental', 'seed', 'snapshot') -%}
        {{- return('analyze ' ~ this) -}}
    {%- endif -%}
    {{- return('') -}}
{% endmacro %}
