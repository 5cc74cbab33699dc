-- The 2,642 Lampung villages with their district and regency (BPS codes and names).
with villages as (
    select * from {{ ref('bps_villages') }}
),

districts as (
    select * from {{ ref('bps_districts') }}
),

regencies as (
    select * from {{ ref('bps_regencies') }}
),

final as (
    select
        villages.village_code,
        villages.village_name,
        villages.district_code,
        districts.district_name,
        districts.regency_code,
        regencies.regency_name,
        starts_with(regencies.regency_name, 'KOTA ') as is_city
    from villages
    inner join districts using (district_code)
    inner join regencies using (regency_code)
)

select * from final
order by village_code
