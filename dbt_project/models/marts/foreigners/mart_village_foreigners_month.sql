-- One row per Lampung village per report month: foreign nationals' permits active at the
-- month's end (as in mart_village_risk), holders overstaying at the month's checkpoint,
-- and the Timpora findings there (int_village_foreigner_months_measured).
with village_months as (
    select * from {{ ref('mart_village_risk') }}
),

foreigner_months as (
    select * from {{ ref('int_village_foreigner_months_measured') }}
),

final as (
    select
        village_months.village_code,
        village_months.village_name,
        village_months.district_code,
        village_months.district_name,
        village_months.regency_code,
        village_months.regency_name,
        village_months.month,
        village_months.active_foreign_permits,
        foreigner_months.overstays_open,
        foreigner_months.timpora_foreigner_findings,
        foreigner_months.timpora_operations
    from village_months
    inner join foreigner_months using (village_code, month)
)

select * from final
order by month, village_code
