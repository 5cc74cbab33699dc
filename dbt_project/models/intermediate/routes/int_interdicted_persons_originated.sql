{#-
    One row per person of an interdiction (stg_polda__interdicted_persons), with where the
    interdiction happened (int_interdictions_placed) and where the person comes from:

      a Lampung regency code   the address resolves to a Lampung regency
                               (int_addresses_resolved: the kabupaten text, a kecamatan
                               text only one Lampung district has, or the NIK's district);
      OUTSIDE_LAMPUNG          the address does not resolve to Lampung and either the NIK
                               was registered in another province (its first two digits
                               are not 18) or the kabupaten names a regency no Lampung
                               regency or district matches (REGENCY_UNMATCHED) while the
                               NIK (if any) does not say Lampung: a traveller in transit
                               through Lampung, typically stopped at Bakauheni on the way
                               between Java and the exit ports of Sumatra;
      UNKNOWN                  anything else (no address, or one that names no regency).
    person_key is the linked person's key (int_person_records_linked), else the record's own
    id, so that one person counts once per interdiction.
-#}
with persons as (
    select * from {{ ref('stg_polda__interdicted_persons') }}
),

interdictions as (
    select * from {{ ref('int_interdictions_placed') }}
),

addresses as (
    select address_key, regency_code, unresolved_reason from {{ ref('int_addresses_resolved') }}
),

linked as (
    select record_id, person_key from {{ ref('int_person_records_linked') }}
    where record_source = 'INTERDICTED_PERSON'
),

addressed as (
    select
        persons.*,
        {{ address_key('persons.desa', 'persons.kecamatan', 'persons.kabupaten', 'persons.nik_district') }}
            as address_key,
        left(persons.nik_district, 2) as nik_province_code
    from persons
),

originated as (
    select
        addressed.interdicted_person_id,
        addressed.interdiction_id,
        coalesce(linked.person_key, addressed.interdicted_person_id) as person_key,
        interdictions.interdiction_date,
        interdictions.interdiction_month,
        interdictions.checkpoint_code,
        interdictions.destination_country,
        case
            when addresses.regency_code is not null then addresses.regency_code
            when addressed.nik_province_code is not null and addressed.nik_province_code <> '18'
                then 'OUTSIDE_LAMPUNG'
            when addresses.unresolved_reason = 'REGENCY_UNMATCHED'
                and addressed.nik_province_code is null then 'OUTSIDE_LAMPUNG'
            else 'UNKNOWN'
        end as origin_regency_code,
        case
            when addresses.regency_code is not null then 'ADDRESS'
            when addressed.nik_province_code is not null and addressed.nik_province_code <> '18'
                then 'NIK_PROVINCE'
            when addresses.unresolved_reason = 'REGENCY_UNMATCHED'
                and addressed.nik_province_code is null then 'REGENCY_TEXT'
            else 'NONE'
        end as origin_method
    from addressed
    inner join interdictions using (interdiction_id)
    left join addresses using (address_key)
    left join linked on linked.record_id = addressed.interdicted_person_id
),

final as (
    select *, origin_regency_code = 'OUTSIDE_LAMPUNG' as is_transit from originated
)

select * from final
