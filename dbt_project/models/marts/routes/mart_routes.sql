-- Routes and transit: per month, origin regency, checkpoint and destination country, the
-- departures by classification and the interdictions (int_routes_measured), with the
-- names of the regency and the checkpoint. Transit (travellers from outside Lampung,
-- origin OUTSIDE_LAMPUNG) is flagged by is_transit.
with measured as (
    select * from {{ ref('int_routes_measured') }}
),

regencies as (
    select regency_code, regency_name from {{ ref('bps_regencies') }}
),

checkpoints as (
    select * from {{ ref('checkpoints') }}
),

countries as (
    select iso3, is_labour_destination from {{ ref('countries') }}
),

final as (
    select
        measured.month,
        measured.origin_regency_code,
        case measured.origin_regency_code
            when 'OUTSIDE_LAMPUNG' then 'LUAR PROVINSI LAMPUNG'
            when 'UNKNOWN' then 'TIDAK DIKETAHUI'
            else coalesce(regencies.regency_name, measured.origin_regency_code)
        end as origin_regency_name,
        measured.origin_regency_code = 'OUTSIDE_LAMPUNG' as is_transit,
        measured.checkpoint_code,
        case measured.checkpoint_code
            when 'UNKNOWN' then 'TIDAK DIKETAHUI'
            else coalesce(checkpoints.checkpoint_name, measured.checkpoint_code)
        end as checkpoint_name,
        coalesce(checkpoints.checkpoint_kind, 'UNKNOWN') as checkpoint_kind,
        coalesce(checkpoints.is_immigration_checkpoint, false) as is_immigration_checkpoint,
        coalesce(checkpoints.is_in_lampung, false) as is_checkpoint_in_lampung,
        measured.destination_country,
        coalesce(countries.is_labour_destination, false) as is_labour_destination,
        measured.departures,
        measured.procedural_departures,
        measured.suspected_nonprocedural_departures,
        measured.non_labour_departures,
        measured.unresolved_departures,
        measured.interdictions,
        measured.interdicted_persons
    from measured
    left join regencies on regencies.regency_code = measured.origin_regency_code
    left join checkpoints on checkpoints.checkpoint_code = measured.checkpoint_code
    left join countries on countries.iso3 = measured.destination_country
)

select * from final
order by month, origin_regency_code, checkpoint_code, destination_country
