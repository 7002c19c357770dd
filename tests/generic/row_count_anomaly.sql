{#
    Volume anomaly (severity warn by default): the number of rows per day of `date_column`
    against the mean and sample standard deviation of the `trailing_days` days before it.
    A day is anomalous when |rows - mean| > `max_deviations` x stddev, once at least
    `min_history_days` earlier days exist. Days between the first and the last date without any
    row count as 0 rows (a missing day is the anomaly that matters most).
    `check_last_days`: only the most recent N days are reported (e.g. the days a daily load
    rewrites); none checks the whole history.
    Returns one row per anomalous day, with its count and the trailing statistics.
    Portable: a recursive CTE builds the day spine (DuckDB and Postgres both support it).
#}
{% test row_count_anomaly(model, date_column, trailing_days=14, max_deviations=3, min_history_days=7, check_last_days=none) %}
{{ config(severity='warn') }}

with recursive

row_counts as (

    select
        cast({{ date_column }} as date) as row_date,
        count(*) as row_count
    from {{ model }}
    where {{ date_column }} is not null
    group by cast({{ date_column }} as date)

),

day_spine (row_date, last_date) as (

    select
        min(row_date) as row_date,
        max(row_date) as last_date
    from row_counts
    union all
    select
        cast({{ dbt.dateadd('day', 1, 'day_spine.row_date') }} as date) as row_date,
        day_spine.last_date
    from day_spine
    where day_spine.row_date < day_spine.last_date

),

daily as (

    select
        day_spine.row_date,
        coalesce(row_counts.row_count, 0) as row_count
    from day_spine
    left join row_counts
        on day_spine.row_date = row_counts.row_date
    where day_spine.row_date is not null

),

trailing_stats as (

    select
        row_date,
        row_count,
        avg(cast(row_count as double precision)) over trailing_window as trailing_mean,
        stddev_samp(cast(row_count as double precision)) over trailing_window
            as trailing_stddev,
        count(*) over trailing_window as trailing_day_count,
        row_number() over (order by row_date desc) as days_from_last
    from daily
    window trailing_window as (
        order by row_date
        rows between {{ trailing_days | int }} preceding and 1 preceding
    )

),

anomalies as (

    select
        row_date,
        row_count,
        trailing_mean,
        trailing_stddev,
        trailing_day_count
    from trailing_stats
    where
        trailing_day_count >= {{ min_history_days | int }}
        and abs(row_count - trailing_mean) > {{ max_deviations }} * coalesce(trailing_stddev, 0)
        {%- if check_last_days is not none %}
        and days_from_last <= {{ check_last_days | int }}
        {%- endif %}

)

select * from anomalies

{% endtest %}
