{#
    Small cross-database helpers that dbt does not ship. Engine-specific SQL lives only in
    dispatched macros like these; models call the macro.
#}

{#- Type of every timestamp in the warehouse: UTC instants. -#}
{% macro type_timestamp_tz() -%}
    {{ return(adapter.dispatch('type_timestamp_tz', 'ecommerce_warehouse')()) }}
{%- endmacro %}

{% macro default__type_timestamp_tz() -%}
    timestamp with time zone
{%- endmacro %}

{#- Type of every money amount: 18 digits, 2 decimals (literal so contracts match on both engines). -#}
{% macro type_money() -%}
    numeric(18, 2)
{%- endmacro %}

{#- Type of exchange rates. -#}
{% macro type_rate() -%}
    numeric(18, 8)
{%- endmacro %}

{#- The UTC calendar date of a timestamptz, whatever the session time zone is. -#}
{% macro utc_date(ts) -%}
    {{ return(adapter.dispatch('utc_date', 'ecommerce_warehouse')(ts)) }}
{%- endmacro %}

{% macro default__utc_date(ts) -%}
    cast(({{ ts }}) at time zone 'UTC' as date)
{%- endmacro %}

{% macro duckdb__utc_date(ts) -%}
    cast(timezone('UTC', {{ ts }}) as date)
{%- endmacro %}

{#- Integer yyyymmdd key of a date (dim_date.date_key). -#}
{% macro date_key(date_expr) -%}
    cast(
        extract(year from {{ date_expr }}) * 10000
        + extract(month from {{ date_expr }}) * 100
        + extract(day from {{ date_expr }})
        as integer
    )
{%- endmacro %}

{#- ISO-8601 week number (1..53) and ISO day of week (1 = Monday .. 7 = Sunday). -#}
{% macro iso_week(date_expr) -%}
    {{ return(adapter.dispatch('iso_week', 'ecommerce_warehouse')(date_expr)) }}
{%- endmacro %}

{% macro default__iso_week(date_expr) -%}
    cast(extract(week from {{ date_expr }}) as integer)
{%- endmacro %}

{% macro iso_day_of_week(date_expr) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'ecommerce_warehouse')(date_expr)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_expr) -%}
    cast(extract(isodow from {{ date_expr }}) as integer)
{%- endmacro %}

{#- ISO year (the year the ISO week belongs to). -#}
{% macro iso_year(date_expr) -%}
    {{ return(adapter.dispatch('iso_year', 'ecommerce_warehouse')(date_expr)) }}
{%- endmacro %}

{% macro default__iso_year(date_expr) -%}
    cast(extract(isoyear from {{ date_expr }}) as integer)
{%- endmacro %}

{#- English month and day names, independent of the server locale. -#}
{% macro month_name(date_expr) -%}
    case cast(extract(month from {{ date_expr }}) as integer)
        {%- for name in ['January', 'February', 'March', 'April', 'May', 'June', 'July',
                         'August', 'September', 'October', 'November', 'December'] %}
        when {{ loop.index }} then '{{ name }}'
        {%- endfor %}
    end
{%- endmacro %}

{% macro day_name(date_expr) -%}
    case {{ iso_day_of_week(date_expr) }}
        {%- for name in ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday',
                         'Sunday'] %}
        when {{ loop.index }} then '{{ name }}'
        {%- endfor %}
    end
{%- endmacro %}

{#- Normalised code: trimmed and lower-cased (status, channel, method...). -#}
{% macro clean_code(expr) -%}
    cast(lower(trim({{ expr }})) as {{ dbt.type_string() }})
{%- endmacro %}

{#- Normalised upper-case code (currency, country). -#}
{% macro clean_upper_code(expr) -%}
    cast(upper(trim({{ expr }})) as {{ dbt.type_string() }})
{%- endmacro %}

{#- Trimmed text, empty strings become null. -#}
{% macro clean_text(expr) -%}
    cast(nullif(trim({{ expr }}), '') as {{ dbt.type_string() }})
{%- endmacro %}

{#- Integer division (truncating) of two integer expressions, exact on every engine
    (DuckDB's `/` always returns a double; Postgres' `/` on integers truncates). -#}
{% macro integer_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('integer_divide', 'ecommerce_warehouse')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__integer_divide(numerator, denominator) -%}
    (cast({{ numerator }} as bigint) / cast({{ denominator }} as bigint))
{%- endmacro %}

{% macro duckdb__integer_divide(numerator, denominator) -%}
    (cast({{ numerator }} as bigint) // cast({{ denominator }} as bigint))
{%- endmacro %}

{#- round(amount * part / whole, 2) for money, computed exactly in integer cents with
    round-half-away-from-zero, so both engines give the same cent (DuckDB would otherwise
    divide in floating point). Returns null when whole is 0 or null. -#}
{% macro prorate_money(amount, part, whole) -%}
    case
        when ({{ whole }}) is null or ({{ whole }}) = 0 then null
        else
            cast(
                sign(({{ amount }}) * ({{ part }}) * ({{ whole }}))
                * {{ integer_divide(
                    "2 * abs(cast(round(" ~ amount ~ " * 100, 0) as bigint) * cast(round(" ~ part
                        ~ " * 100, 0) as bigint)) + abs(cast(round(" ~ whole ~ " * 100, 0) as bigint))",
                    "2 * abs(cast(round(" ~ whole ~ " * 100, 0) as bigint))"
                ) }}
                as {{ type_money() }}
            ) * 0.01
    end
{%- endmacro %}
