{#-
    Every record that is about one person, from every feed, in one shape for linking
    (int_person_match_pairs, int_person_records_linked):

      PASSPORT_APPLICATION  an application (applicant)          NIK, passport (if issued), address
      PLACEMENT             a BP3MI placement (worker)           NIK, passport, address
      COMPLAINT             a BP3MI complaint (worker)           NIK, address
      TPPO_CASE_PARTY       a person of a police case, any role  NIK, address
      INTERDICTED_PERSON    a person of an interdiction          NIK, address
      TRAVELLER             one passport seen in the crossings   passport only (record_id =
                            (citizens, or nationality missing)   the passport pseudonym)

    A traveller is one record per passport, not per crossing: crossings are tied to their
    passport deterministically, and their name, birth date and sex are the most common
    values over that passport's crossings (ties: the alphabetically first).
    Identified data (names, birth dates, NIK blocks): restricted, never in a mart.
-#}
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

crossings as (
    select * from {{ ref('stg_imigrasi__border_crossings') }}
    where passport_key is not null and (nationality = 'IDN' or nationality is null)
),

addresses as (
    select * from {{ ref('int_addresses_resolved') }}
),

addressed_records as (
    select
        'PASSPORT_APPLICATION' as record_source,
        application_id as record_id,
        applied_date as observed_date,
        nik_status, nik_key, nik_block, nik_district, passport_key,
        person_name, birth_date, sex, desa, kecamatan, kabupaten
    from passport_applications
    union all
    select
        'PLACEMENT', placement_id, departure_date,
        nik_status, nik_key, nik_block, nik_district, passport_key,
        person_name, birth_date, sex, desa, kecamatan, kabupaten
    from placements
    union all
    select
        'COMPLAINT', complaint_id, reported_date,
        nik_status, nik_key, nik_block, nik_district, null,
        person_name, birth_date, sex, desa, kecamatan, kabupaten
    from complaints
    union all
    select
        'TPPO_CASE_PARTY', case_parties.party_id, tppo_cases.reported_date,
        nik_status, nik_key, nik_block, nik_district, null,
        person_name, birth_date, sex, desa, kecamatan, kabupaten
    from case_parties
    inner join tppo_cases using (case_id)
    union all
    select
        'INTERDICTED_PERSON', interdicted_persons.interdicted_person_id,
        cast(interdictions.interdicted_at as date),
        nik_status, nik_key, nik_block, nik_district, null,
        person_name, birth_date, sex, desa, kecamatan, kabupaten
    from interdicted_persons
    inner join interdictions using (interdiction_id)
),

addressed as (
    select
        addressed_records.record_source,
        addressed_records.record_id,
        addressed_records.observed_date,
        addressed_records.nik_status,
        case when addressed_records.nik_status = 'VALID' then addressed_records.nik_key end
            as nik_key,
        addressed_records.nik_block,
        addressed_records.passport_key,
        {{ normalise_full_name('addressed_records.person_name') }} as name_norm,
        addressed_records.birth_date,
        addressed_records.sex,
        addresses.village_code,
        addresses.district_code,
        addresses.regency_code,
        addresses.confidence as address_confidence
    from addressed_records
    left join addresses
        on {{ address_key('addressed_records.desa', 'addressed_records.kecamatan', 'addressed_records.kabupaten', 'addressed_records.nik_district') }}
            = addresses.address_key
),

traveller_names as (
    -- each passport's distinct names normalised once, not once per crossing
    select passport_key, {{ normalise_full_name('person_name') }} as name_norm,
        cast(sum(n) as bigint) as n
    from (select passport_key, person_name, count(*) as n from crossings group by all)
    group by all
),

traveller_births as (
    select passport_key, birth_date, count(*) as n
    from crossings
    where birth_date is not null
    group by all
),

traveller_sexes as (
    select passport_key, sex, count(*) as n
    from crossings
    where sex is not null
    group by all
),

travellers as (
    select
        passport_key,
        min(cast(crossed_at as date)) as first_crossed_date
    from crossings
    group by passport_key
),

traveller_records as (
    select
        'TRAVELLER' as record_source,
        travellers.passport_key as record_id,
        travellers.first_crossed_date as observed_date,
        'MISSING' as nik_status,
        null::varchar as nik_key,
        null::varchar as nik_block,
        travellers.passport_key,
        names.name_norm,
        births.birth_date,
        sexes.sex,
        null::varchar as village_code,
        null::varchar as district_code,
        null::varchar as regency_code,
        null::double as address_confidence
    from travellers
    left join (
        select passport_key, name_norm from traveller_names where name_norm is not null
        qualify row_number() over (partition by passport_key order by n desc, name_norm) = 1
    ) as names using (passport_key)
    left join (
        select passport_key, birth_date from traveller_births
        qualify row_number() over (partition by passport_key order by n desc, birth_date) = 1
    ) as births using (passport_key)
    left join (
        select passport_key, sex from traveller_sexes
        qualify row_number() over (partition by passport_key order by n desc, sex) = 1
    ) as sexes using (passport_key)
),

final as (
    select * from addressed
    union all
    select * from traveller_records
)

select * from final
