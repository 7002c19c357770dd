{#
    dbt's `grants` config on Postgres, minus grantees that do not exist (yet).

    The marts grant SELECT to the BI role (dbt_project.yml, BI_READER_ROLE). On a Postgres where
    `make roles` has not run, that role does not exist and a plain GRANT would fail every mart;
    here the missing role is skipped with a log line instead (no access is granted, so this
    fails closed), and the grant applies as soon as the role exists. Everything else is dbt's
    default__apply_grants (root-project macros take precedence in dbt's dispatch).
#}
{% macro postgres__apply_grants(relation, grant_config, should_revoke=True) %}
    {%- set grantees = [] -%}
    {%- for privilege, names in (grant_config or {}).items() -%}
        {%- for name in names -%}
            {%- do grantees.append(name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set existing = [] -%}
    {%- if grantees -%}
        {%- set found = run_query(
            "select rolname from pg_roles where rolname in ('"
            ~ (grantees | map('replace', "'", "''") | join("', '")) ~ "')") -%}
        {%- for row in found.rows -%}
            {%- do existing.append(row[0]) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set filtered = {} -%}
    {%- for privilege, names in (grant_config or {}).items() -%}
        {%- set keep = [] -%}
        {%- for name in names -%}
            {%- if name in existing -%}
                {%- do keep.append(name) -%}
            {%- else -%}
                {{ log("grants: role " ~ name ~ " does not exist, not granting " ~ privilege
                       ~ " on " ~ relation ~ " (run `make roles`)", info=true) }}
            {%- endif -%}
        {%- endfor -%}
        {%- if keep -%}
            {%- do filtered.update({privilege: keep}) -%}
        {%- endif -%}
    {%- endfor -%}
    {% do default__apply_grants(relation, filtered, should_revoke) %}
{% endmacro %}
