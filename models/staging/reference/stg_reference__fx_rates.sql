{#
    Exchange rates from the fx_rates seed, re-based on the reporting currency:
    amount_in_reporting_currency = amount * rate_to_reporting.
#}
with

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

reporting_currency as (

    select rate_to_usd as reporting_rate_to_usd
    from fx_rates
    where upper(trim(currency_code)) = '{{ var("reporting_currency") | upper }}'

),

final as (

    select
        {{ clean_upper_code('fx_rates.currency_code') }} as currency_code,
        cast(fx_rates.rate_to_usd as {{ type_rate() }}) as rate_to_usd,
        cast(
            fx_rates.rate_to_usd / reporting_currency.reporting_rate_to_usd
            as {{ type_rate() }}
        ) as rate_to_reporting,
        cast('{{ var("reporting_currency") | upper }}' as {{ dbt.type_string() }})
            as reporting_currency_code
    from fx_rates
    cross join reporting_currency

)

select * from final
