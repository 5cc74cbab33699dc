-- The risk score of every village-month (macros/risk_score.sql): for each component the
-- window sum, the district's rate and shrinkage strength in the same window, the shrunk
-- yearly rate and the score, then their total, the rank within the month (1 = riskiest,
-- ties by village_code) and the tier (macro risk_tier).
{%- set k_max = risk_shrinkage_max_months() %}
with measured as (
    select * from {{ ref('int_village_months_measured') }}
),

villages as (
    select village_code, district_code from {{ ref('bps_villages') }}
),

windowed as (
    select
        measured.*,
        villages.district_code,
        {%- for c in risk_components() %}
        sum({{ c.measure }}) over recent_months as window_{{ c.measure }},
        {%- endfor %}
        count(*) over recent_months as window_months
    from measured
    inner join villages using (village_code)
    window recent_months as (
        partition by village_code
        order by month
        range between interval {{ risk_window_months() - 1 }} month preceding and current row
    )
),

district_moments as (
    -- per district and month: events per village-month, the variance of the villages'
    -- rates and the mean window length. Integer sums are exact; the variance of the
    -- (floating-point) rates is taken over the villages in village_code order, so that
    -- every run adds them in the same order and gets the same bits (var_pop's parallel
    -- partial states would not)
    select
        district_code,
        month,
        avg(window_months) as mean_window_months,
        {%- for c in risk_components() %}
        sum(window_{{ c.measure }}) / sum(window_months) as district_rate_{{ c.measure }},
        list_var_pop(list(window_{{ c.measure }} / window_months order by village_code))
            as rate_variance_{{ c.measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from windowed
    group by district_code, month
),

district_priors as (
    -- k: months of the district's rate added to a village's own (method of moments:
    -- district rate / between-village variance, the Poisson variance removed), <= k_max
    select
        district_code,
        month,
        {%- for c in risk_components() %}
        district_rate_{{ c.measure }},
        least({{ k_max }}.0, district_rate_{{ c.measure }} / greatest(
            rate_variance_{{ c.measure }} - district_rate_{{ c.measure }} / mean_window_months,
            1e-9)) as shrinkage_months_{{ c.measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from district_moments
),

shrunk as (
    select
        windowed.*,
        {%- for c in risk_components() %}
        district_priors.shrinkage_months_{{ c.measure }},
        round(12.0 * (windowed.window_{{ c.measure }}
                + district_priors.shrinkage_months_{{ c.measure }} * district_priors.district_rate_{{ c.measure }})
            / (windowed.window_months + district_priors.shrinkage_months_{{ c.measure }}), 6)
            as shrunk_{{ c.measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from windowed
    inner join district_priors using (district_code, month)
),

scored as (
    select
        shrunk.*,
        {%- for c in risk_components() %}
        cast(round(
            {{ c.weight }} * shrunk_{{ c.measure }} / (shrunk_{{ c.measure }} + {{ c.half }}), 4
        ) as double) as score_{{ c.measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from shrunk
),

totalled as (
    select
        scored.*,
        cast(round(
            {%- for c in risk_components() %}
            score_{{ c.measure }}{{ ' +' if not loop.last }}
            {%- endfor %},
            4
        ) as double) as risk_score
    from scored
),

final as (
    select
        totalled.* exclude (district_code),
        cast(row_number() over (
            partition by month order by risk_score desc, village_code
        ) as integer) as risk_rank,
        {{ risk_tier('risk_score') }} as risk_tier
    from totalled
)

select * from final
