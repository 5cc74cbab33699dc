-- The risk score of every village-month (macro risk_components: weights, caps, window),
-- each component as its own column, the rank within the month (1 = riskiest, ties by
-- village_code) and the tier (macro risk_tier).
with measured as (
    select * from {{ ref('int_village_months_measured') }}
),

windowed as (
    select
        measured.*,
        {%- for c in risk_components() %}
        sum({{ c.measure }}) over recent_months as window_{{ c.measure }},
        {%- endfor %}
        count(*) over recent_months as window_months
    from measured
    window recent_months as (
        partition by village_code
        order by month
        range between interval {{ risk_window_months() - 1 }} month preceding and current row
    )
),

scored as (
    select
        windowed.*,
        {%- for c in risk_components() %}
        cast(round(
            {{ c.weight }} * least(1.0, ln(1 + window_{{ c.measure }}) / ln(1 + {{ c.cap }})),
            2
        ) as double) as score_{{ c.measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from windowed
),

totalled as (
    select
        scored.*,
        cast(round(
            {%- for c in risk_components() %}
            score_{{ c.measure }}{{ ' +' if not loop.last }}
            {%- endfor %},
            2
        ) as double) as risk_score
    from scored
),

final as (
    select
        totalled.*,
        cast(row_number() over (
            partition by month order by risk_score desc, village_code
        ) as integer) as risk_rank,
        {{ risk_tier('risk_score') }} as risk_tier
    from totalled
)

select * from final
