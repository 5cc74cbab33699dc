-- Passport applications, latest version per no_permohonan (an application arrives as
-- PROSES and is re-sent when decided).
with source as (
    select * from {{ source('imigrasi', 'imigrasi__paspor') }}
),

latest as (
    select * from source
    qualify {{ is_latest_version(['no_permohonan']) }}
),

countries as (
    {{ country_resolution('latest', ['negara_tujuan']) }}
),

final as (
    select
        no_permohonan as application_id,
        kode_kantor as office_code,
        tgl_permohonan_date as applied_date,
        tgl_keputusan_date as decided_date,
        status as application_status,
        tujuan_permohonan as travel_purpose,
        destination_country_lookup.iso3 as destination_country,
        latest.negara_tujuan as destination_country_text,
        alasan_penundaan as postponement_reason,
        {{ person_columns(passport=true) }},
        {{ lineage_columns() }}
    from latest
    left join countries as destination_country_lookup on destination_country_lookup.country_text = latest.negara_tujuan
)

select * from final
