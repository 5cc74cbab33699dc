-- One row per identified person (VALID NIK -> keyed pseudonym) with the village they
-- live in: the most recent record whose address resolved to a village (ties: the more
-- confident resolution, then the record source and id, for determinism).
with person_addresses as (
    select * from {{ ref('int_person_addresses_unioned') }}
    where person_key is not null
),

home as (
    select person_key, village_code, district_code, regency_code, record_source, observed_date
    from person_addresses
    where village_code is not null
    qualify row_number() over (
        partition by person_key
        order by observed_date desc nulls last, confidence desc, record_source, record_id
    ) = 1
),

people as (
    select
        person_key,
        count(*) as n_records,
        min(observed_date) as first_seen_date,
        max(observed_date) as last_seen_date
    from person_addresses
    group by person_key
),

final as (
    select
        people.person_key,
        home.village_code,
        home.district_code,
        home.regency_code,
        home.record_source as village_source,
        home.observed_date as village_observed_date,
        people.n_records,
        people.first_seen_date,
        people.last_seen_date
    from people
    left join home using (person_key)
)

select * from final
