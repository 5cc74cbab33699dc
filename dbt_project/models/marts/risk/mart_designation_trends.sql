-- Before and after each designation of a village by a programme (seed desa_binaan: Desa
-- Binaan Imigrasi and BP3MI's Desa Migran Emas, kept by the analysts): one row per
-- village and programme. Mean monthly suspected non-procedural departures, TPPO victims
-- and risk score over the report months before the designation month and over those
-- after it (the designation month itself in neither), as mart_desa_binaan_candidates
-- does for Desa Binaan Imigrasi. A village in both programmes has a row for each, each
-- split at its own date. Means of risk scores over exact 4-decimal values (decimal sums,
-- the same bits every run).
with village_months as (
    select * replace (cast(risk_score as decimal(9, 4)) as risk_score)
    from {{ ref('mart_village_risk') }}
),

designations as (
    select * from {{ ref('desa_binaan') }}
),

programs_per_village as (
    select village_code, count(*) as programs from designations group by village_code
),

places as (
    select distinct village_code, village_name, district_name, regency_code, regency_name
    from village_months
),

trend as (
    {{ designation_trend('village_months', 'designations', ['village_code', 'program']) }}
),

final as (
    select
        designations.village_code,
        places.village_name,
        places.district_name,
        places.regency_code,
        places.regency_name,
        designations.program,
        designations.designated_on,
        cast(date_trunc('month', designations.designated_on) as date) as designation_month,
        programs_per_village.programs > 1 as is_in_both_programs,
        designations.note,
        cast(coalesce(trend.months_before, 0) as integer) as months_before,
        cast(coalesce(trend.months_after, 0) as integer) as months_after,
        cast(round(trend.suspected_per_month_before, 4) as double) as suspected_per_month_before,
        cast(round(trend.suspected_per_month_after, 4) as double) as suspected_per_month_after,
        cast(round(trend.victims_per_month_before, 4) as double) as victims_per_month_before,
        cast(round(trend.victims_per_month_after, 4) as double) as victims_per_month_after,
        cast(round(trend.risk_score_before, 4) as double) as risk_score_before,
        cast(round(trend.risk_score_after, 4) as double) as risk_score_after,
        cast(round(trend.risk_score_after - trend.risk_score_before, 4) as double)
            as risk_score_change
    from designations
    inner join programs_per_village using (village_code)
    left join places using (village_code)
    left join trend using (village_code, program)
)

select * from final
order by designated_on, village_code, program
