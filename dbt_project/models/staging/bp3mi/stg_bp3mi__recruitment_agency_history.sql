-- Licence-status history of each P3MI from the weekly full snapshots: one row per period
-- of unchanged status, valid_from inclusive, valid_to exclusive (NULL = still valid).
-- One snapshot per delivery date (a `_revisi` re-send wins); a period starts at the
-- `tgl_status` its first snapshot gives, or at that snapshot's delivery date when
-- tgl_status is missing or later than the delivery, and never before the day after the
-- previous status was last seen.
with source as (
    select * from {{ source('bp3mi', 'bp3mi__p3mi') }}
),

snapshot_files as (
    select distinct _delivery_date, _is_revisi, _file_name from source
),

chosen_snapshots as (
    select _delivery_date, _file_name
    from snapshot_files
    qualify row_number() over (
        partition by _delivery_date order by _is_revisi desc, _file_name desc
    ) = 1
),

snapshot_rows as (
    select
        source.id_p3mi as agency_id,
        source._delivery_date as snapshot_date,
        source.status_izin as licence_status,
        source.tgl_status_date as licence_status_date,
        source.no_izin as licence_number
    from source
    inner join chosen_snapshots using (_delivery_date, _file_name)
    qualify row_number() over (
        partition by source.id_p3mi, source._delivery_date order by source._row_number desc
    ) = 1
),

changes as (
    select
        *,
        case
            when lag(licence_status) over (partition by agency_id order by snapshot_date)
                is not distinct from licence_status then 0
            else 1
        end as is_change
    from snapshot_rows
),

periods as (
    select
        *,
        sum(is_change) over (
            partition by agency_id order by snapshot_date rows unbounded preceding
        ) as period_number
    from changes
),

period_bounds as (
    select
        agency_id,
        period_number,
        licence_status,
        arg_min(licence_number, snapshot_date) as licence_number,
        min(snapshot_date) as first_snapshot_date,
        max(snapshot_date) as last_snapshot_date,
        arg_min(licence_status_date, snapshot_date) as first_status_date
    from periods
    group by agency_id, period_number, licence_status
),

dated as (
    select
        *,
        -- never before the day after the previous period was last seen in a snapshot
        greatest(
            case
                when first_status_date is not null and first_status_date <= first_snapshot_date
                    then first_status_date
                else first_snapshot_date
            end,
            coalesce(
                lag(last_snapshot_date) over (partition by agency_id order by period_number)
                    + 1,
                date '0001-01-01'
            )
        ) as valid_from
    from period_bounds
),

final as (
    select
        agency_id,
        period_number,
        licence_status,
        licence_number,
        valid_from,
        lead(valid_from) over (partition by agency_id order by period_number) as valid_to,
        first_snapshot_date,
        last_snapshot_date,
        lead(valid_from) over (partition by agency_id order by period_number) is null
            as is_current
    from dated
)

select * from final
