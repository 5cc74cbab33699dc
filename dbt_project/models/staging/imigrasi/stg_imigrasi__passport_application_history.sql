-- Every delivered version of a passport application, oldest first, with the period in
-- which it was the newest known version (status history: PROSES -> TERBIT/DITUNDA/...).
with source as (
    select * from {{ source('imigrasi', 'imigrasi__paspor') }}
),

versions as (
    select
        no_permohonan as application_id,
        status as application_status,
        tgl_keputusan_date as decided_date,
        alasan_penundaan as postponement_reason,
        _delivery_date as valid_from,
        row_number() over (
            partition by no_permohonan order by {{ latest_version_order() }}
        ) as version_rank,
        _file_name,
        _is_revisi,
        _row_number
    from source
),

final as (
    select
        application_id,
        count(*) over (partition by application_id) - version_rank + 1 as version_number,
        application_status,
        decided_date,
        postponement_reason,
        valid_from,
        lag(valid_from) over (partition by application_id order by version_rank) as valid_to,
        version_rank = 1 as is_current,
        _file_name,
        _is_revisi,
        _row_number
    from versions
)

select * from final
