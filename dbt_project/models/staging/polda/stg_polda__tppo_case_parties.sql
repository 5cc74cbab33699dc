-- Persons (`pihak`) of each case, taken from the case version chosen in
-- stg_polda__tppo_cases (same file and row), so that a re-sent case never doubles them.
with source as (
    select * from {{ source('polda', 'polda__kasus_tppo_pihak') }}
),

cases as (
    select case_id, _file_sha256, _row_number from {{ ref('stg_polda__tppo_cases') }}
),

final as (
    select
        source.nomor_lp || '#' || source._person_index as party_id,
        source.nomor_lp as case_id,
        source._person_index as party_index,
        source.peran as party_role,
        source.nik_status,
        source.nik_key,
        source.nik_district,
        {{ nik_block(prefix='source.') }} as nik_block,
        source.nama as person_name,
        source.alias as person_alias,
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
    inner join cases
        on source.nomor_lp = cases.case_id
        and source._file_sha256 = cases._file_sha256
        and source._row_number = cases._row_number
)

select * from final
