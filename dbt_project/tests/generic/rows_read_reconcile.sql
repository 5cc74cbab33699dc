{#- Every LOADED file reconciles (rows_read = rows_loaded + rows_quarantined) and a
    DUPLICATE loads nothing (MARTS.md, mart_feed_quality). -#}
{% test rows_read_reconcile(model, status_column='status') %}
select *
from {{ model }}
where (
        {{ status_column }} = 'LOADED'
        and coalesce(rows_read, -1) <> coalesce(rows_loaded, 0) + coalesce(rows_quarantined, 0)
    )
   or ({{ status_column }} = 'DUPLICATE' and coalesce(rows_loaded, 0) <> 0)
{% endtest %}
