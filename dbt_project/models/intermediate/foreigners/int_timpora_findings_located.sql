-- Timpora findings resolved to a Lampung village (int_village_events_unioned), one row
-- per finding: its date and month, the persons it counts (quantity), the operation it
-- came from and its type; is_foreigner_finding marks foreigners found without a permit
-- or past it (WNA_TANPA_IZIN, WNA_OVERSTAY).
select
    events.village_code,
    events.event_date,
    events.event_month,
    events.quantity,
    staged.operation_id,
    staged.finding_type,
    staged.finding_type in ('WNA_OVERSTAY', 'WNA_TANPA_IZIN') as is_foreigner_finding
from {{ ref('int_village_events_unioned') }} as events
inner join {{ ref('stg_imigrasi__timpora_findings') }} as staged
    on staged.finding_id = events.unit_id
where events.measure = 'timpora_findings' and events.village_code is not null
