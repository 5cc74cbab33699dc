-- Persons (`orang`) of each interdiction, from the version chosen in
-- stg_polda__interdictions (same file and row).
with source as (
    select * from {{ source('polda', 'polda__penggagalan_orang') }}
),

interdictions as (
    select interdiction_id, _file_sha256, _row_number
    from {{ ref('stg_polda__interdictions') }}
),

final as (
    select
        source.id_penggagalan || '#' || source._person_index as interdicted_person_id,
        source.id_penggagalan as interdiction_id,
        source._person_index as person_index,
        {{ person_columns(prefix='source.') }},
        {{ lineage_columns(prefix='source.', revisi=false) }}
    from source
    inner join interdictions
        on source.id_penggagalan = interdictions.interdiction_id
        and source._file_sha256 = interdictions._file_sha256
        and source._row_number = interdictions._row_number
)

select * from final
