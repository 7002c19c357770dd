{#
    Use the configured schema name as-is (`marts`, not `main_marts`), so BI tools and grants
    see the same stable schema names on every engine. Models without a custom schema land in
    the target schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
