-- Passport applications, latest version per no_permohonan (an application arrives as
-- PROSES and is re-sent when decided).
with source as (
    select * from {{ source('imigrasi', 'imigrasi__paspor') }}
),

latest as (
    select * from source
    qualify {{ is_latest_version(['no_permohonan']) }}
),

final as (
    select
        no_permohonan as application_id,
        kode_kantor as office_code,
        tgl_permohonan_date as applied_date,
        tgl_keputusan_date as decided_date,
        status as application_status,
        tujuan_permohonan as travel_purpose,
        negara_tujuan_iso3 as destination_country,
        alasan_penundaan as postponement_reason,
        nik_status,
        nik_key,
        nik_district,
        {{ nik_block() }} as nik_block,
        no_paspor_key as passport_key,
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
