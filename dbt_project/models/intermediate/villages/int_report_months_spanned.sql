-- The months the marts cover: from the month of the earliest to the month of the latest
-- delivery date in the manifest (LOADED and DUPLICATE files only: PENDING and REJECTED
-- files never widen the window), one row per month.
with deliveries as (
    select delivery_date from {{ ref('stg_meta__deliveries') }}
    where status in ('LOADED', 'DUPLICATE')  -- a REJECTED file's date may be unknown (1970-01-01)
),

bounds as (
    select
        date_trunc('month', min(delivery_date)) as first_month,
        date_trunc('month', max(delivery_date)) as last_month
    from deliveries
),

final as (
    select
        cast(month as date) as month,
        cast(last_day(month) as date) as month_end_date
    from bounds,
        range(bounds.first_month, bounds.last_month + interval 1 month, interval 1 month)
            as months(month)
    where bounds.first_month is not null
)

select * from final
