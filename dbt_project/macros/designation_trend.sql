{#- Before and after a designation (seed desa_binaan), one place for both marts that show
    it (mart_designation_trends per programme, mart_desa_binaan_candidates for Desa Binaan
    Imigrasi): from `village_months` (mart_village_risk, risk_score as decimal) joined to
    `designations` on village_code, per `keys`, the report months before the designation
    month and after it (the month itself in neither), and the mean monthly suspected
    non-procedural departures, TPPO victims and risk score over each. -#}
{% macro designation_trend(village_months, designations, keys) -%}
    with designated_months as (
        select
            {% for k in keys %}{{ designations }}.{{ k }}, {% endfor %}
            {{ village_months }}.month
                < date_trunc('month', {{ designations }}.designated_on) as is_before,
            {{ village_months }}.month
                > date_trunc('month', {{ designations }}.designated_on) as is_after,
            {{ village_months }}.suspected_nonprocedural_departures,
            {{ village_months }}.tppo_victims,
            {{ village_months }}.risk_score
        from {{ designations }}
        inner join {{ village_months }} using (village_code)
    )

    select
        {% for k in keys %}{{ k }}, {% endfor %}
        count(*) filter (where is_before) as months_before,
        count(*) filter (where is_after) as months_after,
        avg(suspected_nonprocedural_departures) filter (where is_before)
            as suspected_per_month_before,
        avg(suspected_nonprocedural_departures) filter (where is_after)
            as suspected_per_month_after,
        avg(tppo_victims) filter (where is_before) as victims_per_month_before,
        avg(tppo_victims) filter (where is_after) as victims_per_month_after,
        avg(risk_score) filter (where is_before) as risk_score_before,
        avg(risk_score) filter (where is_after) as risk_score_after
    from designated_months
    group by {{ keys | join(', ') }}
{%- endmacro %}
