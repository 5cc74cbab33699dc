{#-
    One row per interdiction (stg_polda__interdictions), its free-text `lokasi` placed at a
    checkpoint of seeds/reference/checkpoints.csv through the spellings of
    interdiction_places. Both sides compared upper case, letters and digits only
    (`Pel. Bakauheni` -> PELBAKAUHENI):

      EXACT      the lokasi is an alias;
      CONTAINS   the lokasi contains aliases of one place only (PELABUHANBAKAUHENI,
                 BANDARARADENINTAN2, DERMAGAEKSEKUTIFBAKAUHENILAMPUNGSELATAN);
      AMBIGUOUS  it contains aliases of two or more places: left unplaced, never guessed;
      UNMAPPED   it contains none;
      MISSING    no lokasi, or a placeholder (`-`, `TIDAK ADA`: seed placeholders).
    Unplaced interdictions keep checkpoint_code 'UNKNOWN'; AMBIGUOUS and UNMAPPED texts are
    listed in marts.mart_unmapped_values.
-#}
with interdictions as (
    select * from {{ ref('stg_polda__interdictions') }}
),

aliases as (
    select
        regexp_replace(upper(alias), '[^A-Z0-9]', '', 'g') as alias_norm,
        checkpoint_code
    from {{ ref('interdiction_places') }}
),

normalised as (
    select
        interdiction_id,
        location_text,
        case
            when location_text is null or {{ is_placeholder('location_text', 'place') }} then null
            else nullif(regexp_replace(upper(location_text), '[^A-Z0-9]', '', 'g'), '')
        end as location_norm
    from interdictions
),

candidates as (
    select
        normalised.interdiction_id,
        count(distinct aliases.checkpoint_code) as places,
        min(aliases.checkpoint_code) as checkpoint_code,
        bool_or(aliases.alias_norm = normalised.location_norm) as is_exact
    from normalised
    inner join aliases on contains(normalised.location_norm, aliases.alias_norm)
    group by normalised.interdiction_id
),

final as (
    select
        interdictions.interdiction_id,
        interdictions.interdicted_at,
        cast(interdictions.interdicted_at as date) as interdiction_date,
        cast(date_trunc('month', interdictions.interdicted_at) as date) as interdiction_month,
        interdictions.destination_country,
        interdictions.location_text,
        interdictions._delivery_date,
        case when candidates.places = 1 then candidates.checkpoint_code else 'UNKNOWN' end
            as checkpoint_code,
        case
            when normalised.location_norm is null then 'MISSING'
            when candidates.places is null then 'UNMAPPED'
            when candidates.places > 1 then 'AMBIGUOUS'
            when candidates.is_exact then 'EXACT'
            else 'CONTAINS'
        end as place_method
    from interdictions
    inner join normalised using (interdiction_id)
    left join candidates using (interdiction_id)
)

select * from final
