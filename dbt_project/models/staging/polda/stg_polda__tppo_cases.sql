-- TPPO case reports, latest version per nomor_lp (re-sent when `tahap` changes).
with source as (
    select * from {{ source('polda', 'polda__kasus_tppo') }}
),

latest as (
    select * from source
    qualify {{ is_latest_version(['nomor_lp']) }}
),

countries as (
    {{ country_resolution('latest', ['negara_tujuan']) }}
),

final as (
    select
        nomor_lp as case_id,
        tgl_lapor_date as reported_date,
        tgl_kejadian_date as incident_date,
        satuan as police_unit,
        modus as modus,
        destination_country_lookup.iso3 as destination_country,
        latest.negara_tujuan as destination_country_text,
        lokasi_kabupaten as regency_text,
        tahap as stage,
        diperbarui_pada_ts as updated_at,
        _file_sha256,
        _file_name,
        _delivery_date,
        _is_revisi,
        _row_number
    from latest
    left join countries as destination_country_lookup on destination_country_lookup.country_text = latest.negara_tujuan
)

select * from final
