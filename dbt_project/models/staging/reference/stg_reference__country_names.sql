-- Every name a country is known by, normalised: the library's (seed country_names: CLDR
-- names in English, Indonesian and Malay, ISO alpha-2 and alpha-3 codes) and the
-- hand-kept aliases (seed country_aliases). An alias overrides the library for its
-- text: `AS` in an Indonesian form is Amerika Serikat, not American Samoa.
with library as (
    select name_normalised, iso3, source from {{ ref('country_names') }}
),

aliases as (
    select
        {{ normalise_country_text('name') }} as name_normalised,
        iso3,
        'alias:' || kind as source
    from {{ ref('country_aliases') }}
),

final as (
    select name_normalised, iso3, source from aliases
    union all
    select library.name_normalised, library.iso3, library.source
    from library
    where library.name_normalised not in (select name_normalised from aliases)
)

select * from final
