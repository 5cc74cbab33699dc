-- Rows and fields the ingest set aside, with the reason.
with source as (
    select * from {{ source('meta', 'quarantine') }}
),

final as (
    select
        batch_id,
        source,
        feed,
        file_name,
        file_sha256,
        line_number,
        row_number as data_row_number,
        field,
        reason
    from source
)

select * from final
