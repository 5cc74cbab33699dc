-- Every event the village and regency measures count, one row per (measure, counted
-- unit), dated by the MARTS.md month rules and placed at the village/district/regency
-- its record resolves to (village may be NULL while the regency is known).
-- `unit_id` is what a measure counts distinctly (a placement, an application, a person);
-- `quantity` is summed instead for timpora_findings (jumlah_orang).
with placements as (
    select * from {{ ref('stg_bp3mi__placements') }}
),

passport_applications as (
    select * from {{ ref('stg_imigrasi__passport_applications') }}
),

departures as (
    select * from {{ ref('int_departures_classified') }}
),

tppo_cases as (
    select case_id, reported_date from {{ ref('stg_polda__tppo_cases') }}
),

case_parties as (
    select * from {{ ref('stg_polda__tppo_case_parties') }}
),

interdictions as (
    select interdiction_id, interdicted_at from {{ ref('stg_polda__interdictions') }}
),

interdicted_persons as (
    select * from {{ ref('stg_polda__interdicted_persons') }}
),

complaints as (
    select * from {{ ref('stg_bp3mi__complaints') }}
),

timpora_findings as (
    select * from {{ ref('stg_imigrasi__timpora_findings') }}
),

addresses as (
    select * from {{ ref('int_addresses_resolved') }}
),

linked as (
    select record_source, record_id, person_key from {{ ref('int_person_records_linked') }}
),

events as (
    select
        'procedural_placements' as measure,
        placement_id as unit_id,
        departure_date as event_date,
        1 as quantity,
        {{ address_key('desa', 'kecamatan', 'kabupaten', 'nik_district') }} as address_key
    from placements
    union all
    select
        'passport_applications', application_id, applied_date, 1,
        {{ address_key('desa', 'kecamatan', 'kabupaten', 'nik_district') }}
    from passport_applications
    union all
    -- by decision date; a DITUNDA without one counts at the delivery that reported it
    select
        'passport_postponements', application_id, coalesce(decided_date, _delivery_date), 1,
        {{ address_key('desa', 'kecamatan', 'kabupaten', 'nik_district') }}
    from passport_applications
    where application_status = 'DITUNDA'
    union all
    -- victims and interdicted persons: distinct persons (linked person key) per month
    select
        'tppo_victims',
        coalesce(linked.person_key, case_parties.party_id),
        tppo_cases.reported_date, 1,
        {{ address_key('case_parties.desa', 'case_parties.kecamatan', 'case_parties.kabupaten', 'case_parties.nik_district') }}
    from case_parties
    inner join tppo_cases using (case_id)
    left join linked
        on linked.record_source = 'TPPO_CASE_PARTY' and linked.record_id = case_parties.party_id
    where case_parties.party_role = 'KORBAN'
    union all
    select
        'interdicted_persons',
        coalesce(linked.person_key, interdicted_persons.interdicted_person_id),
        cast(interdictions.interdicted_at as date), 1,
        {{ address_key('interdicted_persons.desa', 'interdicted_persons.kecamatan', 'interdicted_persons.kabupaten', 'interdicted_persons.nik_district') }}
    from interdicted_persons
    inner join interdictions using (interdiction_id)
    left join linked
        on linked.record_source = 'INTERDICTED_PERSON'
        and linked.record_id = interdicted_persons.interdicted_person_id
    union all
    select
        'nonprocedural_complaints', complaint_id, reported_date, 1,
        {{ address_key('desa', 'kecamatan', 'kabupaten', 'nik_district') }}
    from complaints
    where procedural_status = 'NONPROSEDURAL' or is_tppo_indicated
    union all
    select
        'timpora_findings', finding_id, operation_date, coalesce(persons_found, 0),
        {{ address_key('desa', 'kecamatan', 'kabupaten', 'null') }}
    from timpora_findings
),

located as (
    select
        events.measure,
        events.unit_id,
        events.event_date,
        events.quantity,
        addresses.village_code,
        addresses.district_code,
        addresses.regency_code
    from events
    left join addresses using (address_key)
),

departure_events as (
    select
        'labour_destination_departures' as measure,
        crossing_id as unit_id,
        departure_date as event_date,
        1 as quantity,
        village_code,
        district_code,
        regency_code
    from departures
    where is_labour_destination
    union all
    select
        'suspected_nonprocedural_departures', crossing_id, departure_date, 1,
        village_code, district_code, regency_code
    from departures
    where classification = 'SUSPECTED_NONPROCEDURAL'
),

final as (
    select
        measure,
        unit_id,
        event_date,
        cast(date_trunc('month', event_date) as date) as event_month,
        quantity,
        village_code,
        district_code,
        regency_code
    from (
        select * from located
        union all
        select * from departure_events
    )
    where event_date is not null
)

select * from final
