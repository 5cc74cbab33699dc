{#- Country texts as the agencies type them -> ISO 3166 alpha-3.

    normalise_country_text: upper case, accents folded, dots dropped (`U.S.A.` = `USA`),
    every other character but A-Z and 0-9 a space, single spaces; NULL when nothing is
    left. The same rule writes seeds/reference/country_names.csv (scripts/country_names.py)
    and normalises the hand-kept aliases (stg_reference__country_names). -#}
{% macro normalise_country_text(expr) -%}
    nullif(trim(regexp_replace(
        replace(strip_accents(upper({{ expr }})), '.', ''),
        '[^A-Z0-9]+', ' ', 'g'
    )), '')
{%- endmacro %}

{#- The part of a country text before a qualifier: `MALAYSIA, JOHOR` -> `MALAYSIA`,
    `SAUDI ARABIA (JEDDAH)` -> `SAUDI ARABIA`, `TAIWAN - TAICHUNG` -> `TAIWAN`. -#}
{% macro country_text_head(expr) -%}
    {%- set head -%}
        regexp_replace({{ expr }}, '\s+-\s+.*$|[,;/(].*$', '')
    {%- endset -%}
    {{ normalise_country_text(head) }}
{%- endmacro %}

{#- country_resolution(relation, columns): one row per distinct non-null text of
    `columns` in `relation` (a CTE or relation), with
      country_text    the text as delivered (the join key back to the records);
      iso3            ISO 3166 alpha-3, or NULL;
      country_method  how: EXACT (a name, code or alias of stg_reference__country_names),
                      QUALIFIED (the part before a qualifier is exact: `MALAYSIA, JOHOR`),
                      CONTAINED (whole words of exactly one country's names, after names
                      inside longer matched names are set aside: `KUALA LUMPUR MALAYSIA`,
                      `UNI EMIRAT ARAB` is not `ARAB`), FUZZY (Damerau-Levenshtein
                      distance 1, or 2 for names of 8 letters or more, first letter kept
                      or swapped with the second, to names of one
                      country only, and no other country as close, a country's own
                      name winning over a city or region alias: `MALAYISA`, `TAWAN`),
                      PLACEHOLDER (a missing value: `-`, `TIDAK ADA`, `LUAR NEGERI`),
                      AMBIGUOUS (the rules point at two countries) or UNMAPPED;
      country_candidates  for AMBIGUOUS, the ISO codes it could be.
    Codes (ISO alpha-2, alpha-3) count only as whole texts, never inside or fuzzily. -#}
{% macro country_resolution(relation, columns) -%}
    with country_texts as (
        {%- for c in columns %}
        select distinct {{ c }} as country_text from {{ relation }} where {{ c }} is not null
        {%- if not loop.last %}
        union
        {%- endif %}
        {%- endfor %}
    ),

    country_names as (
        select
            name_normalised as name,
            iso3,
            source like 'iso:%' as is_code,
            source in ('alias:city', 'alias:region') as is_place
        from {{ ref('stg_reference__country_names') }}
    ),

    country_normalised as (
        select
            country_text,
            {{ normalise_country_text('country_text') }} as norm,
            {{ country_text_head('country_text') }} as head
        from country_texts
    ),

    country_placeholders as (
        select country_text
        from country_normalised
        where norm is null or {{ is_placeholder('country_text', 'country') }}
    ),

    country_exact as (
        select country_normalised.country_text, country_names.iso3
        from country_normalised
        inner join country_names on country_names.name = country_normalised.norm
    ),

    country_qualified as (
        select country_normalised.country_text, country_names.iso3
        from country_normalised
        inner join country_names
            on country_names.name = country_normalised.head and not country_names.is_code
        where country_normalised.head is distinct from country_normalised.norm
    ),

    country_contained_all as (
        select country_normalised.country_text, country_names.iso3, country_names.name
        from country_normalised
        inner join country_names
            on not country_names.is_code
            and length(country_names.name) >= 4
            and contains(' ' || country_normalised.norm || ' ', ' ' || country_names.name || ' ')
    ),

    country_contained as (
        select country_text, min(iso3) as iso3, list(distinct iso3 order by iso3) as candidates
        from country_contained_all as inner_name
        where not exists (
            select 1 from country_contained_all as outer_name
            where outer_name.country_text = inner_name.country_text
                and length(outer_name.name) > length(inner_name.name)
                and contains(' ' || outer_name.name || ' ', ' ' || inner_name.name || ' ')
        )
        group by country_text
    ),

    country_fuzzy_all as (
        select
            country_normalised.country_text,
            country_names.iso3,
            least(
                case when abs(length(country_names.name) - length(country_normalised.norm)) <= 2
                    then damerau_levenshtein(country_normalised.norm, country_names.name) end,
                case when abs(length(country_names.name) - length(country_normalised.head)) <= 2
                    then damerau_levenshtein(country_normalised.head, country_names.name) end
            ) as distance,
            length(country_names.name) as name_length,
            country_names.is_place
        from country_normalised
        inner join country_names
            on not country_names.is_code and length(country_names.name) >= 5
            -- two edits change the length by two at most; a typo keeps the first letter
            -- (or swaps it with the second)
            and (abs(length(country_names.name) - length(country_normalised.norm)) <= 2
                 or abs(length(country_names.name) - length(country_normalised.head)) <= 2)
            and (left(country_names.name, 1) in (left(country_normalised.norm, 1),
                                                 substr(country_normalised.norm, 2, 1),
                                                 left(country_normalised.head, 1)))
        where country_normalised.country_text not in (
            select country_text from country_exact
            union all select country_text from country_qualified
            union all select country_text from country_contained
            union all select country_text from country_placeholders
        )
    ),

    country_fuzzy_closest as (
        select country_text, iso3
        from country_fuzzy_all
        where distance <= case when name_length >= 8 then 2 else 1 end
        -- as close to a country's own name as to a city or region: the country's
        -- (`TAWAN`: TAIWAN, not the Sabah town TAWAU)
        qualify rank() over (partition by country_text order by distance, is_place) = 1
    ),

    country_fuzzy as (
        select country_text, min(iso3) as iso3, list(distinct iso3 order by iso3) as candidates
        from country_fuzzy_closest
        group by country_text
    ),

    country_resolved as (
        select
            country_normalised.country_text,
            case
                when country_placeholders.country_text is not null then null
                when country_exact.iso3 is not null then country_exact.iso3
                when country_qualified.iso3 is not null then country_qualified.iso3
                when len(country_contained.candidates) = 1 then country_contained.iso3
                when country_contained.iso3 is not null then null
                when len(country_fuzzy.candidates) = 1 then country_fuzzy.iso3
            end as iso3,
            case
                when country_placeholders.country_text is not null then 'PLACEHOLDER'
                when country_exact.iso3 is not null then 'EXACT'
                when country_qualified.iso3 is not null then 'QUALIFIED'
                when len(country_contained.candidates) = 1 then 'CONTAINED'
                when country_contained.iso3 is not null then 'AMBIGUOUS'
                when len(country_fuzzy.candidates) = 1 then 'FUZZY'
                when country_fuzzy.iso3 is not null then 'AMBIGUOUS'
                else 'UNMAPPED'
            end as country_method,
            case
                when country_exact.iso3 is null and country_qualified.iso3 is null
                    then array_to_string(coalesce(
                        if(len(country_contained.candidates) > 1, country_contained.candidates, null),
                        if(len(country_fuzzy.candidates) > 1, country_fuzzy.candidates, null)
                    ), ' ')
            end as country_candidates
        from country_normalised
        left join country_placeholders using (country_text)
        left join country_exact using (country_text)
        left join country_qualified using (country_text)
        left join country_contained using (country_text)
        left join country_fuzzy using (country_text)
    )

    select * from country_resolved
{%- endmacro %}
