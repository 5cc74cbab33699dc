-- Foreign nationals' residence permits, latest version per no_izin.
with source as (
    select * from {{ source('imigrasi', 'imigrasi__wna') }}
),

latest as (
    select * from source
    qualify {{ is_latest_version(['no_izin']) }}
),

countries as (
    {{ country_resolution('latest', ['kewarganegaraan']) }}
),

final as (
    select
        no_izin as permit_id,
        jenis_izin as permit_type,
        no_paspor_key as passport_key,
        nationality_lookup.iso3 as nationality,
        latest.kewarganegaraan as nationality_text,
        berlaku_dari_date as valid_from_date,
        berlaku_sampai_date as valid_until_date,
        status as permit_status,
        penjamin as sponsor_name,
        {{ person_columns(nik=false) }},
        {{ lineage_columns() }}
    from latest
    left join countries as nationality_lookup on nationality_lookup.country_text = latest.kewarganegaraan
)

select * from final
