-- One row per regency per report month: the village measures counted per regency (all
-- events resolved to the regency, also without a village) and the estimated ratio of
-- non-procedural to procedural departures. A suspected departure of a traveller known by
-- passport only has no regency; the estimate spreads them over the regencies like the
-- located ones: estimated_nonprocedural_departures = suspected (located in the regency)
-- / located_share, where located_share = the month's suspected departures with a regency
-- over all suspected departures in Lampung; estimated_nonprocedural_ratio = that
-- estimate / procedural placements (NULL without placements).
with measured as (
    select * from {{ ref('int_regency_months_measured') }}
),

regencies as (
    select * from {{ ref('bps_regencies') }}
),

departures as (
    select * from {{ ref('int_departures_classified') }}
    where classification = 'SUSPECTED_NONPROCEDURAL'
),

located_shares as (
    select
        departure_month as month,
        count(*) filter (where regency_code is not null) / count(*) as located_share
    from departures
    group by departure_month
),

estimated as (
    select
        measured.regency_code,
        measured.month,
        case
            when located_shares.located_share > 0
                then measured.suspected_nonprocedural_departures / located_shares.located_share
            else measured.suspected_nonprocedural_departures
        end as estimated_nonprocedural_departures,
        located_shares.located_share
    from measured
    left join located_shares using (month)
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
                    then round(estimated.estimated_nonprocedural_departures
                        / measured.procedural_placements, 4)
            end
            as double
        ) as estimated_nonprocedural_ratio,
        cast(round(estimated.estimated_nonprocedural_departures, 4) as double)
            as estimated_nonprocedural_departures,
        cast(round(estimated.located_share, 4) as double) as located_share
    from measured
    inner join regencies using (regency_code)
    inner join estimated using (regency_code, month)
)

select * from final
order by month, regency_code
