-- Who holds a passport: one row per passport pseudonym (no_paspor_key) found on an
-- issued passport application (TERBIT) or on a BP3MI placement, with the holder's person
-- key and village. The newest evidence wins. person_key is the holder's NIK pseudonym
-- when their NIK is VALID, else the passport pseudonym itself; the village is the
-- person's home village (int_persons_located) or, lacking one, the record's own address.
with passport_applications as (
    select * from {{ ref('stg_imigrasi__passport_applications') }}
    where application_status = 'TERBIT' and passport_key is not null
),

placements as (
    select * from {{ ref('stg_bp3mi__placements') }}
    where passport_key is not null
),

addresses as (
    select * from {{ ref('int_addresses_resolved') }}
),

persons as (
    select * from {{ ref('int_persons_located') }}
),

evidence as (
    select
        passport_key,
        'PASSPORT_APPLICATION' as link_source,
        application_id as record_id,
        coalesce(decided_date, applied_date) as evidence_date,
        case when nik_status = 'VALID' then nik_key end as nik_key,
        {{ address_key('desa', 'kecamatan', 'kabupaten', 'nik_district') }} as address_key
    from passport_applications
    union all
    select
        passport_key,
        'PLACEMENT',
        placement_id,
        departure_date,
        case when nik_status = 'VALID' then nik_key end,
        {{ address_key('desa', 'kecamatan', 'kabupaten', 'nik_district') }}
    from placements
),

chosen as (
    select * from evidence
    qualify row_number() over (
        partition by passport_key
        order by (nik_key is not null) desc, evidence_date desc nulls last, link_source, record_id
    ) = 1
),

final as (
    select
        chosen.passport_key,
        coalesce(chosen.nik_key, chosen.passport_key) as person_key,
        chosen.nik_key is not null as is_nik_identified,
        chosen.link_source,
        case when persons.village_code is not null then persons.village_code else addresses.village_code end
            as village_code,
        case when persons.village_code is not null then persons.district_code else addresses.district_code end
            as district_code,
        case when persons.village_code is not null then persons.regency_code else addresses.regency_code end
            as regency_code
    from chosen
    left join persons on chosen.nik_key = persons.person_key
    left join addresses on chosen.address_key = addresses.address_key
)

select * from final
