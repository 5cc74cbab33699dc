-- Licensed recruitment agencies (P3MI), latest version per id_p3mi. The register is a
-- full snapshot per delivery: `is_in_latest_snapshot` says whether the agency is still
-- listed in the newest snapshot file.
with source as (
    select * from {{ source('bp3mi', 'bp3mi__p3mi') }}
),

latest_snapshot as (
    select _file_name
    from source
    order by {{ latest_version_order() }}
    limit 1
),

latest as (
    select * from source
    qualify {{ is_latest_version(['id_p3mi']) }}
),

final as (
    select
        latest.id_p3mi as agency_id,
        latest.nama_perusahaan as agency_name,
        latest.no_izin as licence_number,
        latest.status_izin as licence_status,
        latest.tgl_status_date as licence_status_date,
        latest.kabupaten_cabang as branch_regency_text,
        latest._file_name = latest_snapshot._file_name as is_in_latest_snapshot,
        latest._file_sha256,
        latest._file_name,
        latest._delivery_date,
        latest._is_revisi,
        latest._row_number
    from latest
    cross join latest_snapshot
)

select * from final
