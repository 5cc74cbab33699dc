{#-
    One row per departure (KEBERANGKATAN) of an Indonesian citizen, classified per the
    MARTS.md baseline, first rule that applies:
      PROCEDURAL              a BP3MI placement of the same person (same passport, or
                              same NIK pseudonym) to the same country whose departure
                              date is within var('placement_window_days') of the crossing;
      UNRESOLVED              the passport is on no issued application and no placement:
                              the traveller cannot be linked to an applicant or resident;
      SUSPECTED_NONPROCEDURAL destination is a labour destination (countries seed,
                              is_labour_destination) and no KEDATANGAN of the same passport
                              within var('return_window_days') after departing. A departure
                              less than that before the newest crossing in the data is
                              judged on what is known (is_return_window_open) and re-judged
                              on later runs;
      NON_LABOUR              any other identified departure.
    Citizens: nationality IDN, or nationality missing but the passport is linked.
-#}
{%- set placement_window = var('placement_window_days') -%}
{%- set return_window = var('return_window_days') -%}

with crossings as (
    select * from {{ ref('stg_imigrasi__border_crossings') }}
),

passports as (
    select * from {{ ref('int_passports_linked') }}
),

placements as (
    select
        placement_id,
        passport_key,
        case when nik_status = 'VALID' then nik_key end as nik_key,
        destination_country,
        departure_date
    from {{ ref('stg_bp3mi__placements') }}
    where departure_date is not null
),

countries as (
    select iso3, is_labour_destination from {{ ref('countries') }}
),

newest_crossing as (
    select max(crossed_at) as newest_crossed_at from crossings
),

departures as (
    select
        crossings.crossing_id,
        crossings.checkpoint_code,
        crossings.crossed_at as departed_at,
        crossings.country as destination_country,
        crossings.passport_key,
        passports.passport_key is not null as is_linked,
        passports.person_key,
        passports.is_nik_identified,
        passports.link_source,
        passports.village_code,
        passports.district_code,
        passports.regency_code,
        coalesce(countries.is_labour_destination, false) as is_labour_destination
    from crossings
    left join passports on crossings.passport_key = passports.passport_key
    left join countries on crossings.country = countries.iso3
    where crossings.direction = 'KEBERANGKATAN'
      and crossings.crossed_at is not null
      and (
        crossings.nationality = 'IDN'
        or (crossings.nationality is null and passports.passport_key is not null)
      )
),

placement_candidates as (
    -- the same person: the same passport, or the same NIK pseudonym (two equi-joins, not
    -- one OR join, so that DuckDB can hash-join at scale)
    select departures.crossing_id, departures.departed_at, placements.placement_id,
        placements.departure_date
    from departures
    inner join placements
        on placements.passport_key = departures.passport_key
        and placements.destination_country = departures.destination_country
    union
    select departures.crossing_id, departures.departed_at, placements.placement_id,
        placements.departure_date
    from departures
    inner join placements
        on placements.nik_key = departures.person_key
        and placements.destination_country = departures.destination_country
    where departures.is_nik_identified
),

placement_matches as (
    -- the placement nearest in time to the crossing (ties: lowest placement id)
    select
        crossing_id,
        placement_id,
        abs(date_diff('day', departure_date, cast(departed_at as date))) as placement_gap_days
    from placement_candidates
    where abs(date_diff('day', departure_date, cast(departed_at as date))) <= {{ placement_window }}
    qualify row_number() over (
        partition by crossing_id
        order by abs(date_diff('day', departure_date, cast(departed_at as date))), placement_id
    ) = 1
),

return_matches as (
    select
        departures.crossing_id,
        min(arrivals.crossed_at) as returned_at
    from departures
    inner join crossings as arrivals
        on arrivals.direction = 'KEDATANGAN'
        and arrivals.passport_key = departures.passport_key
        and arrivals.crossed_at > departures.departed_at
        and arrivals.crossed_at <= departures.departed_at + interval '{{ return_window }} days'
    group by departures.crossing_id
),

judged as (
    select
        departures.*,
        placement_matches.placement_id as matched_placement_id,
        placement_matches.placement_gap_days,
        return_matches.returned_at,
        return_matches.returned_at is not null as has_returned,
        return_matches.returned_at is null
            and departures.departed_at
                > newest_crossing.newest_crossed_at - interval '{{ return_window }} days'
            as is_return_window_open,
        newest_crossing.newest_crossed_at
    from departures
    cross join newest_crossing
    left join placement_matches using (crossing_id)
    left join return_matches using (crossing_id)
),

final as (
    select
        crossing_id,
        checkpoint_code,
        departed_at,
        cast(departed_at as date) as departure_date,
        cast(date_trunc('month', departed_at) as date) as departure_month,
        destination_country,
        coalesce(person_key, passport_key) as person_key,
        is_linked,
        link_source,
        village_code,
        district_code,
        regency_code,
        is_labour_destination,
        matched_placement_id,
        has_returned,
        returned_at,
        is_return_window_open,
        case
            when matched_placement_id is not null then 'PROCEDURAL'
            when not is_linked then 'UNRESOLVED'
            when is_labour_destination and not has_returned then 'SUSPECTED_NONPROCEDURAL'
            else 'NON_LABOUR'
        end as classification,
        case
            when matched_placement_id is not null then
                'BP3MI placement ' || matched_placement_id || ' to ' || destination_country
                || ' departing ' || placement_gap_days || ' day(s) from the crossing'
            when passport_key is null then 'no passport number on the crossing'
            when not is_linked then
                'passport on no issued application and no placement: traveller not linked'
            when is_labour_destination and not has_returned then
                'labour destination ' || destination_country
                || ', no placement within {{ placement_window }} days, no return within {{ return_window }} days'
                || case
                    when is_return_window_open then
                        ' (window open: judged on crossings up to '
                        || strftime(newest_crossed_at, '%Y-%m-%d') || ')'
                    else ''
                end
            when is_labour_destination then
                'labour destination ' || destination_country || ' but returned after '
                || date_diff('day', departed_at, returned_at) || ' day(s)'
            when destination_country is null then 'destination country unknown'
            else 'destination ' || destination_country || ' is not a labour destination'
        end as classification_reason
    from judged
)

select * from final
