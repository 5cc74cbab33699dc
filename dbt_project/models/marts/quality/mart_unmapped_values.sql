{#-
    Every delivered value of a coded field that could not be mapped, one row per source,
    feed, field and value: countries no rule resolves (macro country_resolution: UNMAPPED
    or AMBIGUOUS), places the village resolution leaves unmatched or ambiguous
    (int_addresses_resolved), and codes outside the feed contracts (status, purpose,
    modus, sex, direction...: meta.unmapped_codes), and interdiction places (lokasi) that
    name no place or several (int_interdictions_placed). With the rows that carry it, the first
    and last delivery dates, and what was done with it and how to map it.

    Placeholders (`-`, `TIDAK ADA`: seed placeholders) are missing values, not listed.
    Runs of six digits or more are masked (a NIK typed into the wrong field), and values
    are cut at 80 characters: the mart names values, never people.
-#}
{%- set country_fields = [
    ('imigrasi', 'paspor', 'negara_tujuan', 'stg_imigrasi__passport_applications', 'destination_country_text'),
    ('imigrasi', 'perlintasan', 'negara', 'stg_imigrasi__border_crossings', 'country_text'),
    ('imigrasi', 'perlintasan', 'kewarganegaraan', 'stg_imigrasi__border_crossings', 'nationality_text'),
    ('imigrasi', 'wna', 'kewarganegaraan', 'stg_imigrasi__foreign_permits', 'nationality_text'),
    ('bp3mi', 'penempatan', 'negara_penempatan', 'stg_bp3mi__placements', 'destination_country_text'),
    ('bp3mi', 'pengaduan', 'negara', 'stg_bp3mi__complaints', 'destination_country_text'),
    ('polda', 'penggagalan', 'negara_tujuan', 'stg_polda__interdictions', 'destination_country_text'),
    ('polda', 'kasus_tppo', 'negara_tujuan', 'stg_polda__tppo_cases', 'destination_country_text'),
] -%}
{%- set address_feeds = [
    ('imigrasi', 'paspor', 'stg_imigrasi__passport_applications', 'nik_district'),
    ('imigrasi', 'wna', 'stg_imigrasi__foreign_permits', 'null'),
    ('imigrasi', 'timpora', 'stg_imigrasi__timpora_findings', 'null'),
    ('bp3mi', 'penempatan', 'stg_bp3mi__placements', 'nik_district'),
    ('bp3mi', 'pengaduan', 'stg_bp3mi__complaints', 'nik_district'),
    ('polda', 'kasus_tppo', 'stg_polda__tppo_case_parties', 'nik_district'),
    ('polda', 'penggagalan', 'stg_polda__interdicted_persons', 'nik_district'),
] -%}

with country_values as (
    {%- for source, feed, field, model, column in country_fields %}
    select
        '{{ source }}' as source, '{{ feed }}' as feed, '{{ field }}' as field,
        {{ column }} as value_text, _delivery_date as delivery_date
    from {{ ref(model) }}
    where {{ column }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

countries_resolved as (
    {{ country_resolution('country_values', ['value_text']) }}
),

unmapped_countries as (
    select
        country_values.source,
        country_values.feed,
        country_values.field,
        'COUNTRY' as value_kind,
        country_values.value_text as raw_value,
        count(*) as n_rows,
        min(country_values.delivery_date) as first_delivery_date,
        max(country_values.delivery_date) as last_delivery_date,
        case countries_resolved.country_method
            when 'AMBIGUOUS' then 'left unknown: could be ' || countries_resolved.country_candidates
            else 'left unknown: no country has this name'
        end || '; a departure is judged on its other evidence. To map it, add a row to '
            || 'seeds/reference/country_aliases.csv' as action
    from country_values
    inner join countries_resolved on countries_resolved.country_text = country_values.value_text
    where countries_resolved.country_method in ('UNMAPPED', 'AMBIGUOUS')
    group by all
),

address_records as (
    {%- for source, feed, model, nik_district in address_feeds %}
    select
        '{{ source }}' as source, '{{ feed }}' as feed, desa, kecamatan, kabupaten,
        {{ address_key('desa', 'kecamatan', 'kabupaten', nik_district) }} as address_key,
        _delivery_date as delivery_date
    from {{ ref(model) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

addresses as (
    select address_key, unresolved_reason
    from {{ ref('int_addresses_resolved') }}
    where unresolved_reason in (
        'REGENCY_UNMATCHED', 'DISTRICT_UNMATCHED', 'VILLAGE_UNMATCHED', 'VILLAGE_AMBIGUOUS')
),

unmapped_places as (
    select
        address_records.source,
        address_records.feed,
        case addresses.unresolved_reason
            when 'REGENCY_UNMATCHED' then 'kabupaten'
            when 'DISTRICT_UNMATCHED' then 'kecamatan'
            else 'desa'
        end as field,
        case addresses.unresolved_reason
            when 'REGENCY_UNMATCHED' then 'REGENCY'
            when 'DISTRICT_UNMATCHED' then 'DISTRICT'
            else 'VILLAGE'
        end as value_kind,
        case addresses.unresolved_reason
            when 'REGENCY_UNMATCHED' then address_records.kabupaten
            when 'DISTRICT_UNMATCHED' then address_records.kecamatan
            else address_records.desa
        end as raw_value,
        count(*) as n_rows,
        min(address_records.delivery_date) as first_delivery_date,
        max(address_records.delivery_date) as last_delivery_date,
        case addresses.unresolved_reason
            when 'VILLAGE_AMBIGUOUS' then 'left without a village: the name fits several villages '
                || 'of its district'
            else 'left without a village: no BPS place has this name'
        end || ' (counted in mart_address_resolution). To map it, add a row to '
            || 'seeds/reference/place_aliases.csv (level, BPS code, alias)' as action
    from address_records
    inner join addresses using (address_key)
    group by all
),

unmapped_codes as (
    select
        source,
        feed,
        field,
        'CODE' as value_kind,
        value as raw_value,
        sum(n_rows) as n_rows,
        min(delivery_date) as first_delivery_date,
        max(delivery_date) as last_delivery_date,
        'loaded as delivered, not a contract value (FEEDS.md); the load audit warned. To map '
            || 'it, add a row to seeds/reference/code_synonyms.csv (files loaded afterwards)'
            as action
    from {{ ref('stg_meta__unmapped_codes') }}
    group by all
),

unmapped_interdiction_places as (
    select
        'polda' as source,
        'penggagalan' as feed,
        'lokasi' as field,
        'PLACE' as value_kind,
        location_text as raw_value,
        count(*) as n_rows,
        min(_delivery_date) as first_delivery_date,
        max(_delivery_date) as last_delivery_date,
        case place_method
            when 'AMBIGUOUS' then 'left without a place: the text names several places'
            else 'left without a place: no known spelling of a port, airport or terminal'
        end || ' (marts.mart_routes: checkpoint UNKNOWN). To map it, add a row to '
            || 'seeds/reference/interdiction_places.csv (alias, checkpoint_code)' as action
    from {{ ref('int_interdictions_placed') }}
    where place_method in ('AMBIGUOUS', 'UNMAPPED')
    group by all
),

unioned as (
    select * from unmapped_countries
    union all
    select * from unmapped_places
    union all
    select * from unmapped_codes
    union all
    select * from unmapped_interdiction_places
),

masked as (
    select
        * replace (left(regexp_replace(raw_value, '[0-9]{6,}', '<digits>', 'g'), 80) as raw_value)
    from unioned
    where raw_value is not null
),

final as (
    -- two values that differ only in their masked digits are one row
    select
        source,
        feed,
        field,
        value_kind,
        raw_value,
        cast(sum(n_rows) as integer) as n_rows,
        min(first_delivery_date) as first_delivery_date,
        max(last_delivery_date) as last_delivery_date,
        min(action) as action
    from masked
    group by source, feed, field, value_kind, raw_value
)

select * from final
order by source, feed, field, n_rows desc, raw_value
