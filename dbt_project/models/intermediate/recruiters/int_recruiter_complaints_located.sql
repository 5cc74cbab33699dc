-- One row per complaint (latest version) with the agency it names, its village and its
-- victim: the complainant when the complaint is NONPROSEDURAL or TPPO-indicated (NIK
-- pseudonym when valid, else the complaint itself). Shared by the licensed and the
-- informal side of mart_recruiter_watchlist.
with complaints as (
    select * from {{ ref('stg_bp3mi__complaints') }}
),

addresses as (
    select address_key, village_code from {{ ref('int_addresses_resolved') }}
),

located as (
    select
        complaints.complaint_id,
        complaints.agency_id,
        complaints.reported_date,
        case
            when complaints.procedural_status = 'NONPROSEDURAL' or complaints.is_tppo_indicated
                then coalesce(
                    case when complaints.nik_status = 'VALID' then complaints.nik_key end,
                    'COMPLAINT#' || complaints.complaint_id
                )
        end as victim_id,
        addresses.village_code
    from complaints
    left join addresses
        on {{ address_key('complaints.desa', 'complaints.kecamatan', 'complaints.kabupaten', 'complaints.nik_district') }}
            = addresses.address_key
)

select * from located
