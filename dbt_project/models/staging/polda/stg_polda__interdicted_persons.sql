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
        source.nik_status,
        source.nik_key,
        source.nik_district,
        {{ nik_block(prefix='source.') }} as nik_block,
        source.nama as person_name,
        source.tgl_lahir_date as birth_date,
        source.jenis_kelamin as sex,
        source.desa,
        source.kecamatan,
        source.kabupaten,
        source._file_sha256,
        source._file_name,
        source._delivery_date,
        source._row_number
    from source
    inner join interdictions
        on source.id_penggagalan = interdictions.interdiction_id
        and source._file_sha256 = interdictions._file_sha256
        and source._row_number = interdictions._row_number
)

select * from final
