-- The delivery manifest: one row per file found in the landing area.
with source as (
    select * from {{ source('meta', 'deliveries') }}
),

final as (
    select
        file_name,
        source,
        feed,
        delivery_date,
        size_bytes,
        sha256,
        status,
        duplicate_of,
        batch_id,
        discovered_at,
        loaded_at,
        load_seconds,
        rows_read,
        rows_loaded,
        rows_quarantined,
        validation_result,
        message
    from source
)

select * from final
