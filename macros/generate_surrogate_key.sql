{#
    Surrogate key: md5 over the given columns, each cast to text, nulls replaced by a sentinel,
    joined with '-'. Same algorithm as dbt_utils.generate_surrogate_key (which we cannot install),
    so keys are identical on DuckDB and Postgres for the same inputs.
#}
{% macro generate_surrogate_key(field_list) -%}
    {{ return(adapter.dispatch('generate_surrogate_key', 'ecommerce_warehouse')(field_list)) }}
{%- endmacro %}

{% macro default__generate_surrogate_key(field_list) -%}
    {%- if field_list is string -%}
        {%- set field_list = [field_list] -%}
    {%- endif -%}
    {%- set fields = [] -%}
    {%- for field in field_list -%}
        {%- do fields.append(
            "coalesce(cast(" ~ field ~ " as " ~ dbt.type_string() ~ "), '_dbt_utils_surrogate_key_null_')"
        ) -%}
        {%- if not loop.last -%}
            {%- do fields.append("'-'") -%}
        {%- endif -%}
    {%- endfor -%}
    cast({{ dbt.hash(dbt.concat(fields)) }} as {{ dbt.type_string() }})
{%- endmacro %}


{#- The key of the "unknown" member row of every dimension (facts fall back to it). -#}
{% macro unknown_member_key() -%}
    cast('-1' as {{ dbt.type_string() }})
{%- endmacro %}
