{#
    Keyed one-way hash for PII (e-mail addresses), so marts can count and join customers by
    e-mail without ever holding the address.

    hash_pii(expr) = hex( sha256( key || '|' || hex( sha256( key || '|' || expr ) ) ) )

    * The key is a secret: `PII_HASH_KEY` from the environment. The default below is for local
      development only; production runs must set their own key (and keep it as stable as the
      hashes must be: rotating it changes every hash).
    * The nested construction ("envelope" keyed hash, HMAC-like) defeats the length-extension
      weakness of a bare hash(key || value) and, because the key is secret, dictionary attacks
      on leaked hashes (e-mail addresses are guessable).
    * Same hex output on DuckDB (`sha256`) and Postgres (built-in `sha256(bytea)` since
      Postgres 11, no pgcrypto needed), so hashes match across engines. Other adapters fall back
      to dbt.hash (md5) with the same construction.
    * The caller normalises the value (lower/trim) first; nulls stay null.
    * The key ends up in compiled SQL, so models that call this must not be views (a view
      definition is readable from the catalog): stg_shop__customers is a table.
#}
{% macro pii_hash_key() -%}
    {{- env_var('PII_HASH_KEY', 'dev-only-pii-hash-key-do-not-use-in-production') | replace("'", "''") -}}
{%- endmacro %}

{% macro hash_pii(expr) -%}
    {{ return(adapter.dispatch('hash_pii', 'ecommerce_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__hash_pii(expr) -%}
    case when ({{ expr }}) is not null then
        {{ dbt.hash("'" ~ pii_hash_key() ~ "|' || " ~ dbt.hash("'" ~ pii_hash_key() ~ "|' || (" ~ expr ~ ")")) }}
    end
{%- endmacro %}

{% macro duckdb__hash_pii(expr) -%}
    case when ({{ expr }}) is not null then
        sha256('{{ pii_hash_key() }}|' || sha256('{{ pii_hash_key() }}|' || ({{ expr }})))
    end
{%- endmacro %}

{% macro postgres__hash_pii(expr) -%}
    case when ({{ expr }}) is not null then
        encode(sha256(convert_to(
            '{{ pii_hash_key() }}|' || encode(sha256(convert_to(
                '{{ pii_hash_key() }}|' || ({{ expr }}), 'UTF8')), 'hex'),
            'UTF8')), 'hex')
    end
{%- endmacro %}
