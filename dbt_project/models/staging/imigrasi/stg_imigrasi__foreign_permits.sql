-- Foreign nationals' residence permits, latest version per no_izin.
with source as (
    select * from {{ source('imigrasi', 'imigrasi__wna') }}
),

latest as (
    select * from source
    qualify {{ is_latest_version(['no_izin']) }}
),

final as (
    select
        no_izin as permit_id,
        jenis_izin as permit_type,
        no_paspor_key as passport_key,
        kewarganegaraan_iso3 as nationality,
        berlaku_dari_date as valid_from_date,
        berlaku_sampai_date as valid_until_date,
        status as permit_status,
        penjamin as sponsor_name,
        nama as person_name,
        tgl_lahir_date as birth_date,
        jenis_kelamin as sex,
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
