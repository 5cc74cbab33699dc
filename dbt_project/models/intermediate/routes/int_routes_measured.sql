{#-
    Routes: one row per month x origin regency x checkpoint x destination country that
    holds a departure or an interdiction.

      departures     citizens' departures (int_departures_classified) through the exit
                     checkpoint (kode_tpi), by their classification; origin = the
                     traveller's resolved regency, else UNKNOWN (a traveller known by
                     passport only, or an unresolved address);
      interdictions  police interdictions (int_interdicted_persons_originated) at the
                     place their lokasi maps to (UNKNOWN when it does not); origin = each
                     interdicted person's regency, OUTSIDE_LAMPUNG for travellers in
                     transit, else UNKNOWN (also for an interdiction delivered without
                     persons). An interdiction whose persons come from two regencies
                     counts once in each; interdicted_persons counts distinct
                     persons per row.
    A missing or unmapped destination is 'UNKNOWN', never dropped. Months: those the marts
    cover (int_report_months_spanned).
-#}
with departures as (
    select * from {{ ref('int_departures_classified') }}
),

interdicted as (
    select * from {{ ref('int_interdicted_persons_originated') }}
),

placed as (
    select * from {{ ref('int_interdictions_placed') }}
),

report_months as (
    select month from {{ ref('int_report_months_spanned') }}
),

departure_cells as (
    select
        departure_month as month,
        coalesce(regency_code, 'UNKNOWN') as origin_regency_code,
        checkpoint_code,
        coalesce(destination_country, 'UNKNOWN') as destination_country,
        count(*) as departures,
        count(*) filter (where classification = 'PROCEDURAL') as procedural_departures,
        count(*) filter (where classification = 'SUSPECTED_NONPROCEDURAL')
            as suspected_nonprocedural_departures,
        count(*) filter (where classification = 'NON_LABOUR') as non_labour_departures,
        count(*) filter (where classification = 'UNRESOLVED') as unresolved_departures,
        0 as interdictions,
        0 as interdicted_persons
    from departures
    group by all
),

interdiction_cells as (
    select
        interdiction_month as month,
        origin_regency_code,
        checkpoint_code,
        coalesce(destination_country, 'UNKNOWN') as destination_country,
        0 as departures,
        0 as procedural_departures,
        0 as suspected_nonprocedural_departures,
        0 as non_labour_departures,
        0 as unresolved_departures,
        count(distinct interdiction_id) as interdictions,
        count(distinct person_key) as interdicted_persons
    from interdicted
    where interdiction_month is not null
    group by all
    union all
    -- an interdiction delivered without persons still happened at its place
    select
        placed.interdiction_month, 'UNKNOWN', placed.checkpoint_code,
        coalesce(placed.destination_country, 'UNKNOWN'), 0, 0, 0, 0, 0, 1, 0
    from placed
    anti join interdicted using (interdiction_id)
    where placed.interdiction_month is not null
),

unioned as (
    select * from departure_cells
    union all
    select * from interdiction_cells
),

final as (
    select
        unioned.month,
        unioned.origin_regency_code,
        unioned.checkpoint_code,
        unioned.destination_country,
        {%- for m in ['departures', 'procedural_departures', 'suspected_nonprocedural_departures',
                      'non_labour_departures', 'unresolved_departures', 'interdictions',
                      'interdicted_persons'] %}
        cast(sum(unioned.{{ m }}) as integer) as {{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from unioned
    inner join report_months using (month)
    group by all
)

select * from final
