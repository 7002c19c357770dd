{% snapshot snap_customers %}
{#- config and columns: _snapshots.yml; the delta: macros/snapshot_delta.sql #}
{{ snapshot_delta(ref('stg_shop__customers'), 'customer_id') }}
{% endsnapshot %}
