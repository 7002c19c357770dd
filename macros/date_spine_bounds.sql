{#
    The [first_year, last_year] that dim_date must cover: the years of the earliest and latest
    order, payment, event and ad-spend dates in staging. Returns the current year for both when
    the inputs do not exist yet (parse time, docs or lint on a fresh clone) or are empty.
#}
{% macro date_spine_bounds() %}
    {%- set today_year = modules.datetime.date.today().year -%}
    {%- if not execute -%}
        {{ return([today_year, today_year]) }}
    {%- endif -%}

    {%- set inputs = {
        'stg_shop__orders': 'order_date',
        'stg_shop__payments': utc_date('created_at'),
        'stg_web__events': 'event_date',
        'stg_marketing__ad_spend': 'spend_date',
    } -%}
    {%- set selects = [] -%}
    {%- for model_name, date_expr in inputs.items() -%}
        {%- set input_relation = ref(model_name) -%}
        {%- set existing = adapter.get_relation(
                database=input_relation.database,
                schema=input_relation.schema,
                identifier=input_relation.identifier) -%}
        {%- if existing is none -%}
            {{ return([today_year, today_year]) }}
        {%- endif -%}
        {%- do selects.append(
            'select min(' ~ date_expr ~ ') as min_date, max(' ~ date_expr ~ ') as max_date from '
            ~ input_relation) -%}
    {%- endfor -%}

    {%- set bounds_query -%}
        with all_dates as (
            {{ selects | join('\n            union all\n            ') }}
        )
        select
            cast(extract(year from min(min_date)) as integer) as first_year,
            cast(extract(year from max(max_date)) as integer) as last_year
        from all_dates
    {%- endset -%}
    {%- set bounds = run_query(bounds_query) -%}
    {%- if bounds and bounds.rows and bounds.rows[0][0] is not none -%}
        {{ return([bounds.rows[0][0] | int, bounds.rows[0][1] | int]) }}
    {%- endif -%}
    {{ return([today_year, today_year]) }}
{% endmacro %}
