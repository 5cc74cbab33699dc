-- One row per person (person key of int_person_records_linked) with the village they live
-- in: the most recent of their records whose address resolved to a village (ties: the
-- more confident resolution, then the record source and id, for determinism). Travellers
-- known by passport only have no village.
with linked as (
    select * from {{ ref('int_person_records_linked') }}
),

home as (
    select person_key, village_code, district_code, regency_code, record_source, observed_date
    from linked
    where village_code is not null
    qualify row_number() over (
        partition by person_key
        order by observed_date desc nulls last, address_confidence desc nulls last,
            record_source, record_id
    ) = 1
),

people as (
    select
        person_key,
        count(*) as n_records,
        count(*) filter (where record_source <> 'TRAVELLER') as n_resident_records,
        bool_or(nik_key is not null) as has_valid_nik,
        max(link_method = 'PROBABILISTIC') as is_probabilistically_linked,
        min(observed_date) as first_seen_date,
        max(observed_date) as last_seen_date
    from linked
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
        people.n_resident_records,
        people.has_valid_nik,
        people.is_probabilistically_linked,
        people.first_seen_date,
        people.last_seen_date
    from people
    left join home using (person_key)
)

select * from final
