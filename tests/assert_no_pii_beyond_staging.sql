-- PII policy: PII stops in staging. No relation in the staging, snapshots, intermediate or
-- marts schemas has a column that could hold clear-text PII (e-mail, names, phone, street
-- address, full postal code): staging drops or hashes them on the way in.
-- Reads the catalog (information_schema exists on both engines), under this target's schema
-- names (prefixed outside production: macros/generate_schema_name.sql).
{%- set downstream = [] -%}
{%- for name in ['staging', 'snapshots', 'intermediate', 'marts'] -%}
    {%- do downstream.append("'" ~ generate_schema_name(name, none) | trim | lower ~ "'") -%}
{%- endfor %}
with

columns_downstream as (

    select
        table_schema,
        table_name,
        lower(column_name) as column_name
    from information_schema.columns
    where
        lower(table_schema) in ({{ downstream | join(', ') }})
        and table_catalog = current_database()

),

pii_columns as (

    select *
    from columns_downstream
    where
        column_name in (
            'email', 'email_address', 'first_name', 'last_name', 'full_name', 'phone',
            'phone_number', 'street_address', 'address', 'postal_code', 'zip_code'
        )

)

select * from pii_columns
