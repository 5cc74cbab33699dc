-- One row per informal recruiter (a name cluster of int_recruiter_mentions_clustered),
-- shown by its most common alias, with what the mentioning records show (villages,
-- complaints, victims, interdictions, TPPO cases, spellings, regencies), in the columns
-- of mart_recruiter_watchlist. Suspects' names: restricted; only the watchlist shows
-- them, to the analysts' team.
with mentions as (
    select * from {{ ref('int_recruiter_mentions_clustered') }}
),

interdicted_persons as (
    select * from {{ ref('stg_polda__interdicted_persons') }}
),

case_parties as (
    select * from {{ ref('stg_polda__tppo_case_parties') }}
),

addresses as (
    select address_key, village_code from {{ ref('int_addresses_resolved') }}
),

complaint_records as (
    select * from {{ ref('int_recruiter_complaints_located') }}
),

informal_records as (
    select
        mentions.recruiter_key,
        mentions.mention_source as record_type,
        mentions.record_id,
        mentions.mention_date as seen_date,
        complaint_records.victim_id,
        complaint_records.village_code
    from mentions
    inner join complaint_records on mentions.record_id = complaint_records.complaint_id
    where mentions.mention_source = 'COMPLAINT'
    union all
    select
        mentions.recruiter_key,
        mentions.mention_source,
        mentions.record_id,
        mentions.mention_date,
        coalesce(
            case when interdicted_persons.nik_status = 'VALID' then interdicted_persons.nik_key end,
            'INTERDICTION#' || interdicted_persons.interdicted_person_id
        ),
        addresses.village_code
    from mentions
    left join interdicted_persons on mentions.record_id = interdicted_persons.interdiction_id
    left join addresses
        on {{ address_key('interdicted_persons.desa', 'interdicted_persons.kecamatan', 'interdicted_persons.kabupaten', 'interdicted_persons.nik_district') }}
            = addresses.address_key
    where mentions.mention_source = 'INTERDICTION'
    union all
    select
        mentions.recruiter_key,
        mentions.mention_source,
        mentions.record_id,
        mentions.mention_date,
        coalesce(
            case when case_parties.nik_status = 'VALID' then case_parties.nik_key end,
            'CASE#' || case_parties.party_id
        ),
        addresses.village_code
    from mentions
    left join case_parties
        on mentions.record_id = case_parties.case_id
        and case_parties.party_role = 'KORBAN'
    left join addresses
        on {{ address_key('case_parties.desa', 'case_parties.kecamatan', 'case_parties.kabupaten', 'case_parties.nik_district') }}
            = addresses.address_key
    where mentions.mention_source = 'TPPO_CASE'
),

informal_stats as (
    select
        recruiter_key,
        count(distinct village_code) as villages_reached,
        count(distinct record_id) filter (where record_type = 'COMPLAINT') as linked_complaints,
        count(distinct victim_id) as victims,
        count(distinct record_id) filter (where record_type = 'INTERDICTION') as interdictions,
        count(distinct record_id) filter (where record_type = 'TPPO_CASE') as tppo_cases,
        min(seen_date) as first_seen_date,
        max(seen_date) as last_seen_date
    from informal_records
    group by recruiter_key
),

aliases as (
    select
        recruiter_key,
        count(*) as name_mentions,
        count(distinct mentioned_name) as spellings,
        count(distinct mention_regency_code) as regencies_mentioned,
        -- the most common spelling; ties: alphabetical
        arg_max(mentioned_name, alias_weight) as recruiter_name
    from (
        select
            recruiter_key,
            mentioned_name,
            mention_regency_code,
            count(*) over (partition by recruiter_key, mentioned_name) * 1000000
                - dense_rank() over (partition by recruiter_key order by mentioned_name)
                as alias_weight
        from mentions
    )
    group by recruiter_key
),

informal as (
    select
        aliases.recruiter_key,
        'INFORMAL' as recruiter_type,
        null::varchar as agency_id,
        aliases.recruiter_name,
        null::varchar as licence_status,
        null::date as licence_status_date,
        null::varchar as licence_number,
        false as is_in_latest_register,
        coalesce(informal_stats.villages_reached, 0) as villages_reached,
        coalesce(informal_stats.linked_complaints, 0) as linked_complaints,
        coalesce(informal_stats.victims, 0) as victims,
        coalesce(informal_stats.interdictions, 0) as interdictions,
        coalesce(informal_stats.tppo_cases, 0) as tppo_cases,
        0 as placements,
        aliases.name_mentions,
        informal_stats.first_seen_date,
        informal_stats.last_seen_date,
        0 as licence_changes,
        false as was_ever_suspended_or_revoked,
        null::date as last_suspended_or_revoked_on,
        0 as placements_while_not_active,
        aliases.regencies_mentioned,
        aliases.spellings
    from aliases
    left join informal_stats using (recruiter_key)
)

select * from informal
