{#-
    Village resolution: one row per distinct (desa, kecamatan, kabupaten, nik_district)
    text combination found in any feed -> BPS village code, with how and how surely.

    Regency -> district within the regency -> village within the district, each level:
      1. EXACT: normalised text (macro normalise_place_name) equals a normalised BPS name;
      2. FUZZY: DuckDB jaro_winkler_similarity on the normalised texts, best candidate
         with similarity >= var('place_fuzzy_threshold') (0.90: accepts one or two typed
         letters off on names of 6+ letters, rejects different villages sharing a prefix
         such as SIDOMULYO / SIDOMUKTI), and strictly better than the runner-up;
      3. NIK_DISTRICT: when the regency or the district text is missing or unmatched,
         the NIK's Kemendagri district (digits 1-6) through reference.kemendagri_districts
         when that seed exists (the BPS district it maps to, if unique);
      4. EXACT_IN_REGENCY: with no district, a village name that exists exactly once in
         the resolved regency.
    A village name is never resolved outside its district/regency, ambiguous names stay
    NULL, and every unresolved row says why (unresolved_reason).
    Confidence: the product of the levels' confidences (EXACT 1.0, FUZZY = similarity,
    NIK_DISTRICT 0.9, EXACT_IN_REGENCY 0.8).
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

