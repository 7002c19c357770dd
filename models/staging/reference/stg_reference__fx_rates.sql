{#
    Exchange rates to USD from the fx_rates seed: amount_usd = amount * rate_to_usd. The
    conversion itself happens in the intermediate models and marts that report `*_usd`.
#}
with

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

final as (

    select
        {{ clean_upper_code('currency_code') }} as currency_code,
        cast(rate_to_usd as {{ type_rate() }}) as rate_to_usd
    from fx_rates

)

select * from final
