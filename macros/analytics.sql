{#
    Helpers of the analytics marts (models/marts/analytics): safe ratios, durations, the
    marketing channel of a utm pair, RFM scoring and segmentation. Engine-specific SQL only in
    dispatched macros; everything else is plain SQL both DuckDB and Postgres run.
#}

{#- Type of ratios and rates (conversion and retention rates, ROAS, growth rates, order
    frequency): 6 decimals, a literal both engines accept and report the same way. -#}
{% macro type_ratio() -%}
    numeric(18, 6)
{%- endmacro %}

{#- numerator / denominator as a ratio (type_ratio), NULL when the denominator is 0 or NULL:
    never a division-by-zero error, never a misleading 0. Divides in double precision on every
    engine (Postgres would truncate an integer division), then rounds to 6 decimals.
    Money per unit (average order value, cost per order) uses `prorate_money(amount, 1, count)`
    instead, which is exact to the cent on both engines. -#}
{% macro safe_divide(numerator, denominator) -%}
    cast(
        case
            when ({{ denominator }}) is null or ({{ denominator }}) = 0 then null
            else
                cast(({{ numerator }}) as double precision)
                / cast(({{ denominator }}) as double precision)
        end
        as {{ type_ratio() }}
    )
{%- endmacro %}

{#- Seconds (with fractions) from start_ts to end_ts, two timestamptz instants; independent of
    the session time zone. -#}
{% macro seconds_between(start_ts, end_ts) -%}
    {{ return(adapter.dispatch('seconds_between', 'ecommerce_warehouse')(start_ts, end_ts)) }}
{%- endmacro %}

{% macro default__seconds_between(start_ts, end_ts) -%}
    extract(epoch from ({{ end_ts }}) - ({{ start_ts }}))
{%- endmacro %}

{#- Marketing channel of a visit from its utm_medium (lower case), for visits whose
    utm_campaign is not a known campaign (known campaigns use the campaign's own channel).
    Visits without any utm field are 'direct'; that case is decided by the caller. -#}
{% macro marketing_channel_from_utm(utm_medium) -%}
    case
        when {{ utm_medium }} in ('cpc', 'ppc', 'paid_search', 'paidsearch', 'sem')
            then 'paid_search'
        when {{ utm_medium }} in ('paid_social', 'paidsocial', 'social_paid')
            then 'paid_social'
        when {{ utm_medium }} in ('display', 'banner', 'cpm') then 'display'
        when {{ utm_medium }} in ('email', 'e-mail', 'newsletter') then 'email'
        when {{ utm_medium }} in ('affiliate', 'affiliates', 'partner') then 'affiliate'
        when {{ utm_medium }} in ('organic', 'seo') then 'organic_search'
        when {{ utm_medium }} in ('social', 'organic_social') then 'organic_social'
        when {{ utm_medium }} = 'referral' then 'referral'
        else 'other'
    end
{%- endmacro %}

{#- The marketing channels a session or an attributed order can have (accepted values). -#}
{% macro marketing_channels() -%}
    {{ return(['direct', 'paid_search', 'paid_social', 'display', 'email', 'affiliate',
               'organic_search', 'organic_social', 'referral', 'other']) }}
{%- endmacro %}

{#- RFM score 1-5 of `expr` against 4 ascending cut points.
    higher_is_better (frequency, monetary): 1 below cut 1, 2 from cut 1, ..., 5 from cut 4.
    lower is better (recency in days): 5 up to cut 1, 4 up to cut 2, ..., 1 above cut 4.
    NULL when expr is NULL. -#}
{% macro rfm_score(expr, cut_points, higher_is_better=true) -%}
    {%- if cut_points | length != 4 -%}
        {{ exceptions.raise_compiler_error(
            "rfm_score needs exactly 4 ascending cut points, got " ~ cut_points) }}
    {%- endif -%}
    {%- set cuts = cut_points | sort -%}
    cast(
        case
            when ({{ expr }}) is null then null
        {%- if higher_is_better %}
            {%- for cut in cuts | reverse %}
            when ({{ expr }}) >= {{ cut }} then {{ 5 - loop.index0 }}
            {%- endfor %}
            else 1
        {%- else %}
            {%- for cut in cuts %}
            when ({{ expr }}) <= {{ cut }} then {{ 5 - loop.index0 }}
            {%- endfor %}
            else 1
        {%- endif %}
        end
        as integer
    )
{%- endmacro %}

{#- RFM segment from the three scores: the first rule of `rules` (var rfm_segments) whose
    bounds all hold; a rule is {segment, min_/max_ recency|frequency|monetary}, a rule without
    bounds matches everything. `fallback` when no rule matches, `no_score` when the scores are
    NULL (customer without a revenue order). -#}
{% macro rfm_segment(recency_score, frequency_score, monetary_score, rules, fallback='other', no_score='no_purchase') -%}
    {%- set scores = {
        'recency': recency_score,
        'frequency': frequency_score,
        'monetary': monetary_score,
    } -%}
    case
        when ({{ recency_score }}) is null then '{{ no_score }}'
    {%- for rule in rules %}
        {%- set conditions = [] -%}
        {%- for dimension, score in scores.items() -%}
            {%- if rule.get('min_' ~ dimension) is not none -%}
                {%- do conditions.append(score ~ ' >= ' ~ (rule['min_' ~ dimension] | int)) -%}
            {%- endif -%}
            {%- if rule.get('max_' ~ dimension) is not none -%}
                {%- do conditions.append(score ~ ' <= ' ~ (rule['max_' ~ dimension] | int)) -%}
            {%- endif -%}
        {%- endfor %}
        when {{ conditions | join(' and ') if conditions else 'true' }}
            then '{{ rule["segment"] }}'
    {%- endfor %}
        else '{{ fallback }}'
    end
{%- endmacro %}
