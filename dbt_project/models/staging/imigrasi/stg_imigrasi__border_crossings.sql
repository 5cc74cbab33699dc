-- Border crossings, latest version per (kode_tpi, no_perlintasan).
with source as (
    select * from {{ source('imigrasi', 'imigrasi__perlintasan') }}
),

latest as (
    select * from source
    qualify {{ is_latest_version(['kode_tpi', 'no_perlintasan']) }}
),

final as (
    select
        kode_tpi || '-' || no_perlintasan as crossing_id,
        kode_tpi as checkpoint_code,
        no_perlintasan as crossing_number,
        waktu_ts as crossed_at,
        arah as direction,
        no_paspor_key as passport_key,
        kewarganegaraan_iso3 as nationality,
        negara_iso3 as country,
        no_penerbangan as flight_number,
        nama as person_name,
        tgl_lahir_date as birth_date,
        jenis_kelamin as sex,
        _file_sha256,
        _file_name,
        _delivery_date,
        _is_revisi,
        _row_number
    from latest
)

select * from final
