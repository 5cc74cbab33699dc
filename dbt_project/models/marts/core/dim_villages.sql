-- The 2,642 Lampung villages with their district and regency (BPS codes and names), the
-- Kemendagri district code their residents' NIKs start with (reference.kemendagri_districts,
-- when that seed exists) and the other spellings the village resolution knows
-- (reference.place_aliases).
{%- set kemendagri = optional_relation('reference', 'kemendagri_districts') %}
with villages as (
    select * from {{ ref('bps_villages') }}
),

districts as (
    select * from {{ ref('bps_districts') }}
),

regencies as (
    select * from {{ ref('bps_regencies') }}
),

bridge as (
    {%- if kemendagri is not none %}
    select
        regexp_replace(cast(bps_district_code as varchar), '[^0-9]', '', 'g') as district_code,
        min(regexp_replace(cast(kemendagri_district_code as varchar), '[^0-9]', '', 'g'))
            as kemendagri_district_code
    from {{ kemendagri }}
    group by 1
    {%- else %}
    select null::varchar as district_code, null::varchar as kemendagri_district_code
    where false
    {%- endif %}
),

spellings as (
    select code as village_code, string_agg(alias, ' / ' order by alias) as other_spellings
    from {{ ref('place_aliases') }}
    where level = 'VILLAGE'
    group by code
),

final as (
    select
        villages.village_code,
        villages.village_name,
        villages.district_code,
        districts.district_name,
        districts.regency_code,
        regencies.regency_name,
        starts_with(regencies.regency_name, 'KOTA ') as is_city,
        bridge.kemendagri_district_code,
        spellings.other_spellings
    from villages
    inner join districts using (district_code)
    inner join regencies using (regency_code)
    left join bridge using (district_code)
    left join spellings using (village_code)
)

select * from final
order by village_code
