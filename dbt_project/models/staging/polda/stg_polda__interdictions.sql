-- Interdicted non-procedural departures, latest version per id_penggagalan.
with source as (
    select * from {{ source('polda', 'polda__penggagalan') }}
),

latest as (
    select * from source
    qualify {{ is_latest_version(['id_penggagalan']) }}
),

countries as (
    {{ country_resolution('latest', ['negara_tujuan']) }}
),

final as (
    select
        id_penggagalan as interdiction_id,
        waktu_ts as interdicted_at,
        lokasi as location_text,
        destination_country_lookup.iso3 as destination_country,
        latest.negara_tujuan as destination_country_text,
        perekrut as recruiter_name_text,
        _file_sha256,
        _file_name,
        _delivery_date,
        _is_revisi,
        _row_number
    from latest
    left join countries as destination_country_lookup on destination_country_lookup.country_text = latest.negara_tujuan
)

select * from final
