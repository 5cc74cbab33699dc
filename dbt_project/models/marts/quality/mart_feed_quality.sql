-- One row per delivered file (duplicates included, files still PENDING excluded) with
-- its load outcome, plus what the quarantine and the validation log hold for it.
with deliveries as (
    select * from {{ ref('stg_meta__deliveries') }}
    where status <> 'PENDING'
),

quarantine as (
    select file_name, count(*) as quarantine_entries
    from {{ ref('stg_meta__quarantine') }}
    group by file_name
),

validations as (
    select
        file_name,
        count(*) filter (where not is_success and severity = 'critical') as failed_critical_expectations,
        count(*) filter (where not is_success and severity = 'warning') as failed_warning_expectations
    from {{ ref('stg_meta__validations') }}
    where file_name is not null
    group by file_name
),

final as (
    select
        deliveries.source,
        deliveries.feed,
        deliveries.file_name,
        deliveries.delivery_date,
        deliveries.sha256,
        deliveries.status,
        deliveries.rows_read,
        deliveries.rows_loaded,
        deliveries.rows_quarantined,
        deliveries.validation_result,
        deliveries.loaded_at,
        deliveries.duplicate_of,
        deliveries.batch_id,
        deliveries.size_bytes,
        case
            when deliveries.status = 'LOADED' then
                deliveries.rows_read is not distinct from
                    coalesce(deliveries.rows_loaded, 0) + coalesce(deliveries.rows_quarantined, 0)
            when deliveries.status = 'DUPLICATE' then coalesce(deliveries.rows_loaded, 0) = 0
            else true
        end as is_reconciled,
        cast(coalesce(quarantine.quarantine_entries, 0) as integer) as quarantine_entries,
        cast(coalesce(validations.failed_critical_expectations, 0) as integer)
            as failed_critical_expectations,
        cast(coalesce(validations.failed_warning_expectations, 0) as integer)
            as failed_warning_expectations,
        deliveries.message
    from deliveries
    left join quarantine using (file_name)
    left join validations using (file_name)
)

select * from final
order by delivery_date, source, feed, file_name
