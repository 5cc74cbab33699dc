{#- Match texts to reference names within a scope (used by int_addresses_resolved).

    texts: a relation (text_key, scope, form): one row per normalised form of a text;
    names: a relation (scope, code, form): one row per normalised spelling of a code
    (official name, alternative spellings); scope restricts candidates (the regency of a
    district, the district of a village; '' = the whole province).
    Per text_key, the first that applies:
      EXACT      one code has a spelling equal to one of the text's forms (confidence 1);
      AMBIGUOUS  several codes do (a name shared within the scope): no code, never forced;
      FUZZY      the code with the highest Jaro-Winkler similarity over all pairs of forms,
                 when it reaches `threshold` and is strictly above every other code
                 (confidence = the similarity). A tie at the top yields nothing.
                 Failing that, the one code with a spelling a single edit away
                 (Damerau-Levenshtein 1: a letter dropped, added, changed or two swapped)
                 from a form of six characters or more, when no other code is as close:
                 `TRAHAN` for TARAHAN, `MURAGADINGMAS` for MUARAGADINGMAS, whose
                 Jaro-Winkler similarity stays under the threshold. -#}
{% macro match_place(texts, names, threshold) -%}
    with exact as (
        select t.text_key, count(distinct n.code) as n_codes, min(n.code) as code
        from {{ texts }} as t
        inner join {{ names }} as n on t.scope = n.scope and t.form = n.form
        group by t.text_key
    ),

    scored as (
        select
            t.text_key,
            n.code,
            max(jaro_winkler_similarity(t.form, n.form)) as similarity,
            min(case when length(t.form) >= 6 then damerau_levenshtein(t.form, n.form) end)
                as edits
        from {{ texts }} as t
        inner join {{ names }} as n on t.scope = n.scope
        where t.text_key not in (select text_key from exact)
        group by t.text_key, n.code
    ),

    ranked as (
        select
            *,
            row_number() over (partition by text_key order by similarity desc, code) as candidate_rank,
            lead(similarity) over (partition by text_key order by similarity desc, code)
                as runner_up_similarity
        from scored
    ),

    similar_codes as (
        select text_key, code, similarity
        from ranked
        where candidate_rank = 1
          and similarity >= {{ threshold }}
          and (runner_up_similarity is null or runner_up_similarity < similarity)
    ),

    one_edit as (
        select text_key, min(code) as code, max(similarity) as similarity
        from scored
        where edits = 1 and text_key not in (select text_key from similar_codes)
        group by text_key
        having count(*) = 1
    )

    select text_key, case when n_codes = 1 then code end as code,
        case when n_codes = 1 then 'EXACT' else 'AMBIGUOUS' end as method,
        case when n_codes = 1 then 1.0 end as confidence
    from exact
    union all
    select text_key, code, 'FUZZY', similarity from similar_codes
    union all
    select text_key, code, 'FUZZY', similarity from one_edit
{%- endmacro %}
