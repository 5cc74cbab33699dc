-- The licence history of every licensed recruitment agency (P3MI) in BP3MI's register:
-- one row per agency per period of unchanged licence status, from the weekly full
-- snapshots (stg_bp3mi__recruitment_agency_history: valid_from inclusive, valid_to
-- exclusive, NULL = still valid), with the agency's name as the newest snapshot gives
-- it. Public register data, no person: it goes to the dashboards' copy too, where
-- `tppo recruiter-check` answers "was this company licensed on that day".
with history as (
    select * from {{ ref('stg_bp3mi__recruitment_agency_history') }}
),

agencies as (
    select * from {{ ref('stg_bp3mi__recruitment_agencies') }}
),

final as (
    select
        history.agency_id || '#' || cast(history.period_number as integer) as licence_period_id,
        history.agency_id,
        agencies.agency_name,
        history.licence_number,
        agencies.branch_regency_text,
        cast(history.period_number as integer) as period_number,
        history.licence_status,
        cast(history.valid_from as date) as valid_from,
        cast(history.valid_to as date) as valid_to,
        history.is_current,
        cast(history.first_snapshot_date as date) as first_snapshot_date,
        cast(history.last_snapshot_date as date) as last_snapshot_date,
        coalesce(agencies.is_in_latest_snapshot, false) as is_in_latest_register
    from history
    left join agencies using (agency_id)
)

select * from final
order by agency_id, period_number
