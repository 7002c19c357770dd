{#
    Calendar dimension, one row per day. The range covers every order, event, payment and
    ad-spend date, padded to whole calendar years (1 Jan of the first year .. 31 Dec of the
    last), and is recomputed on every build, so new data never falls outside it.
#}
-- depends_on: {{ ref('stg_shop__orders') }}
-- depends_on: {{ ref('stg_shop__payments') }}
-- depends_on: {{ ref('stg_web__events') }}
-- depends_on: {{ ref('stg_marketing__ad_spend') }}

{%- set bounds = date_spine_bounds() -%}
{%- set first_year = bounds[0] -%}
{%- set last_year = bounds[1] %}

with

date_spine as (

    {{ dbt.date_spine(
        'day',
        "cast('" ~ first_year ~ "-01-01' as date)",
        "cast('" ~ (last_year + 1) ~ "-01-01' as date)"
    ) }}

),

days as (

    select cast(date_day as date) as date_day
    from date_spine

),

final as (

    select
        {{ date_key('date_day') }} as date_key,
        date_day,
        cast(extract(year from date_day) as integer) as year_number,
        cast(extract(quarter from date_day) as integer) as quarter_number,
        cast(extract(month from date_day) as integer) as month_number,
        cast({{ month_name('date_day') }} as {{ dbt.type_string() }}) as month_name,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        {{ iso_year('date_day') }} as iso_year,
        {{ iso_week('date_day') }} as iso_week,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as iso_week_start_date,
        cast(extract(day from date_day) as integer) as day_of_month,
        {{ iso_day_of_week('date_day') }} as day_of_week,
        cast({{ day_name('date_day') }} as {{ dbt.type_string() }}) as day_name,
        cast({{ iso_day_of_week('date_day') }} in (6, 7) as boolean) as is_weekend
    from days

)

select * from final
