-- Every rfm_segment of customer_lifetime_value is one of the segments configured in
-- var('rfm_segments'), or 'other' / 'no_purchase'; and customers without a revenue order (only
-- they) are 'no_purchase'. Returns the offending customers.
{%- set segments = ['other', 'no_purchase'] -%}
{%- for rule in var('rfm_segments') -%}
{%- do segments.append(rule['segment']) -%}
{%- endfor %}

with

clv as (

    select * from {{ ref('customer_lifetime_value') }}

),

failures as (

    select
        customer_id,
        orders,
        rfm_segment
    from clv
    where
        rfm_segment not in (
            {%- for segment in segments %}
            '{{ segment }}'{{ ',' if not loop.last }}
            {%- endfor %}
        )
        or (rfm_segment = 'no_purchase') != (orders = 0)

)

select * from failures
