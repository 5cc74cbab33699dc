-- One row per regency per report month: the village measures counted per regency (all
-- events resolved to the regency, also without a village) and the estimated ratio of
-- suspected non-procedural departures to procedural ones (BP3MI placements).
with measured as (
    select * from {{ ref('int_regency_months_measured') }}
),

regencies as (
    select * from {{ ref('bps_regencies') }}
),

final as (
    select
        measured.regency_code,
        regencies.regency_name,
        measured.month,
        {%- for measure in distinct_count_measures() %}
        measured.{{ measure }},
        {%- endfor %}
        measured.active_foreign_permits,
        measured.timpora_findings,
        cast(
            case
                when measured.procedural_placements > 0
                    then measured.suspected_nonprocedural_departures
                        / measured.procedural_placements
            end
            as double
        ) as estimated_nonprocedural_ratio
    from measured
    inner join regencies using (regency_code)
)

select * from final
order by month, regency_code
