-- Villages ranked as candidates for Desa Binaan Imigrasi: sustained risk (candidate_score,
-- the mean risk score over the last 12 report months rounded to 2 decimals, as
-- published) first, then the total suspected non-procedural departures, then the village
-- code (unique: the order is total, the same every run). Means of risk scores are taken
-- over their exact 4-decimal values (decimal sums), never floating-point sums whose
-- last bits depend on the order DuckDB's threads add them in. The evidence is the whole
-- period's totals; villages
-- already designated (seed desa_binaan, maintained by the analysts) are marked, still
-- ranked, with their trend before and after the designation month: mean monthly
-- suspected non-procedural departures, victims and risk score in the months before it
-- and in the months after it (the designation month itself in neither). A village may
-- also be a Desa Migran Emas (BP3MI's programme, the same seed): is_desa_migran_emas and
-- dme_designated_on say so, for candidates and designated villages alike; the trend of
-- each programme's designations is mart_designation_trends. risk_trend_6m (every
-- village): mean risk score of the last 6 months minus that of the 6 before.
with village_months as (
    select * replace (cast(risk_score as decimal(9, 4)) as risk_score)
    from {{ ref('mart_village_risk') }}
),

designations as (
    select * from {{ ref('desa_binaan') }}
    where program = 'DESA_BINAAN_IMIGRASI'
),

migran_emas as (
    select village_code, designated_on as dme_designated_on
    from {{ ref('desa_binaan') }}
    where program = 'DESA_MIGRAN_EMAS'
),

last_month as (
    select max(month) as month from village_months
),

evidence as (
    select
        village_code,
        any_value(village_name) as village_name,
        any_value(district_code) as district_code,
        any_value(district_name) as district_name,
        any_value(regency_code) as regency_code,
        any_value(regency_name) as regency_name,
        count(*) as months_covered,
        sum(procedural_placements) as procedural_placements,
        sum(passport_postponements) as passport_postponements,
        sum(labour_destination_departures) as labour_destination_departures,
        sum(suspected_nonprocedural_departures) as suspected_nonprocedural_departures,
        sum(tppo_victims) as tppo_victims,
        sum(interdicted_persons) as interdicted_persons,
        sum(nonprocedural_complaints) as nonprocedural_complaints,
        sum(timpora_findings) as timpora_findings,
        avg(risk_score) filter (
            where month > (select month from last_month) - interval 12 month
        ) as mean_risk_score_12m
    from village_months
    group by village_code
),

designation_trend as (
    {{ designation_trend('village_months', 'designations', ['village_code']) }}
),

recent_trend as (
    select
        village_code,
        avg(risk_score) filter (
            where month > (select month from last_month) - interval 6 month
        ) - avg(risk_score) filter (
            where month <= (select month from last_month) - interval 6 month
              and month > (select month from last_month) - interval 12 month
        ) as risk_trend_6m
    from village_months
    group by village_code
),

latest as (
    select village_code, risk_score, risk_rank, risk_tier
    from village_months
    where month = (select month from last_month)
),

final as (
    select
        evidence.village_code,
        evidence.village_name,
        evidence.district_code,
        evidence.district_name,
        evidence.regency_code,
        evidence.regency_name,
        cast(row_number() over (
            order by
                round(evidence.mean_risk_score_12m, 2) desc,
                evidence.suspected_nonprocedural_departures desc,
                evidence.village_code
        ) as integer) as candidate_rank,
        cast(round(evidence.mean_risk_score_12m, 2) as double) as candidate_score,
        designations.village_code is not null as is_designated,
        designations.program as designated_program,
        designations.designated_on,
        migran_emas.village_code is not null as is_desa_migran_emas,
        migran_emas.dme_designated_on,
        cast(evidence.months_covered as integer) as months_covered,
        cast(evidence.procedural_placements as integer) as procedural_placements,
        cast(evidence.passport_postponements as integer) as passport_postponements,
        cast(evidence.labour_destination_departures as integer) as labour_destination_departures,
        cast(evidence.suspected_nonprocedural_departures as integer)
            as suspected_nonprocedural_departures,
        cast(evidence.tppo_victims as integer) as tppo_victims,
        cast(evidence.interdicted_persons as integer) as interdicted_persons,
        cast(evidence.nonprocedural_complaints as integer) as nonprocedural_complaints,
        cast(evidence.timpora_findings as integer) as timpora_findings,
        cast(latest.risk_score as double) as latest_risk_score,
        latest.risk_rank as latest_risk_rank,
        latest.risk_tier as latest_risk_tier,
        nullif(concat_ws('; ',
            case when evidence.suspected_nonprocedural_departures > 0 then
                evidence.suspected_nonprocedural_departures || ' suspected non-procedural departure(s)' end,
            case when evidence.tppo_victims > 0 then evidence.tppo_victims || ' TPPO victim(s)' end,
            case when evidence.interdicted_persons > 0 then
                evidence.interdicted_persons || ' interdicted person(s)' end,
            case when evidence.nonprocedural_complaints > 0 then
                evidence.nonprocedural_complaints || ' non-procedural complaint(s)' end,
            case when evidence.passport_postponements > 0 then
                evidence.passport_postponements || ' passport postponement(s)' end,
            case when evidence.procedural_placements > 0 then
                evidence.procedural_placements || ' procedural placement(s)' end
        ), '') as evidence_summary,
        cast(round(recent_trend.risk_trend_6m, 4) as double) as risk_trend_6m,
        cast(designation_trend.months_before as integer) as months_before_designation,
        cast(designation_trend.months_after as integer) as months_after_designation,
        cast(round(designation_trend.suspected_per_month_before, 4) as double)
            as suspected_per_month_before,
        cast(round(designation_trend.suspected_per_month_after, 4) as double)
            as suspected_per_month_after,
        cast(round(designation_trend.victims_per_month_before, 4) as double)
            as victims_per_month_before,
        cast(round(designation_trend.victims_per_month_after, 4) as double)
            as victims_per_month_after,
        cast(round(designation_trend.risk_score_before, 4) as double) as risk_score_before,
        cast(round(designation_trend.risk_score_after, 4) as double) as risk_score_after
    from evidence
    left join latest using (village_code)
    left join designations using (village_code)
    left join migran_emas using (village_code)
    left join recent_trend using (village_code)
    left join designation_trend using (village_code)
)

select * from final
order by candidate_rank
