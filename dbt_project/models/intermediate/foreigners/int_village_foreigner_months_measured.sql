-- Every BPS village x every report month: foreign permit holders overstaying at the
-- month's checkpoint (int_permit_holders_checked), and the Timpora findings resolved to
-- the village that month (int_timpora_findings_located): persons found as foreigners
-- without a permit or past it (WNA_TANPA_IZIN, WNA_OVERSTAY), and the operations with
-- any finding there. Counts zero-filled integers.
with months as (
    select month from {{ ref('int_report_months_spanned') }}
),

villages as (
    select village_code from {{ ref('bps_villages') }}
),

holders as (
    select * from {{ ref('int_permit_holders_checked') }}
    where village_code is not null
),

findings as (
    select village_code, event_month as month, quantity, operation_id, is_foreigner_finding
    from {{ ref('int_timpora_findings_located') }}
),

overstay_counts as (
    select village_code, month, count(distinct passport_key) as overstays_open
    from holders
    where holder_status = 'OVERSTAY'
    group by village_code, month
),

finding_counts as (
    select
        village_code,
        month,
        sum(quantity) filter (where is_foreigner_finding) as timpora_foreigner_findings,
        count(distinct operation_id) as timpora_operations
    from findings
    group by village_code, month
),

final as (
    select
        villages.village_code,
        months.month,
        cast(coalesce(overstay_counts.overstays_open, 0) as integer) as overstays_open,
        cast(coalesce(finding_counts.timpora_foreigner_findings, 0) as integer)
            as timpora_foreigner_findings,
        cast(coalesce(finding_counts.timpora_operations, 0) as integer) as timpora_operations
    from villages
    cross join months
    left join overstay_counts using (village_code, month)
    left join finding_counts using (village_code, month)
)

select * from final
