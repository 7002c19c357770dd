{#
    Daily production runs test what changed; full refreshes, CI and development test all rows.

    A model opts in with `config: meta: data_test_window_column: <column>` (a date or
    timestamp that marks the rows a run writes: a load time or the date incremental builds
    rebuild by). When var('data_test_window_days') is set (the production build sets it, see
    elt/steps.py) and the run is not --full-refresh, the model's generic data tests other than
    `unique` see only its rows whose column is within that many days of the column's newest
    value. Without the var (CI, `make test`, a plain `dbt build` or `dbt test`) and on every
    --full-refresh, every row is tested. Uniqueness is a property of the whole table: `unique`
    and `unique_combination_of_columns` always test every row, and so do singular tests
    (reconciliations against staging and the truth).

    Implemented by overriding dbt's get_where_subquery (the documented hook for custom `where`
    logic); a test's own `where` config still applies, combined with the window.
#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set window_column = data_test_window_column() -%}
    {%- if window_column -%}
        {%- do conditions.append(data_test_window_condition(relation, window_column)) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- The window column of the model the current generic test is attached to, or none when
    the run tests every row (see above). -#}
{% macro data_test_window_column() -%}
    {%- set days = var('data_test_window_days', none) -%}
    {%- if days is none or flags.FULL_REFRESH or not execute -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set test_name = (model.get('test_metadata') or {}).get('name') -%}
    {%- if test_name is none or test_name in ('unique', 'unique_combination_of_columns') -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.get('attached_node')) or {} -%}
    {%- do return(((tested.get('config') or {}).get('meta') or {}).get('data_test_window_column')) -%}
{%- endmacro %}

{% macro data_test_window_condition(relation, column) -%}
    {{ column }} >= (
        select {{ dbt.dateadd('day', -1 * (var('data_test_window_days') | int), 'max(' ~ column ~ ')') }}
        from {{ relation }}
    )
{%- endmacro %}
