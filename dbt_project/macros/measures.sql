{#- The event measures of mart_village_risk / mart_regency_month counted as distinct
    units (int_village_events_unioned.unit_id), declared in dbt_project.yml
    (var count_measures); timpora_findings is a sum and active_foreign_permits a
    month-end snapshot, both handled separately. -#}
{% macro distinct_count_measures() -%}
    {{ return(var('count_measures')['distinct']) }}
{%- endmacro %}

{#- Aggregate int_village_events_unioned and the dated permits onto an area x month
    spine: every area of `areas` (a relation with column `area_column`) appears in every
    month of int_report_months_spanned, counts zero-filled integers. -#}
{% macro area_month_measures(areas, area_column) -%}
with months as (
    select * from {{ ref('int_report_months_spanned') }}
),

areas as (
    select distinct {{ area_column }} from {{ areas }}
),

events as (
    select * from {{ ref('int_village_events_unioned') }}
    where {{ area_column }} is not null
),

permits as (
    select * from {{ ref('int_foreign_permits_dated') }}
    where {{ area_column }} is not null
),

event_counts as (
    select
        {{ area_column }},
        event_month as month,
        {%- for measure in distinct_count_measures() %}
        count(distinct unit_id) filter (where measure = '{{ measure }}') as {{ measure }},
        {%- endfor %}
        sum(quantity) filter (where measure = 'timpora_findings') as timpora_findings
    from events
    group by {{ area_column }}, event_month
),

permit_counts as (
    select
        permits.{{ area_column }},
        months.month,
        count(distinct permits.permit_id) as active_foreign_permits
    from permits
    inner join months
        on permits.valid_from_date <= months.month_end_date
        and (permits.valid_until_date is null or permits.valid_until_date >= months.month_end_date)
        and (permits.revoked_date is null or permits.revoked_date > months.month_end_date)
    group by permits.{{ area_column }}, months.month
),

final as (
    select
        areas.{{ area_column }},
        months.month,
        {%- for measure in distinct_count_measures() %}
        cast(coalesce(event_counts.{{ measure }}, 0) as integer) as {{ measure }},
        {%- endfor %}
        cast(coalesce(permit_counts.active_foreign_permits, 0) as integer) as active_foreign_permits,
        cast(coalesce(event_counts.timpora_findings, 0) as integer) as timpora_findings
    from areas
    cross join months
    left join event_counts
        on areas.{{ area_column }} = event_counts.{{ area_column }}
        and months.month = event_counts.month
    left join permit_counts
        on areas.{{ area_column }} = permit_counts.{{ area_column }}
        and months.month = permit_counts.month
)

select * from final
{%- endmacro %}
