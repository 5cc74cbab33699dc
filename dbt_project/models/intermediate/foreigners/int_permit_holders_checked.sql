-- Every foreign permit holder (a passport pseudonym) at every report month's checkpoint:
-- the month's last day, the as-of date (the latest delivery date of a loaded file, never
-- the clock) in the latest month. At a checkpoint the holder's permit is the latest one
-- granted by then (latest berlaku_dari; extensions are new permits of the same passport);
-- it has ended when berlaku_sampai lies before the checkpoint (BERAKHIR) or a DICABUT
-- version was delivered on or before it (DICABUT, from that delivery date on).
-- The holder has left when the passport's latest crossing up to the checkpoint is a
-- departure (KEBERANGKATAN): before the end (most leave in the permit's last weeks) or
-- after it; an arrival after it means they came back. OVERSTAY: ended and not left.
-- Restricted: holds the permit number; the marts keep the pseudonym only.
with permits as (
    select dated.*, staged.passport_key
    from {{ ref('int_foreign_permits_dated') }} as dated
    inner join {{ ref('stg_imigrasi__foreign_permits') }} as staged using (permit_id)
    where staged.passport_key is not null
),

months as (
    select * from {{ ref('int_report_months_spanned') }}
),

as_of as (
    select max(delivery_date) as as_of_date
    from {{ ref('stg_meta__deliveries') }}
    where status in ('LOADED', 'DUPLICATE')
),

checkpoints as (
    select
        months.month,
        cast(least(months.month_end_date, as_of.as_of_date) as date) as checkpoint_date,
        months.month = max(months.month) over () as is_latest_month
    from months
    cross join as_of
),

crossings as (
    select passport_key, crossed_at, direction, crossing_id
    from {{ ref('stg_imigrasi__border_crossings') }}
    where passport_key in (select passport_key from permits)
      and crossed_at is not null
),

latest_permits as (
    select
        checkpoints.month,
        checkpoints.checkpoint_date,
        checkpoints.is_latest_month,
        permits.*
    from permits
    inner join checkpoints on permits.valid_from_date <= checkpoints.checkpoint_date
    qualify row_number() over (
        partition by permits.passport_key, checkpoints.month
        order by permits.valid_from_date desc, permits.valid_until_date desc nulls first,
            permits.permit_id desc
    ) = 1
),

ends as (
    select
        latest_permits.*,
        case
            when revoked_date <= checkpoint_date
                and (valid_until_date is null or revoked_date <= valid_until_date)
                then 'DICABUT'
            when valid_until_date < checkpoint_date then 'BERAKHIR'
        end as end_reason
    from latest_permits
),

last_crossings as (
    select
        ends.passport_key,
        ends.month,
        crossings.direction as last_direction,
        crossings.crossed_at as last_crossed_at
    from ends
    inner join crossings
        on crossings.passport_key = ends.passport_key
        and cast(crossings.crossed_at as date) <= ends.checkpoint_date
    qualify row_number() over (
        partition by ends.passport_key, ends.month
        order by crossings.crossed_at desc, crossings.direction, crossings.crossing_id desc
    ) = 1
),

final as (
    select
        ends.passport_key,
        ends.month,
        ends.checkpoint_date,
        ends.is_latest_month,
        ends.permit_id,
        ends.permit_type,
        ends.nationality,
        ends.valid_from_date,
        ends.valid_until_date,
        ends.revoked_date,
        ends.village_code,
        ends.district_code,
        ends.regency_code,
        ends.end_reason,
        case ends.end_reason
            when 'DICABUT' then ends.revoked_date
            when 'BERAKHIR' then ends.valid_until_date
        end as ended_on,
        last_crossings.last_direction,
        cast(last_crossings.last_crossed_at as date) as last_crossed_date,
        coalesce(last_crossings.last_direction = 'KEBERANGKATAN', false) as has_left,
        case
            when ends.end_reason is null then 'ACTIVE'
            when last_crossings.last_direction = 'KEBERANGKATAN' then 'LEFT'
            else 'OVERSTAY'
        end as holder_status
    from ends
    left join last_crossings using (passport_key, month)
)

select * from final
