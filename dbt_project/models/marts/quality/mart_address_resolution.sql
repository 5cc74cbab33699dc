-- How the addresses of every feed resolved: one row per record source and outcome
-- (resolution_method, and for unresolved addresses the reason), with the number of
-- records and of distinct address texts. Unresolved and ambiguous addresses are never
-- forced to a village: this is where they are counted. No address text, only counts.
with addresses as (
    select address_key, resolution_method, unresolved_reason
    from {{ ref('int_addresses_resolved') }}
),

records as (
    select 'PASSPORT_APPLICATION' as record_source,
        {{ address_key('desa', 'kecamatan', 'kabupaten', 'nik_district') }} as address_key
    from {{ ref('stg_imigrasi__passport_applications') }}
    union all
    select 'PLACEMENT', {{ address_key('desa', 'kecamatan', 'kabupaten', 'nik_district') }}
    from {{ ref('stg_bp3mi__placements') }}
    union all
    select 'COMPLAINT', {{ address_key('desa', 'kecamatan', 'kabupaten', 'nik_district') }}
    from {{ ref('stg_bp3mi__complaints') }}
    union all
    select 'TPPO_CASE_PARTY', {{ address_key('desa', 'kecamatan', 'kabupaten', 'nik_district') }}
    from {{ ref('stg_polda__tppo_case_parties') }}
    union all
    select 'INTERDICTED_PERSON', {{ address_key('desa', 'kecamatan', 'kabupaten', 'nik_district') }}
    from {{ ref('stg_polda__interdicted_persons') }}
    union all
    select 'FOREIGN_PERMIT', {{ address_key('desa', 'kecamatan', 'kabupaten', 'null') }}
    from {{ ref('stg_imigrasi__foreign_permits') }}
    union all
    select 'TIMPORA_FINDING', {{ address_key('desa', 'kecamatan', 'kabupaten', 'null') }}
    from {{ ref('stg_imigrasi__timpora_findings') }}
),

counted as (
    select
        records.record_source,
        addresses.resolution_method,
        addresses.unresolved_reason,
        count(*) as records,
        count(distinct records.address_key) as distinct_addresses
    from records
    inner join addresses using (address_key)
    group by all
),

final as (
    select
        record_source,
        resolution_method,
        coalesce(unresolved_reason, 'RESOLVED') as outcome,
        cast(records as integer) as records,
        cast(distinct_addresses as integer) as distinct_addresses,
        cast(round(records / sum(records) over (partition by record_source), 6) as double)
            as share_of_source
    from counted
)

select * from final
order by record_source, resolution_method, outcome
