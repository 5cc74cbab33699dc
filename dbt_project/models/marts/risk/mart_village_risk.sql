-- One row per Lampung village per report month: the measures of MARTS.md, zero-filled,
-- and the risk score with every component (macro risk_components), rank, tier and the
-- reason in words (macro risk_reason).
with scored as (
    select * from {{ ref('int_village_months_scored') }}
),

villages as (
    select * from {{ ref('dim_villages') }}
),

final as (
    select
        villages.village_code,
        villages.village_name,
        villages.district_code,
        villages.district_name,
        villages.regency_code,
        villages.regency_name,
        scored.month,
        scored.procedural_placements,
        scored.passport_applications,
        scored.passport_postponements,
        scored.labour_destination_departures,
        scored.suspected_nonprocedural_departures,
        scored.tppo_victims,
        scored.interdicted_persons,
        scored.nonprocedural_complaints,
        scored.active_foreign_permits,
        scored.timpora_findings,
        {%- for c in risk_components() %}
        cast(scored.window_{{ c.measure }} as integer) as window_{{ c.measure }},
        {%- endfor %}
        cast(scored.window_months as integer) as window_months,
        {%- for c in risk_components() %}
        cast(round(scored.shrunk_{{ c.measure }}, 4) as double) as shrunk_{{ c.measure }},
        {%- endfor %}
        {%- for c in risk_components() %}
        scored.score_{{ c.measure }},
        {%- endfor %}
        scored.risk_score,
        scored.risk_rank,
        scored.risk_tier,
        {{ risk_reason('scored.score_', 'scored.window_', 'scored.window_months') }} as risk_reason
    from scored
    inner join villages using (village_code)
)

select * from final
order by month, village_code