kemendagri_districts as (
    {%- if kemendagri is not none %}
    select
        regexp_replace(cast(kemendagri_district_code as varchar), '[^0-9]', '', 'g')
            as kemendagri_district_code,
        regexp_replace(cast(bps_district_code as varchar), '[^0-9]', '', 'g')
            as bps_district_code
    from {{ kemendagri }}
    {%- else %}
    select null::varchar as kemendagri_district_code, null::varchar as bps_district_code
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

regencies as (
    select
        regency_code,
        {{ normalise_place_name('regency_name', 'regency') }} as regency_norm
    from bps_regencies
),

districts as (
    select
        district_code,
        regency_code,
        {{ normalise_place_name('district_name', 'district') }} as district_norm
    from bps_districts
),

villages as (
    select
        bps_villages.village_code,
        bps_villages.district_code,
        districts.regency_code,
        {{ normalise_place_name('bps_villages.village_name', 'village') }} as village_norm
    from bps_villages
    inner join districts using (district_code)
),

normalised as (
    select
        {{ address_key('desa', 'kecamatan', 'kabupaten', 'nik_district') }} as address_key,
        addresses.desa,
        addresses.kecamatan,
        addresses.kabupaten,
        addresses.nik_district,
        {{ normalise_place_name('addresses.desa', 'village') }} as village_norm,
        {{ normalise_place_name('addresses.kecamatan', 'district') }} as district_norm,
        {{ normalise_place_name('addresses.kabupaten', 'regency') }} as regency_norm,
        nik_district_map.bps_district_code as nik_bps_district_code
    from addresses
    left join nik_district_map
        on addresses.nik_district = nik_district_map.kemendagri_district_code
),

-- regency ---------------------------------------------------------------------------
regency_exact as (
    select normalised.address_key, regencies.regency_code
    from normalised
    inner join regencies on normalised.regency_norm = regencies.regency_norm
),

regency_candidates as (
    select
        normalised.address_key,
        regencies.regency_code,
        jaro_winkler_similarity(normalised.regency_norm, regencies.regency_norm) as similarity
    from normalised
    cross join regencies
    where normalised.regency_norm is not null
      and normalised.address_key not in (select address_key from regency_exact)
),

regency_fuzzy as (
    {{ best_unique_candidate('regency_candidates', 'address_key', 'regency_code', 'similarity', threshold) }}
),

with_regency as (
    select
        normalised.*,
        case
            when regency_exact.regency_code is not null then regency_exact.regency_code
            when regency_fuzzy.regency_code is not null then regency_fuzzy.regency_code
            else left(normalised.nik_bps_district_code, 4)
        end as regency_code,
        case
            when regency_exact.regency_code is not null then 'EXACT'
            when regency_fuzzy.regency_code is not null then 'FUZZY'
            when normalised.nik_bps_district_code is not null then 'NIK_DISTRICT'
        end as regency_method,
        case
            when regency_exact.regency_code is not null then 1.0
            when regency_fuzzy.regency_code is not null then regency_fuzzy.similarity
            when normalised.nik_bps_district_code is not null then 0.9
        end as regency_confidence
    from normalised
    left join regency_exact using (address_key)
    left join regency_fuzzy using (address_key)
),

-- district within the regency ------------------------------------------------------
district_exact as (
    select with_regency.address_key, min(districts.district_code) as district_code
    from with_regency
    inner join districts
        on with_regency.regency_code = districts.regency_code
        and with_regency.district_norm = districts.district_norm
    group by with_regency.address_key
    having count(*) = 1
),

district_candidates as (
    select
        with_regency.address_key,
        districts.district_code,
        jaro_winkler_similarity(with_regency.district_norm, districts.district_norm) as similarity
    from with_regency
    inner join districts on with_regency.regency_code = districts.regency_code
    where with_regency.district_norm is not null
      and with_regency.address_key not in (select address_key from district_exact)
),

district_fuzzy as (
    {{ best_unique_candidate('district_candidates', 'address_key', 'district_code', 'similarity', threshold) }}
),

with_district as (
    select
        with_regency.*,
        case
            when district_exact.district_code is not null then district_exact.district_code
            when district_fuzzy.district_code is not null then district_fuzzy.district_code
            when left(with_regency.nik_bps_district_code, 4) = with_regency.regency_code
                then with_regency.nik_bps_district_code
        end as district_code,
        case
            when district_exact.district_code is not null then 'EXACT'
            when district_fuzzy.district_code is not null then 'FUZZY'
            when left(with_regency.nik_bps_district_code, 4) = with_regency.regency_code
                then 'NIK_DISTRICT'
        end as district_method,
        case
            when district_exact.district_code is not null then 1.0
            when district_fuzzy.district_code is not null then district_fuzzy.similarity
            when left(with_regency.nik_bps_district_code, 4) = with_regency.regency_code
                then 0.9
        end as district_confidence
    from with_regency
    left join district_exact using (address_key)
    left join district_fuzzy using (address_key)
),

-- village within the district (or, lacking one, exactly once in the regency) ---------
village_exact_matches as (
    select with_district.address_key, villages.village_code
    from with_district
    inner join villages
        on with_district.district_code = villages.district_code
        and with_district.village_norm = villages.village_norm
),

village_exact as (
    select address_key, min(village_code) as village_code, count(*) as n_matches
    from village_exact_matches
    group by address_key
),

village_candidates as (
    select
        with_district.address_key,
        villages.village_code,
        jaro_winkler_similarity(with_district.village_norm, villages.village_norm) as similarity
    from with_district
    inner join villages on with_district.district_code = villages.district_code
    where with_district.village_norm is not null
      and with_district.address_key not in (select address_key from village_exact)
),

village_fuzzy as (
    {{ best_unique_candidate('village_candidates', 'address_key', 'village_code', 'similarity', threshold) }}
),

village_in_regency as (
    select with_district.address_key, min(villages.village_code) as village_code
    from with_district
    inner join villages
        on with_district.regency_code = villages.regency_code
        and with_district.village_norm = villages.village_norm
    where with_district.district_code is null
    group by with_district.address_key
    having count(*) = 1
),

with_village as (
    select
        with_district.*,
        case
            when village_exact.n_matches = 1 then village_exact.village_code
            when village_fuzzy.village_code is not null then village_fuzzy.village_code
            when village_in_regency.village_code is not null then village_in_regency.village_code
        end as village_code,
        case
            when village_exact.n_matches = 1 then 'EXACT'
            when village_fuzzy.village_code is not null then 'FUZZY'
            when village_in_regency.village_code is not null then 'EXACT_IN_REGENCY'
        end as village_method,
        case
            when village_exact.n_matches = 1 then 1.0
            when village_fuzzy.village_code is not null then village_fuzzy.similarity
            when village_in_regency.village_code is not null then 0.8
        end as village_confidence,
        village_exact.n_matches > 1 as is_village_ambiguous
    from with_district
    left join village_exact using (address_key)
    left join village_fuzzy using (address_key)
    left join village_in_regency using (address_key)
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
            when with_village.district_code is null and with_village.district_norm is null
                then 'DISTRICT_MISSING'
            when with_village.district_code is null then 'DISTRICT_UNMATCHED'
            when with_village.is_village_ambiguous then 'VILLAGE_AMBIGUOUS'
            else 'VILLAGE_UNMATCHED'
        end as unresolved_reason
    from with_village
)

select * from final
