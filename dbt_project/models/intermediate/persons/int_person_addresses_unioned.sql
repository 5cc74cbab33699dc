-- Every address a person was recorded at, from every feed that carries a NIK and an
-- address, with the record's date and the resolved village. person_key is the ingest's
-- keyed NIK pseudonym (nik_key) when the NIK is VALID, else NULL (the record still
-- counts for its village, but it cannot be linked to other records by NIK).
with passport_applications as (
    select * from {{ ref('stg_imigrasi__passport_applications') }}
),

placements as (
    select * from {{ ref('stg_bp3mi__placements') }}
),

complaints as (
    select * from {{ ref('stg_bp3mi__complaints') }}
),

case_parties as (
    select * from {{ ref('stg_polda__tppo_case_parties') }}
),

tppo_cases as (
    select case_id, reported_date from {{ ref('stg_polda__tppo_cases') }}
),

interdicted_persons as (
    select * from {{ ref('stg_polda__interdicted_persons') }}
),

interdictions as (
    select interdiction_id, interdicted_at from {{ ref('stg_polda__interdictions') }}
),

addresses as (
    select * from {{ ref('int_addresses_resolved') }}
),

records as (
    select
        'PASSPORT_APPLICATION' as record_source,
        application_id as record_id,
        coalesce(decided_date, applied_date) as observed_date,
        nik_status, nik_key, desa, kecamatan, kabupaten, nik_district
    from passport_applications
    union all
    select
        'PLACEMENT', placement_id, departure_date,
        nik_status, nik_key, desa, kecamatan, kabupaten, nik_district
    from placements
    union all
    select
        'COMPLAINT', complaint_id, reported_date,
        nik_status, nik_key, desa, kecamatan, kabupaten, nik_district
    from complaints
    union all
    select
        'TPPO_CASE_PARTY', case_parties.party_id, tppo_cases.reported_date,
        nik_status, nik_key, desa, kecamatan, kabupaten, nik_district
    from case_parties
    inner join tppo_cases using (case_id)
    union all
    select
        'INTERDICTION', interdicted_persons.interdicted_person_id,
        cast(interdictions.interdicted_at as date),
        nik_status, nik_key, desa, kecamatan, kabupaten, nik_district
    from interdicted_persons
    inner join interdictions using (interdiction_id)
),

final as (
    select
        records.record_source,
        records.record_id,
        records.observed_date,
        case when records.nik_status = 'VALID' then records.nik_key end as person_key,
        addresses.address_key,
        addresses.village_code,
        addresses.district_code,
        addresses.regency_code,
        addresses.resolution_method,
        addresses.confidence
    from records
    left join addresses
        on {{ address_key('records.desa', 'records.kecamatan', 'records.kabupaten', 'records.nik_district') }}
            = addresses.address_key
)

select * from final
