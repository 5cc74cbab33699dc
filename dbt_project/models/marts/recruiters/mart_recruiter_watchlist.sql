-- One row per recruiter: licensed P3MI (by id_p3mi, licence status from the newest
-- register snapshot, licence history from stg_bp3mi__recruitment_agency_history) and
-- informal recruiters (name clusters of int_recruiter_mentions_clustered, shown by their
-- most common alias; how many spellings were seen, not which: the other aliases stay in
-- the restricted int_recruiter_mentions_clustered). For the analysts'
-- team only: informal recruiters are suspects; never copy this mart to the dashboards.
-- Victims: distinct persons harmed in the linked records: complainants of linked
-- complaints that are NONPROSEDURAL or TPPO-indicated, persons of linked interdictions,
-- KORBAN of linked TPPO cases (NIK pseudonym when valid, else the record's person).
with licensed as (
    select * from {{ ref('int_licensed_recruiters_measured') }}
),

informal as (
    select * from {{ ref('int_informal_recruiters_measured') }}
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
