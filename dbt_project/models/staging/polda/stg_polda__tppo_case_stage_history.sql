-- History of each case's `tahap` (LIDIK -> SIDIK -> P21 / SP3): one row per run of
-- versions with the same stage, in delivery order; valid_to is exclusive, NULL = current.
with source as (
    select * from {{ source('polda', 'polda__kasus_tppo') }}
),

versions as (
    select
        nomor_lp as case_id,
        tahap as stage,
        diperbarui_pada_ts as updated_at,
        _delivery_date,
        row_number() over (
            partition by nomor_lp order by {{ latest_version_order() }}
        ) as version_rank
    from source
),

changes as (
    select
        *,
        case
            when lead(stage) over (partition by case_id order by version_rank)
                is not distinct from stage then 0
            else 1
        end as is_stage_start
    from versions
),

starts as (
    select * from changes where is_stage_start = 1
),

final as (
    select
        case_id,
        row_number() over (partition by case_id order by version_rank desc) as stage_number,
        stage,
        updated_at as stage_updated_at,
        _delivery_date as valid_from,
        lag(_delivery_date) over (partition by case_id order by version_rank) as valid_to,
        version_rank = min(version_rank) over (partition by case_id) as is_current
    from starts
)

select * from final
