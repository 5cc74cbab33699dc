-- Every delivered version of a residence permit (status history AKTIF/BERAKHIR/DICABUT);
-- a DICABUT version ends the permit from its delivery date on.
with source as (
    select * from {{ source('imigrasi', 'imigrasi__wna') }}
),

final as (
    select
        no_izin as permit_id,
        status as permit_status,
        berlaku_dari_date as valid_from_date,
        berlaku_sampai_date as valid_until_date,
        _delivery_date,
        _is_revisi,
        _file_name,
        _row_number
    from source
)

select * from final
