-- Coded values outside the feed contracts, per loaded file and field, as the ingest
-- recorded them (after the synonyms of seed code_synonyms and the placeholders).
with source as (
    select * from {{ source('meta', 'unmapped_codes') }}
),

final as (
    select
        batch_id,
        source,
        feed,
        file_name,
        delivery_date,
        field,
        value,
        n_rows
    from source
)

select * from final
