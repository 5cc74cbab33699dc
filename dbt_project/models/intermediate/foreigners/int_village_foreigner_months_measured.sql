-- Every BPS village x every report month: foreign permit holders overstaying at the
-- month's checkpoint (int_permit_holders_checked), and the Timpora findings resolved to
-- the village that month (int_village_events_unioned): persons found as foreigners
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
    select
        events.village_code,
        events.event_month as month,
        events.quantity,
        staged.operation_id,
        staged.finding_type
    from {{ ref('int_village_events_unioned') }} as events
    inner join {{ ref('stg_imigrasi__timpora_findings') }} as staged
        on staged.finding_id = events.unit_id
    where events.measure = 'timpora_findings' and events.village_code is not null
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
        sum(quantity) filter (where finding_type in ('WNA_OVERSTAY', 'WNA_TANPA_IZIN'))
            as timpora_foreigner_findings,
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
