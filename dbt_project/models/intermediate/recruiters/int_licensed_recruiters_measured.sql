-- One row per licensed recruitment agency (P3MI) known from the register, placements or
-- complaints: licence status from the newest register snapshot, licence history from
-- stg_bp3mi__recruitment_agency_history, and what its linked records show (villages,
-- complaints, victims, placements, placements while the licence was frozen or revoked),
-- in the columns of mart_recruiter_watchlist.
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

addresses as (
    select address_key, village_code from {{ ref('int_addresses_resolved') }}
),

complaint_records as (
    select * from {{ ref('int_recruiter_complaints_located') }}
),

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
)

select * from licensed
