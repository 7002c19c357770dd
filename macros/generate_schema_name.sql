{#
    Environment-aware schema names.

    Production targets (var `production_targets`: duckdb, postgres, prod) use the configured
    names as they are (`marts`, not `main_marts`): the names BI tools, grants and the docs
    promise. Every other target prefixes them with its own schema (`dev_alice_marts`,
    `pr_123_marts`), so a developer's or a CI run's build on the same Postgres never writes into
    production's relations. Models without a custom schema land in the target schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.name in var('production_targets') -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ target.schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
