-- Interdicted non-procedural departures, latest version per id_penggagalan.
with source as (
    select * from {{ source('polda', 'polda__penggagalan') }}
),

latest as (
    select * from source
    qualify {{ is_latest_version(['id_penggagalan']) }}
),

final as (
    select
        id_penggagalan as interdiction_id,
        waktu_ts as interdicted_at,
        lokasi as location_text,
        negara_tujuan_iso3 as destination_country,
        perekrut as recruiter_name_text,
        _file_sha256,
        _file_name,
        _delivery_date,
        _is_revisi,
        _row_number
    from latest
)

select * from final
