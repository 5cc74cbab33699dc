-- TPPO case reports, latest version per nomor_lp (re-sent when `tahap` changes).
with source as (
    select * from {{ source('polda', 'polda__kasus_tppo') }}
),

latest as (
    select * from source
    qualify {{ is_latest_version(['nomor_lp']) }}
),

final as (
    select
        nomor_lp as case_id,
        tgl_lapor_date as reported_date,
        tgl_kejadian_date as incident_date,
        satuan as police_unit,
        modus as modus,
        negara_tujuan_iso3 as destination_country,
        lokasi_kabupaten as regency_text,
        tahap as stage,
        diperbarui_pada_ts as updated_at,
        _file_sha256,
        _file_name,
        _delivery_date,
        _is_revisi,
        _row_number
    from latest
)

select * from final
