{% snapshot snap_products %}
{#- config and columns: _snapshots.yml; the delta: macros/snapshot_delta.sql #}
{{ snapshot_delta(ref('stg_shop__products'), 'product_id') }}
{% endsnapshot %}
