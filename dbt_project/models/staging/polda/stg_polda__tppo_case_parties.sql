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
        {{ person_columns(prefix='source.', alias=true) }},
        {{ lineage_columns(prefix='source.', revisi=false) }}
    from source
    inner join cases
        on source.nomor_lp = cases.case_id
        and source._file_sha256 = cases._file_sha256
        and source._row_number = cases._row_number
)

select * from final
