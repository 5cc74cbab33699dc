-- Border crossings, latest version per (kode_tpi, no_perlintasan).
with source as (
    select * from {{ source('imigrasi', 'imigrasi__perlintasan') }}
),

latest as (
    select * from source
    qualify {{ is_latest_version(['kode_tpi', 'no_perlintasan']) }}
),

countries as (
    {{ country_resolution('latest', ['kewarganegaraan', 'negara']) }}
),

final as (
    select
        kode_tpi || '-' || no_perlintasan as crossing_id,
        kode_tpi as checkpoint_code,
        no_perlintasan as crossing_number,
        waktu_ts as crossed_at,
        arah as direction,
        no_paspor_key as passport_key,
        nationality_lookup.iso3 as nationality,
        latest.kewarganegaraan as nationality_text,
        country_lookup.iso3 as country,
        latest.negara as country_text,
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
    left join countries as nationality_lookup on nationality_lookup.country_text = latest.kewarganegaraan
    left join countries as country_lookup on country_lookup.country_text = latest.negara
)

select * from final
