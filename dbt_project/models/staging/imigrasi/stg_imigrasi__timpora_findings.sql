-- Timpora operation findings, latest version per (no_operasi, jenis_temuan).
with source as (
    select * from {{ source('imigrasi', 'imigrasi__timpora') }}
),

latest as (
    select * from source
    qualify {{ is_latest_version(['no_operasi', 'jenis_temuan']) }}
),

final as (
    select
        no_operasi || '-' || jenis_temuan as finding_id,
        no_operasi as operation_id,
        jenis_temuan as finding_type,
        tgl_operasi_date as operation_date,
        jumlah_orang_int as persons_found,
        keterangan as note,
        desa,
        kecamatan,
        kabupaten,
        _file_sha256,
        _file_name,
        _delivery_date,
        _is_revisi,
        _row_number
    from latest
)

select * from final
