-- Foreign nationals' residence permits with the days they are active: from
-- berlaku_dari to berlaku_sampai (open-ended when missing), ended from the delivery date
-- of the first DICABUT version on (a revocation delivered on day D ends it on D).
with permits as (
    select * from {{ ref('stg_imigrasi__foreign_permits') }}
),

history as (
    select * from {{ ref('stg_imigrasi__foreign_permit_history') }}
),

addresses as (
    select * from {{ ref('int_addresses_resolved') }}
),

revocations as (
    select permit_id, min(_delivery_date) as revoked_date
    from history
    where permit_status = 'DICABUT'
    group by permit_id
),

final as (
    select
        permits.permit_id,
        permits.permit_type,
        permits.nationality,
        permits.valid_from_date,
        permits.valid_until_date,
        revocations.revoked_date,
        addresses.village_code,
        addresses.district_code,
        addresses.regency_code
    from permits
    left join revocations using (permit_id)
    left join addresses
        on {{ address_key('permits.desa', 'permits.kecamatan', 'permits.kabupaten', 'null') }}
            = addresses.address_key
    where permits.nationality is distinct from 'IDN'
      and permits.valid_from_date is not null
)

select * from final
