{#- From a set of scored candidates (key, code, score), keep per key the best candidate
    when its score reaches the threshold and no other candidate scores as high: a tie at
    the top is ambiguous and yields nothing (never forced). -#}
{% macro best_unique_candidate(candidates, key, code, score, threshold) -%}
    select {{ key }}, {{ code }}, {{ score }}
    from (
        select
            {{ key }},
            {{ code }},
            {{ score }},
            row_number() over (partition by {{ key }} order by {{ score }} desc, {{ code }}) as candidate_rank,
            lead({{ score }}) over (partition by {{ key }} order by {{ score }} desc, {{ code }}) as runner_up_score
        from {{ candidates }}
    )
    where candidate_rank = 1
      and {{ score }} >= {{ threshold }}
      and (runner_up_score is null or runner_up_score < {{ score }})
{%- endmacro %}
