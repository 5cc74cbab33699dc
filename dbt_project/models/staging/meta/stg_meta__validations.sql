-- Great Expectations results per batch, feed and file.
with source as (
    select * from {{ source('meta', 'validations') }}
),

final as (
    select
        batch_id,
        source,
        feed,
        file_name,
        expectation,
        column_name,
        severity,
        success as is_success,
        unexpected_count,
        message,
        validated_at
    from source
)

select * from final
