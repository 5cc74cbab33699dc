-- Procedural placements of migrant workers, latest version per id_penempatan.
with source as (
    select * from {{ source('bp3mi', 'bp3mi__penempatan') }}
),

latest as (
    select * from source
    qualify {{ is_latest_version(['id_penempatan']) }}
),

countries as (
    {{ country_resolution('latest', ['negara_penempatan']) }}
),

final as (
    select
        id_penempatan as placement_id,
        tgl_keberangkatan_date as departure_date,
        tgl_akhir_kontrak_date as contract_end_date,
        destination_country_lookup.iso3 as destination_country,
        latest.negara_penempatan as destination_country_text,
        jabatan as job_title,
        sektor as sector,
        skema as scheme,
        id_p3mi as agency_id,
        {{ person_columns(passport=true) }},
        {{ lineage_columns() }}
    from latest
    left join countries as destination_country_lookup on destination_country_lookup.country_text = latest.negara_penempatan
)

select * from final
