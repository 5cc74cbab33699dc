-- One row per departure of an Indonesian citizen, classified (int_departures_classified).
-- Person-level but pseudonymous: person_key is the linked person's key (a keyed NIK or
-- passport pseudonym, int_person_records_linked), never a raw identifier.
with departures as (
    select * from {{ ref('int_departures_classified') }}
),

final as (
    select
        crossing_id,
        departed_at,
        destination_country,
        person_key,
        village_code,
        classification,
        classification_reason,
        departure_date,
        departure_month,
        checkpoint_code,
        district_code,
        regency_code,
        is_linked,
        link_source,
        is_labour_destination,
        matched_placement_id,
        has_returned,
        returned_at,
        is_return_window_open,
        days_away,
        stated_purpose,
        postponements,
        offices,
        adverse_evidence,
        classification_rule
    from departures
)

select * from final
order by crossing_id
