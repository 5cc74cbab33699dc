-- Complaints and cases of workers abroad, latest version per id_kasus.
with source as (
    select * from {{ source('bp3mi', 'bp3mi__pengaduan') }}
),

latest as (
    select * from source
    qualify {{ is_latest_version(['id_kasus']) }}
),

countries as (
    {{ country_resolution('latest', ['negara']) }}
),

final as (
    select
        id_kasus as complaint_id,
        tgl_lapor_date as reported_date,
        destination_country_lookup.iso3 as destination_country,
        latest.negara as destination_country_text,
        jenis_kasus as case_type,
        status_prosedural as procedural_status,
        indikasi_tppo = 'Y' as is_tppo_indicated,
        id_p3mi as agency_id,
        nama_perekrut as recruiter_name_text,
        {{ person_columns() }},
        {{ lineage_columns() }}
    from latest
    left join countries as destination_country_lookup on destination_country_lookup.country_text = latest.negara
)

select * from final
