{#- The village risk score (documented in models/marts/risk/_risk__models.yml).
    Each component scores one measure summed over a trailing window of
    `risk_window_months` months (the month and the 11 before it):
        score_<measure> = weight * least(1, ln(1 + window sum) / ln(1 + cap))
    i.e. 0 with no event, `weight` once the window holds `cap` events or more, with a
    log curve between (the first events weigh most). Weights add up to 100, so
    risk_score = sum of the components lies in [0, 100]. Fixed caps (not a per-month
    min-max) keep scores comparable across months and runs. -#}
{% macro risk_components() -%}
    {{ return([
        {'measure': 'suspected_nonprocedural_departures', 'weight': 30, 'cap': 10},
        {'measure': 'tppo_victims', 'weight': 20, 'cap': 5},
        {'measure': 'interdicted_persons', 'weight': 15, 'cap': 10},
        {'measure': 'nonprocedural_complaints', 'weight': 15, 'cap': 5},
        {'measure': 'passport_postponements', 'weight': 10, 'cap': 5},
        {'measure': 'timpora_findings', 'weight': 5, 'cap': 10},
        {'measure': 'labour_destination_departures', 'weight': 5, 'cap': 20},
    ]) }}
{%- endmacro %}

{% macro risk_window_months() -%}
    {{ return(12) }}
{%- endmacro %}

{#- Tier cut-offs on risk_score: TINGGI >= 40, SEDANG >= 15, else RENDAH. -#}
{% macro risk_tier(score) -%}
    case
        when {{ score }} >= 40 then 'TINGGI'
        when {{ score }} >= 15 then 'SEDANG'
        else 'RENDAH'
    end
{%- endmacro %}
