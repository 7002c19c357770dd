{#
    Fails for every row where `expression` is not true (like dbt_utils.expression_is_true).
    Model level: the expression is the whole condition, e.g. "net_revenue <= subtotal_amount".
    Column level: the expression follows the column, e.g. ">= 0".
    Nulls: a row whose expression evaluates to null fails (coalesced to false).
#}
{% test expression_is_true(model, expression, column_name=none) %}

with

checked as (

    select
        *,
        {% if column_name is none -%}
            coalesce({{ expression }}, false) as is_valid
        {%- else -%}
            coalesce({{ column_name }} {{ expression }}, false) as is_valid
        {%- endif %}
    from {{ model }}

),

failures as (

    select * from checked
    where not is_valid

)

select * from failures

{% endtest %}
