-- Villages ranked for the next Timpora joint operation, one row per village as of the
-- latest report month, ranked within the immigration office that covers it (seed
-- immigration_offices). The evidence, the points and the score: macros/operation_score.sql.
-- Reads only published marts (mart_village_risk, mart_village_foreigners_month), so the
-- dashboards' copy computes the same score from its own protected figures (tppo/publish.py).
{%- set window = operation_window_months() %}
with village_months as (
    select * from {{ ref('mart_village_risk') }}
),

foreigner_months as (
    select * from {{ ref('mart_village_foreigners_month') }}
),

offices as (
    select * from {{ ref('immigration_offices') }}
),

last_month as (
    select max(month) as month from village_months
),

windowed as (
    select
        village_code,
        sum(suspected_nonprocedural_departures) as suspected_departures_6m,
        sum(nonprocedural_complaints) as nonprocedural_complaints_6m,
        sum(interdicted_persons) as interdicted_persons_6m
    from village_months
    where month > (select month from last_month) - interval {{ window }} month
    group by village_code
),

latest as (
    select village_months.*, foreigner_months.overstays_open
    from village_months
    inner join foreigner_months using (village_code, month)
    where month = (select month from last_month)
),

operations as (
    select village_code, max(month) filter (where timpora_operations > 0) as last_operation_month
    from foreigner_months
    group by village_code
),

evidence as (
    select
        latest.village_code,
        latest.village_name,
        latest.district_code,
        latest.district_name,
        latest.regency_code,
        latest.regency_name,
        offices.office_code,
        latest.month,
        cast(windowed.suspected_departures_6m as integer) as suspected_departures_6m,
        cast(latest.overstays_open as integer) as overstays_open,
        cast(latest.active_foreign_permits as integer) as active_foreign_permits,
        cast(windowed.nonprocedural_complaints_6m as integer) as nonprocedural_complaints_6m,
        cast(windowed.interdicted_persons_6m as integer) as interdicted_persons_6m,
        cast(windowed.nonprocedural_complaints_6m + windowed.interdicted_persons_6m as integer)
            as recruiter_activity_6m,
        operations.last_operation_month,
        cast(datediff('month', operations.last_operation_month, latest.month) as integer)
            as months_since_last_operation
    from latest
    inner join windowed using (village_code)
    left join operations using (village_code)
    left join offices using (regency_code)
),

scored as (
    select
        evidence.*,
        {%- for c in operation_target_components() %}
        cast(round({{ c.weight }} * {{ c.measure }} / ({{ c.measure }} + {{ c.half }}), 4)
            as double) as points_{{ c.measure }},
        {%- endfor %}
        cast({{ operation_recency_factor('months_since_last_operation') }} as double)
            as recency_factor
    from evidence
),

totalled as (
    select
        scored.*,
        cast(round(
            {%- for c in operation_target_components() %}
            points_{{ c.measure }}{{ ' +' if not loop.last }}
            {%- endfor %}, 4) as double) as evidence_score
    from scored
),

final as (
    select
        totalled.village_code,
        totalled.village_name,
        totalled.district_code,
        totalled.district_name,
        totalled.regency_code,
        totalled.regency_name,
        totalled.office_code,
        totalled.month,
        cast(row_number() over (
            partition by totalled.office_code
            order by round(totalled.evidence_score * totalled.recency_factor, 4) desc,
                totalled.village_code
        ) as integer) as target_rank,
        cast(round(totalled.evidence_score * totalled.recency_factor, 4) as double)
            as target_score,
        totalled.evidence_score,
        totalled.recency_factor,
        totalled.suspected_departures_6m,
        totalled.overstays_open,
        totalled.active_foreign_permits,
        totalled.recruiter_activity_6m,
        totalled.nonprocedural_complaints_6m,
        totalled.interdicted_persons_6m,
        totalled.last_operation_month,
        totalled.months_since_last_operation,
        {%- for c in operation_target_components() %}
        totalled.points_{{ c.measure }},
        {%- endfor %}
        concat_ws('; ',
            {%- for c in operation_target_components() %}
            case when totalled.{{ c.measure }} > 0
                then totalled.{{ c.measure }} || ' {{ c.label }}' end,
            {%- endfor %}
            case when totalled.last_operation_month is null
                then 'belum pernah ada operasi Timpora'
                else totalled.months_since_last_operation || ' bulan sejak operasi terakhir'
            end) as target_reason
    from totalled
)

select * from final
order by office_code, target_rank
