{#-
    One row per departure (KEBERANGKATAN) of an Indonesian citizen, classified. The
    MARTS.md baseline, improved with evidence measured on synthetic truth (README, "How
    well it works"); the first rule that applies decides, and its words are kept in
    classification_reason (classification_rule is its short code):

      P   PROCEDURAL               a BP3MI placement of the same person (same person key:
                                   NIK, passport or a probabilistic link) to the same
                                   country (or where either record's country is unknown)
                                   departing within var('placement_window_days');
      U1  UNRESOLVED               no passport number on the crossing: nobody to follow;
      N1  NON_LABOUR               the destination is known and not a labour destination
                                   (not listed as one in the countries seed);
      S1  SUSPECTED_NONPROCEDURAL  labour destination or destination unknown, and
                                   adverse evidence about the person up to the departure: a
                                   passport application postponed (DITUNDA), applications at
                                   two or more offices after a postponement or refusal, a
                                   NONPROSEDURAL/TPPO complaint, a TPPO case as victim, an
                                   interdiction (at any time: records about the same trip
                                   often come later);
      N2  NON_LABOUR               back within var('return_window_days') (60; the
                                   baseline's 30 days call hajj (~40 days) and family visits
                                   labour migration), whatever the destination;
      N3  NON_LABOUR               the person's latest application before the departure
                                   states a purpose in var('non_labour_purposes') (hajj,
                                   study, medical, official) and the absence fits it: back
                                   (or, not back yet, away so far) within the purpose's
                                   documented maximum (seed purpose_max_absence);
      N4  NON_LABOUR (provisional) not back, but away for less than
                                   var('min_absence_days') as of the newest crossing: an
                                   absence that short says nothing yet; re-judged later;
      U2  UNRESOLVED               destination country unknown (no country text, or one
                                   that no rule maps: marts.mart_unmapped_values) and none
                                   of the rules above decides;
      S3  SUSPECTED_NONPROCEDURAL  labour destination, no placement, not back within the
                                   return window, and the stated non-labour purpose does not
                                   fit the absence: away longer than its maximum (overstaying
                                   a hajj, study or visit visa to work is a known
                                   non-procedural route);
      S2  SUSPECTED_NONPROCEDURAL  labour destination, no placement, not back within the
                                   return window (or, while the window is still open, away
                                   at least var('min_absence_days') so far); the reason adds
                                   when a stated purpose with a maximum (UMROH, WISATA...)
                                   does not fit the absence.

    The absence (absence_days): days from the departure to the passport's first arrival
    before its next departure; without a recorded arrival, to the next departure (the
    traveller came back unrecorded); still away: to the newest crossing.

    A traveller known by passport only (passport issued before the data starts, never on
    an application, placement, complaint or police record) is judged on their crossings
    like anyone else (the baseline called them UNRESOLVED); their village stays NULL and
    is_linked is false.
    Citizens: nationality IDN (a crossing without a known nationality takes the one its
    passport's other crossings give), or nationality still unknown but the passport is on
    a resident's record.
-#}
{%- set placement_window = var('placement_window_days') -%}
{%- set return_window = var('return_window_days') -%}
{%- set min_absence = var('min_absence_days') -%}

with crossings as (
    select * from {{ ref('stg_imigrasi__border_crossings') }}
),

linked as (
    select * from {{ ref('int_person_records_linked') }}
),

persons as (
    select * from {{ ref('int_persons_located') }}
),

placements as (
    select * from {{ ref('stg_bp3mi__placements') }}
    where departure_date is not null
),

applications as (
    select * from {{ ref('stg_imigrasi__passport_applications') }}
),

complaints as (
    select * from {{ ref('stg_bp3mi__complaints') }}
),

case_parties as (
    select * from {{ ref('stg_polda__tppo_case_parties') }}
),

countries as (
    select iso3, is_labour_destination from {{ ref('countries') }}
),

purpose_limits as (
    select purpose, max_absence_days from {{ ref('purpose_max_absence') }}
),

identifier_groups as (
    -- resident records (not crossings) that the identifiers alone tie to each group
    select identifier_key, count(*) filter (where record_source <> 'TRAVELLER') as residents
    from linked
    group by identifier_key
),

travellers as (
    select
        linked.record_id as passport_key,
        linked.person_key,
        case
            when identifier_groups.residents > 0 then 'PASSPORT'
            else 'PROBABILISTIC'
        end as link_method
    from linked
    left join identifier_groups using (identifier_key)
    where linked.record_source = 'TRAVELLER'
),

newest_crossing as (
    select max(crossed_at) as newest_crossed_at from crossings
),

passport_nationalities as (
    -- a crossing whose nationality is missing or unmapped takes the one its passport's
    -- other crossings give most often (ties: the lowest code)
    select passport_key, nationality
    from (
        select passport_key, nationality, count(*) as n
        from crossings
        where passport_key is not null and nationality is not null
        group by passport_key, nationality
    )
    qualify row_number() over (partition by passport_key order by n desc, nationality) = 1
),

departures as (
    select
        crossings.crossing_id,
        crossings.checkpoint_code,
        crossings.crossed_at as departed_at,
        crossings.country as destination_country,
        crossings.passport_key,
        travellers.person_key,
        travellers.link_method,
        coalesce(persons.n_resident_records, 0) > 0 as is_linked,
        persons.village_code,
        persons.district_code,
        persons.regency_code,
        countries.is_labour_destination
    from crossings
    left join travellers using (passport_key)
    left join persons using (person_key)
    left join countries on crossings.country = countries.iso3
    left join passport_nationalities using (passport_key)
    where crossings.direction = 'KEBERANGKATAN'
      and crossings.crossed_at is not null
      and (
        coalesce(crossings.nationality, passport_nationalities.nationality) = 'IDN'
        or (
            coalesce(crossings.nationality, passport_nationalities.nationality) is null
            and coalesce(persons.n_resident_records, 0) > 0
        )
      )
),

-- the person behind every placement, application and adverse record -------------------
placement_people as (
    select placements.placement_id, placements.destination_country,
        placements.departure_date, linked.person_key
    from placements
    inner join linked
        on linked.record_source = 'PLACEMENT' and linked.record_id = placements.placement_id
),

application_people as (
    select applications.*, linked.person_key
    from applications
    inner join linked
        on linked.record_source = 'PASSPORT_APPLICATION'
        and linked.record_id = applications.application_id
),

adverse_records as (
    select linked.person_key, 'a NONPROSEDURAL or TPPO complaint' as evidence
    from complaints
    inner join linked
        on linked.record_source = 'COMPLAINT' and linked.record_id = complaints.complaint_id
    where complaints.procedural_status = 'NONPROSEDURAL' or complaints.is_tppo_indicated
    union all
    select linked.person_key, 'a TPPO case as victim'
    from case_parties
    inner join linked
        on linked.record_source = 'TPPO_CASE_PARTY' and linked.record_id = case_parties.party_id
    where case_parties.party_role = 'KORBAN'
    union all
    select person_key, 'an interdiction'
    from linked
    where record_source = 'INTERDICTED_PERSON'
),

placement_matches as (
    -- the placement nearest in time to the crossing, to the same country or where either
    -- country is unknown (unmapped or missing: the person and the dates still match);
    -- ties: a known same country first, then the lowest placement id
    select
        departures.crossing_id,
        placement_people.placement_id,
        placement_people.destination_country as placement_country,
        abs(date_diff('day', placement_people.departure_date, cast(departures.departed_at as date)))
            as placement_gap_days
    from departures
    inner join placement_people
        on placement_people.person_key = departures.person_key
        and (
            placement_people.destination_country = departures.destination_country
            or placement_people.destination_country is null
            or departures.destination_country is null
        )
    where abs(date_diff('day', placement_people.departure_date, cast(departures.departed_at as date)))
        <= {{ placement_window }}
    qualify row_number() over (
        partition by departures.crossing_id
        order by placement_gap_days,
            placement_people.destination_country is not distinct from departures.destination_country desc,
            placement_people.placement_id
    ) = 1
),

application_evidence as (
    -- what the person's applications up to the departure say
    select
        departures.crossing_id,
        count(*) filter (where application_people.application_status = 'DITUNDA')
            as postponements,
        count(distinct application_people.office_code) as offices,
        count(*) filter (where application_people.application_status in ('DITUNDA', 'DITOLAK'))
            as postponed_or_refused,
        arg_max(application_people.travel_purpose,
            application_people.applied_date::varchar || application_people.application_id)
            as stated_purpose,
        arg_max(application_people.application_id,
            application_people.applied_date::varchar || application_people.application_id)
            as purpose_application_id
    from departures
    inner join application_people
        on application_people.person_key = departures.person_key
        and application_people.applied_date <= cast(departures.departed_at as date)
    group by departures.crossing_id
),

record_evidence as (
    select departures.crossing_id, string_agg(distinct adverse_records.evidence, ', '
        order by adverse_records.evidence) as adverse_records
    from departures
    inner join adverse_records using (person_key)
    group by departures.crossing_id
),

passport_departures as (
    -- each departure of a passport with the passport's next departure (ties: crossing id)
    select
        crossing_id,
        lead(crossed_at) over (
            partition by passport_key order by crossed_at, crossing_id
        ) as next_departed_at
    from crossings
    where direction = 'KEBERANGKATAN' and passport_key is not null and crossed_at is not null
),

trip_ends as (
    -- the end of the trip, however long: the first arrival before the next departure,
    -- else the next departure (back unrecorded); NULL while still away
    select
        departures.crossing_id,
        coalesce(min(arrivals.crossed_at), any_value(passport_departures.next_departed_at))
            as trip_ended_at
    from departures
    inner join passport_departures using (crossing_id)
    left join crossings as arrivals
        on arrivals.direction = 'KEDATANGAN'
        and arrivals.passport_key = departures.passport_key
        and arrivals.crossed_at > departures.departed_at
        -- no OR here: it would keep DuckDB from hashing on the passport (a nested loop
        -- over all crossings, 80 s at scale 1.0)
        and arrivals.crossed_at
            <= coalesce(passport_departures.next_departed_at, 'infinity'::timestamp)
    group by departures.crossing_id
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
        placement_matches.placement_country,
        return_matches.returned_at,
        return_matches.returned_at is not null as has_returned,
        date_diff('day', departures.departed_at, return_matches.returned_at) as days_away,
        date_diff('day', departures.departed_at, newest_crossing.newest_crossed_at)
            as days_observed,
        return_matches.returned_at is null
            and departures.departed_at
                > newest_crossing.newest_crossed_at - interval '{{ return_window }} days'
            as is_return_window_open,
        newest_crossing.newest_crossed_at,
        trip_ends.trip_ended_at is not null as has_trip_ended,
        date_diff('day', departures.departed_at,
            coalesce(trip_ends.trip_ended_at, newest_crossing.newest_crossed_at)) as absence_days,
        purpose_limits.max_absence_days as purpose_max_absence_days,
        coalesce(application_evidence.stated_purpose in (
                {%- for p in var('non_labour_purposes') %}'{{ p }}'{{ ', ' if not loop.last }}{% endfor -%}
            ), false) as is_non_labour_purpose,
        coalesce(application_evidence.postponements, 0) as postponements,
        coalesce(application_evidence.offices, 0) as offices,
        coalesce(application_evidence.postponed_or_refused, 0) as postponed_or_refused,
        application_evidence.stated_purpose,
        application_evidence.purpose_application_id,
        record_evidence.adverse_records,
        nullif(concat_ws('; ',
            case when application_evidence.postponements > 0 then
                application_evidence.postponements || ' passport application(s) postponed' end,
            case when application_evidence.postponed_or_refused > 0
                    and application_evidence.offices >= 2 then
                'applied at ' || application_evidence.offices
                || ' offices after a postponement or refusal' end,
            record_evidence.adverse_records
        ), '') as adverse_evidence
    from departures
    cross join newest_crossing
    left join placement_matches using (crossing_id)
    left join return_matches using (crossing_id)
    left join application_evidence using (crossing_id)
    left join record_evidence using (crossing_id)
    left join trip_ends using (crossing_id)
    left join purpose_limits on purpose_limits.purpose = application_evidence.stated_purpose
),

ruled as (
    select
        *,
        case
            when matched_placement_id is not null then 'P'
            when passport_key is null then 'U1'
            when destination_country is not null and not coalesce(is_labour_destination, false)
                then 'N1'
            when adverse_evidence is not null then 'S1'
            when has_returned then 'N2'
            when is_non_labour_purpose and absence_days <= purpose_max_absence_days then 'N3'
            when is_return_window_open and days_observed < {{ min_absence }} then 'N4'
            when destination_country is null then 'U2'
            when is_non_labour_purpose then 'S3'
            else 'S2'
        end as classification_rule
    from judged
),

worded as (
    select
        *,
        case
            when has_trip_ended then 'back after ' || absence_days || ' days'
            else 'away ' || absence_days || ' days as of ' || strftime(newest_crossed_at, '%Y-%m-%d')
        end as absence_words
    from ruled
),

final as (
    select
        crossing_id,
        checkpoint_code,
        departed_at,
        cast(departed_at as date) as departure_date,
        cast(date_trunc('month', departed_at) as date) as departure_month,
        destination_country,
        person_key,
        is_linked,
        case
            when passport_key is null then 'NONE'
            when is_linked then link_method
            else 'PASSPORT_ONLY'
        end as link_source,
        village_code,
        district_code,
        regency_code,
        coalesce(is_labour_destination, false) as is_labour_destination,
        matched_placement_id,
        has_returned,
        returned_at,
        cast(days_away as integer) as days_away,
        cast(absence_days as integer) as absence_days,
        is_return_window_open,
        stated_purpose,
        cast(purpose_max_absence_days as integer) as purpose_max_absence_days,
        cast(postponements as integer) as postponements,
        cast(offices as integer) as offices,
        adverse_evidence,
        classification_rule,
        case classification_rule
            when 'P' then 'PROCEDURAL'
            when 'U1' then 'UNRESOLVED'
            when 'U2' then 'UNRESOLVED'
            when 'S1' then 'SUSPECTED_NONPROCEDURAL'
            when 'S2' then 'SUSPECTED_NONPROCEDURAL'
            when 'S3' then 'SUSPECTED_NONPROCEDURAL'
            else 'NON_LABOUR'
        end as classification,
        case classification_rule
            when 'P' then
                'BP3MI placement ' || matched_placement_id || ' to '
                || coalesce(destination_country, placement_country, 'a country not known')
                || ' departing ' || placement_gap_days || ' day(s) from the crossing'
                || case
                    when destination_country is null or placement_country is null
                        then ' (the other record names no known country)'
                    else ''
                end
            when 'U1' then 'no passport number on the crossing: the traveller cannot be followed'
            when 'U2' then 'destination country unknown'
            when 'N1' then 'destination ' || destination_country || ' is not a labour destination'
            when 'S1' then
                coalesce('labour destination ' || destination_country, 'destination unknown')
                || ', no placement; adverse evidence: ' || adverse_evidence
            when 'N2' then
                coalesce('labour destination ' || destination_country, 'destination unknown')
                || ' but back after ' || days_away || ' day(s)'
            when 'N3' then
                'stated purpose ' || stated_purpose || ' (application ' || purpose_application_id
                || '), ' || absence_words || ', within its ' || purpose_max_absence_days
                || '-day maximum; no adverse evidence'
            when 'N4' then
                'away ' || days_observed || ' day(s) as of '
                || strftime(newest_crossed_at, '%Y-%m-%d')
                || ': too early to judge, no adverse evidence (re-judged on later runs)'
            else
                'labour destination ' || destination_country
                || ', no placement within {{ placement_window }} days, not back within {{ return_window }} days'
                || case
                    when is_return_window_open then
                        ' (window open: away ' || days_observed || ' day(s) as of '
                        || strftime(newest_crossed_at, '%Y-%m-%d') || ')'
                    else ''
                end
                || case
                    when absence_days > purpose_max_absence_days then
                        '; stated ' || stated_purpose || ' (application ' || purpose_application_id
                        || ') but ' || absence_words || ', over the ' || purpose_max_absence_days
                        || '-day maximum'
                    else ''
                end
                || case when not is_linked then '; traveller known by passport only' else '' end
        end as classification_reason
    from worded
)

select * from final
