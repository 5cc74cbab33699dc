-- One row per recruiter: licensed P3MI (by id_p3mi, licence status from the newest
-- register snapshot, licence history from stg_bp3mi__recruitment_agency_history) and
-- informal recruiters (name clusters of int_recruiter_mentions_clustered, shown by their
-- most common alias; how many spellings were seen, not which: the other aliases stay in
-- the restricted int_recruiter_mentions_clustered). For the analysts'
-- team only: informal recruiters are suspects; never copy this mart to the dashboards.
-- Victims: distinct persons harmed in the linked records: complainants of linked
-- complaints that are NONPROSEDURAL or TPPO-indicated, persons of linked interdictions,
-- KORBAN of linked TPPO cases (NIK pseudonym when valid, else the record's person).
with agencies as (
    select * from {{ ref('stg_bp3mi__recruitment_agencies') }}
),

licence_history as (
    select * from {{ ref('stg_bp3mi__recruitment_agency_history') }}
),

placements as (
    select * from {{ ref('stg_bp3mi__placements') }}
),

complaints as (
    select * from {{ ref('stg_bp3mi__complaints') }}
),

mentions as (
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
    select
        complaints.complaint_id,
        complaints.agency_id,
        complaints.reported_date,
        case
            when complaints.procedural_status = 'NONPROSEDURAL' or complaints.is_tppo_indicated
                then coalesce(
                    case when complaints.nik_status = 'VALID' then complaints.nik_key end,
                    'COMPLAINT#' || complaints.complaint_id
                )
        end as victim_id,
        addresses.village_code
    from complaints
    left join addresses
        on {{ address_key('complaints.desa', 'complaints.kecamatan', 'complaints.kabupaten', 'complaints.nik_district') }}
            = addresses.address_key
),

-- licensed agencies --------------------------------------------------------------------
agency_ids as (
    select agency_id from agencies
    union
    select agency_id from placements where agency_id is not null
    union
    select agency_id from complaints where agency_id is not null
),

agency_records as (
    select
        placements.agency_id,
        'PLACEMENT' as record_type,
        placements.placement_id as record_id,
        placements.departure_date as seen_date,
        null::varchar as victim_id,
        addresses.village_code
    from placements
    left join addresses
        on {{ address_key('placements.desa', 'placements.kecamatan', 'placements.kabupaten', 'placements.nik_district') }}
            = addresses.address_key
    where placements.agency_id is not null
    union all
    select agency_id, 'COMPLAINT', complaint_id, reported_date, victim_id, village_code
    from complaint_records
    where agency_id is not null
),

licence_stats as (
    select
        agency_id,
        count(*) - 1 as licence_changes,
        bool_or(licence_status <> 'AKTIF') as was_ever_suspended_or_revoked,
        max(valid_from) filter (where licence_status <> 'AKTIF') as last_suspended_or_revoked_on
    from licence_history
    group by agency_id
),

placements_unlicensed as (
    -- placements departing while the agency's licence was frozen or revoked
    select placements.agency_id, count(*) as placements_while_not_active
    from placements
    inner join licence_history
        on placements.agency_id = licence_history.agency_id
        and placements.departure_date >= licence_history.valid_from
        and (licence_history.valid_to is null or placements.departure_date < licence_history.valid_to)
    where licence_history.licence_status <> 'AKTIF'
    group by placements.agency_id
),

agency_stats as (
    select
        agency_id,
        count(distinct village_code) as villages_reached,
        count(distinct record_id) filter (where record_type = 'COMPLAINT') as linked_complaints,
        count(distinct record_id) filter (where record_type = 'PLACEMENT') as placements,
        count(distinct victim_id) as victims,
        min(seen_date) as first_seen_date,
        max(seen_date) as last_seen_date
    from agency_records
    group by agency_id
),

licensed as (
    select
        'P-' || agency_ids.agency_id as recruiter_key,
        'LICENSED_P3MI' as recruiter_type,
        agency_ids.agency_id,
        agencies.agency_name as recruiter_name,
        agencies.licence_status,
        agencies.licence_status_date,
        agencies.licence_number,
        coalesce(agencies.is_in_latest_snapshot, false) as is_in_latest_register,
        coalesce(agency_stats.villages_reached, 0) as villages_reached,
        coalesce(agency_stats.linked_complaints, 0) as linked_complaints,
        coalesce(agency_stats.victims, 0) as victims,
        0 as interdictions,
        0 as tppo_cases,
        coalesce(agency_stats.placements, 0) as placements,
        0 as name_mentions,
        least(agency_stats.first_seen_date, agencies._delivery_date) as first_seen_date,
        greatest(agency_stats.last_seen_date, agencies._delivery_date) as last_seen_date,
        coalesce(licence_stats.licence_changes, 0) as licence_changes,
        coalesce(licence_stats.was_ever_suspended_or_revoked, false) as was_ever_suspended_or_revoked,
        licence_stats.last_suspended_or_revoked_on,
        coalesce(placements_unlicensed.placements_while_not_active, 0) as placements_while_not_active,
        0 as regencies_mentioned,
        0 as spellings
    from agency_ids
    left join agencies using (agency_id)
    left join agency_stats using (agency_id)
    left join licence_stats using (agency_id)
    left join placements_unlicensed using (agency_id)
),

-- informal recruiters ------------------------------------------------------------------
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
),

unioned as (
    select * from licensed
    union all
    select * from informal
),

final as (
    select
        recruiter_key,
        recruiter_type,
        agency_id,
        recruiter_name,
        licence_status,
        licence_status_date,
        licence_number,
        is_in_latest_register,
        cast(villages_reached as integer) as villages_reached,
        cast(linked_complaints as integer) as linked_complaints,
        cast(victims as integer) as victims,
        cast(interdictions as integer) as interdictions,
        cast(tppo_cases as integer) as tppo_cases,
        cast(placements as integer) as placements,
        cast(name_mentions as integer) as name_mentions,
        cast(first_seen_date as date) as first_seen_date,
        cast(last_seen_date as date) as last_seen_date,
        cast(licence_changes as integer) as licence_changes,
        was_ever_suspended_or_revoked,
        cast(last_suspended_or_revoked_on as date) as last_suspended_or_revoked_on,
        cast(placements_while_not_active as integer) as placements_while_not_active,
        cast(regencies_mentioned as integer) as regencies_mentioned,
        cast(spellings as integer) as spellings
    from unioned
)

select * from final
order by recruiter_key
