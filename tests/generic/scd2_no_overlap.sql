{#
    SCD2 integrity of a dimension with [valid_from, valid_to) ranges (valid_to null = current):
      1. no version has valid_to <= valid_from (empty or negative range);
      2. the versions of a natural key never overlap: ordered by valid_from, each version ends
         at or before the next one starts (it must not end after it);
      3. each natural key has exactly one current version (is_current), and it is the one
         whose valid_to is null.
    Returns one row per violation, with the failing natural key and the rule broken.
#}
{% test scd2_no_overlap(model, natural_key, valid_from='valid_from', valid_to='valid_to', is_current='is_current') %}

with

versions as (

    select
        {{ natural_key }} as natural_key,
        {{ valid_from }} as range_start,
        {{ valid_to }} as range_end,
        {{ is_current }} as is_current_flag,
        lead({{ valid_from }}) over (
            partition by {{ natural_key }}
            order by {{ valid_from }}
        ) as next_range_start
    from {{ model }}

),

empty_ranges as (

    select
        natural_key,
        'empty or negative range' as violation
    from versions
    where range_end is not null and range_end <= range_start

),

overlapping_versions as (

    select
        natural_key,
        'overlaps the next version' as violation
    from versions
    where
        next_range_start is not null
        and (range_end is null or range_end > next_range_start)

),

current_counts as (

    select
        natural_key,
        sum(case when is_current_flag then 1 else 0 end) as current_versions,
        sum(case when range_end is null then 1 else 0 end) as open_versions,
        sum(case when is_current_flag and range_end is null then 1 else 0 end)
            as current_open_versions
    from versions
    group by natural_key

),

bad_current as (

    select
        natural_key,
        'not exactly one current version' as violation
    from current_counts
    where current_versions != 1 or open_versions != 1 or current_open_versions != 1

),

failures as (

    select * from empty_ranges
    union all
    select * from overlapping_versions
    union all
    select * from bad_current

)

select * from failures

{% endtest %}
