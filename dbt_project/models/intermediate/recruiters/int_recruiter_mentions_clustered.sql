{#-
    Informal recruiters (calo/sponsor) as named in the records, clustered by name.
    Mentions: `nama_perekrut` of BP3MI complaints, `perekrut` of police interdictions,
    and the name and alias of TERSANGKA (suspects) in TPPO cases.
    Each mention is split into its aliases (`Sudarman als Darman`, `X alias Y`, `X / Y`)
    and each alias normalised (macro normalise_person_name: PAK/BU/IBU/BAPAK/H./HJ. ...
    removed). Clustering (simple first version): a mention joins the cluster of its first
    normalised name, except that a name recorded as the alias of exactly one other name
    (`DARMAN` in `Sudarman als Darman`) joins that name's cluster.
    recruiter_key = 'R-' || md5(canonical name): stable across runs.
    These are suspects' names: they may only surface in mart_recruiter_watchlist.
-#}
with complaints as (
    select * from {{ ref('stg_bp3mi__complaints') }}
    where recruiter_name_text is not null
),

interdictions as (
    select * from {{ ref('stg_polda__interdictions') }}
    where recruiter_name_text is not null
),

case_parties as (
    select * from {{ ref('stg_polda__tppo_case_parties') }}
    where party_role = 'TERSANGKA' and coalesce(person_name, person_alias) is not null
),

tppo_cases as (
    select case_id, reported_date from {{ ref('stg_polda__tppo_cases') }}
),

mentions as (
    select
        'COMPLAINT' as mention_source,
        complaint_id as mention_id,
        complaint_id as record_id,
        reported_date as mention_date,
        recruiter_name_text as name_text
    from complaints
    union all
    select
        'INTERDICTION', interdiction_id, interdiction_id, cast(interdicted_at as date), recruiter_name_text
    from interdictions
    union all
    select
        'TPPO_CASE',
        case_parties.party_id,
        case_parties.case_id,
        tppo_cases.reported_date,
        concat_ws(' ALIAS ', case_parties.person_name, case_parties.person_alias)
    from case_parties
    inner join tppo_cases using (case_id)
),

aliases as (
    select
        mentions.mention_source,
        mentions.mention_id,
        mentions.record_id,
        mentions.mention_date,
        alias_parts.alias_index,
        {{ normalise_person_name('alias_parts.alias_text') }} as alias_name
    from mentions,
        unnest(
            regexp_split_to_array(mentions.name_text, '(?i)\s+(als\.?|alias)\s+|\s*/\s*|\s*[()]\s*')
        ) with ordinality as alias_parts(alias_text, alias_index)
),

named_aliases as (
    select * from aliases where alias_name is not null
),

mention_names as (
    select
        mention_source,
        mention_id,
        record_id,
        mention_date,
        arg_min(alias_name, alias_index) as primary_name
    from named_aliases
    group by mention_source, mention_id, record_id, mention_date
),

alias_edges as (
    select distinct named_aliases.alias_name, mention_names.primary_name
    from named_aliases
    inner join mention_names using (mention_source, mention_id)
    where named_aliases.alias_name <> mention_names.primary_name
),

alias_of_one as (
    select alias_name, min(primary_name) as canonical_name
    from alias_edges
    group by alias_name
    having count(distinct primary_name) = 1
),

final as (
    select
        'R-' || md5(coalesce(alias_of_one.canonical_name, mention_names.primary_name))
            as recruiter_key,
        coalesce(alias_of_one.canonical_name, mention_names.primary_name) as canonical_name,
        mention_names.primary_name as mentioned_name,
        mention_names.mention_source,
        mention_names.mention_id,
        mention_names.record_id,
        mention_names.mention_date
    from mention_names
    left join alias_of_one on mention_names.primary_name = alias_of_one.alias_name
)

select * from final
