{#-
    Informal recruiters (calo/sponsor) as named in the records, clustered into recruiters.
    Mentions: `nama_perekrut` of BP3MI complaints, `perekrut` of police interdictions, and
    the name and alias of TERSANGKA (suspects) in TPPO cases. Each mention has a place: the
    regency of the complainant, of most of the interdicted persons, or of the suspect.

    1. A mention is split into its aliases (`Sudarman als Darman`, `X alias Y`, `X / Y`,
       `X (Y)`) and each alias normalised (macro normalise_full_name: PAK/BU/H./HJ. and
       the like, punctuation, and a `BIN`/`BINTI` patronymic removed).
    2. A *full* name is one with two words or more, or one written first in a mention that
       also gives an alias (`Sudarman` in `Sudarman als Darman`). Any other name is a
       nickname, and nicknames are shared by several calo (`DARMAN`, `YONO`): a nickname
       counts as the same person only within one regency (`DARMAN@1809`).
    3. The aliases of one mention are one person: they are joined, except through a
       nickname that the records of its regency tie to two different full names (it
       would merge two calo). A nickname that its regency ties to no full name joins the
       one full name the records of all Lampung tie it to, if there is exactly one.
    4. Clusters are the connected components; recruiter_key = 'R-' || md5(the smallest
       name of the cluster): stable across runs as long as that name is seen.
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

linked as (
    select record_source, record_id, regency_code from {{ ref('int_person_records_linked') }}
),

interdiction_places as (
    select
        split_part(record_id, '#', 1) as interdiction_id,
        -- the regency most of its persons come from (ties: the lowest regency code)
        first(regency_code order by n desc, regency_code) as regency_code
    from (
        select record_id, regency_code, count(*) over (
            partition by split_part(record_id, '#', 1), regency_code) as n
        from linked
        where record_source = 'INTERDICTED_PERSON' and regency_code is not null
    )
    group by 1
),

mentions as (
    select
        'COMPLAINT' as mention_source,
        complaints.complaint_id as mention_id,
        complaints.complaint_id as record_id,
        complaints.reported_date as mention_date,
        complaints.recruiter_name_text as name_text,
        linked.regency_code
    from complaints
    left join linked
        on linked.record_source = 'COMPLAINT' and linked.record_id = complaints.complaint_id
    union all
    select
        'INTERDICTION', interdictions.interdiction_id, interdictions.interdiction_id,
        cast(interdictions.interdicted_at as date), interdictions.recruiter_name_text,
        interdiction_places.regency_code
    from interdictions
    left join interdiction_places using (interdiction_id)
    union all
    select
        'TPPO_CASE',
        case_parties.party_id,
        case_parties.case_id,
        tppo_cases.reported_date,
        concat_ws(' ALIAS ', case_parties.person_name, case_parties.person_alias),
        linked.regency_code
    from case_parties
    inner join tppo_cases using (case_id)
    left join linked
        on linked.record_source = 'TPPO_CASE_PARTY' and linked.record_id = case_parties.party_id
),

aliases as (
    select
        mentions.mention_source,
        mentions.mention_id,
        mentions.regency_code,
        alias_parts.alias_index,
        {{ normalise_full_name('alias_parts.alias_text', 'recruiter') }} as alias_name
    from mentions,
        unnest(
            regexp_split_to_array(mentions.name_text, '(?i)\s+(als\.?|alias)\s+|\s*/\s*|\s*[()]\s*')
        ) with ordinality as alias_parts(alias_text, alias_index)
),

named_aliases as (
    select * from aliases where alias_name is not null
),

mention_shapes as (
    select
        mention_source,
        mention_id,
        arg_min(alias_name, alias_index) as primary_name,
        count(distinct alias_name) as n_names
    from named_aliases
    group by mention_source, mention_id
),

full_names as (
    select distinct alias_name from named_aliases where alias_name like '% %'
    union
    select primary_name from mention_shapes where n_names > 1
),

nodes as (
    -- one node per name, a nickname per regency
    select
        named_aliases.*,
        full_names.alias_name is not null as is_full_name,
        case
            when full_names.alias_name is not null then named_aliases.alias_name
            else named_aliases.alias_name || '@' || coalesce(named_aliases.regency_code, '?')
        end as node
    from named_aliases
    left join full_names using (alias_name)
),

pairs as (
    select distinct a.node as node_a, b.node as node_b, a.is_full_name as a_full, b.is_full_name as b_full
    from nodes as a
    inner join nodes as b
        on a.mention_source = b.mention_source and a.mention_id = b.mention_id
        and a.node <> b.node
),

bridges as (
    -- nicknames tied to two or more different full names
    select node_a as node
    from pairs
    where not a_full and b_full
    group by node_a
    having count(distinct node_b) > 1
),

nickname_ties as (
    -- which full names each nickname is written with, anywhere in Lampung
    select split_part(node_a, '@', 1) as nickname, min(node_b) as full_node,
        count(distinct node_b) as n_full
    from pairs
    where not a_full and b_full
    group by 1
),

lone_nicknames as (
    -- nickname nodes that their own regency ties to no full name
    select distinct node, alias_name
    from nodes
    where not is_full_name
      and node not in (select node_a from pairs where b_full)
),

edges as (
    select node_a, node_b from pairs
    where node_a not in (select node from bridges) and node_b not in (select node from bridges)
    union all
    select lone_nicknames.node, nickname_ties.full_node
    from lone_nicknames
    inner join nickname_ties
        on lone_nicknames.alias_name = nickname_ties.nickname and nickname_ties.n_full = 1
    union all
    select nickname_ties.full_node, lone_nicknames.node
    from lone_nicknames
    inner join nickname_ties
        on lone_nicknames.alias_name = nickname_ties.nickname and nickname_ties.n_full = 1
),

reach as (
    with recursive walk(node, label) as (
        select distinct node, node from nodes
        union
        select edges.node_b, walk.label
        from walk
        inner join edges on edges.node_a = walk.node
    )
    select node, min(label) as label from walk group by node
),

mention_clusters as (
    -- a mention belongs to the cluster of its first name
    select
        mention_shapes.mention_source,
        mention_shapes.mention_id,
        mention_shapes.primary_name,
        reach.label
    from mention_shapes
    inner join nodes
        on nodes.mention_source = mention_shapes.mention_source
        and nodes.mention_id = mention_shapes.mention_id
        and nodes.alias_name = mention_shapes.primary_name
    inner join reach on reach.node = nodes.node
    qualify row_number() over (
        partition by mention_shapes.mention_source, mention_shapes.mention_id
        order by nodes.alias_index, reach.label
    ) = 1
),

cluster_names as (
    -- the name a cluster is known by: its first full name, else its nickname
    select
        reach.label,
        coalesce(
            min(nodes.alias_name) filter (where nodes.is_full_name),
            min(nodes.alias_name)
        ) as canonical_name
    from reach
    inner join nodes on nodes.node = reach.node
    group by reach.label
),

final as (
    select
        'R-' || md5(mention_clusters.label) as recruiter_key,
        cluster_names.canonical_name,
        mention_clusters.primary_name as mentioned_name,
        mentions.mention_source,
        mentions.mention_id,
        mentions.record_id,
        mentions.mention_date,
        mentions.regency_code as mention_regency_code
    from mention_clusters
    inner join mentions using (mention_source, mention_id)
    inner join cluster_names using (label)
)

select * from final
