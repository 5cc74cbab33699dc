-- Foreign nationals who should have left: one row per permit holder (passport pseudonym)
-- overstaying at the as-of date (int_permit_holders_checked, latest month), with the
-- village the permit gives, how long overdue, and what Timpora found in that village
-- since the permit ended. Pseudonymous: no permit or passport number, no name.
with holders as (
    select * from {{ ref('int_permit_holders_checked') }}
    where is_latest_month and holder_status = 'OVERSTAY'
),

villages as (
    select * from {{ ref('dim_villages') }}
),

offices as (
    select * from {{ ref('immigration_offices') }}
),

findings as (
    select * from {{ ref('int_timpora_findings_located') }}
),

since as (
    select
        holders.passport_key,
        sum(findings.quantity) filter (where findings.is_foreigner_finding)
            as timpora_foreigner_findings_since,
        count(distinct findings.operation_id) as timpora_operations_since
    from holders
    inner join findings
        on findings.village_code = holders.village_code
        and findings.event_date > holders.ended_on
        and findings.event_date <= holders.checkpoint_date
    group by holders.passport_key
),

final as (
    select
        holders.passport_key as person_key,
        holders.nationality,
        holders.permit_type,
        holders.village_code,
        villages.village_name,
        holders.district_code,
        villages.district_name,
        holders.regency_code,
        villages.regency_name,
        offices.office_code,
        holders.ended_on,
        holders.end_reason,
        cast(holders.checkpoint_date - holders.ended_on as integer) as days_overdue,
        holders.checkpoint_date as as_of_date,
        holders.last_direction is not null as has_crossings,
        cast(coalesce(since.timpora_foreigner_findings_since, 0) as integer)
            as timpora_foreigner_findings_since,
        cast(coalesce(since.timpora_operations_since, 0) as integer) as timpora_operations_since
    from holders
    left join villages on villages.village_code = holders.village_code
    left join offices on offices.regency_code = holders.regency_code
    left join since using (passport_key)
)

select * from final
order by days_overdue desc, person_key
