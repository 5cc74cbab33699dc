{#- The village risk score (documented on mart_village_risk in models/marts/_marts__models.yml).

    For each component measure, over a trailing window of `risk_window_months` months
    (the month and the 11 before it, fewer at the start of the data):
      1. shrunk rate, events per 12 months, pulled towards the district (empirical Bayes,
         Poisson counts with a gamma prior per district):
             shrunk = 12 * (window sum + k * district rate) / (window months + k)
         district rate = the district's events per village-month in the same window;
         k = district rate / between-village variance of the villages' rates (the
         Poisson part of the variance removed), at most `risk_shrinkage_max_months`
         (6): k months of the district's average are added to the village's own.
         Where villages of a district differ little, k is large and one chance event
         in a small village does not make it the riskiest; where a district has a
         real hotspot, k is small and the hotspot keeps its own figure; a quiet village
         in a busy district is not zero;
      2. score_<measure> = weight * shrunk / (shrunk + half)
         0 without events anywhere near, half the weight at `half` events a year, the full
         weight approached but never reached, so that the busiest villages still rank
         apart.
    `label`: the component's name in the morning report and in risk_reason (Indonesian).
    tppo/scoring.py reads this list (the report's legend, the README's formula section).
    Weights add up to 100, so risk_score = sum of the components lies in [0, 100). Fixed
    weights, half-levels and window: the score means the same in every month and run. -#}
{% macro risk_components() -%}
    {{ return([
        {'measure': 'suspected_nonprocedural_departures', 'weight': 55, 'half': 30, 'label': 'keberangkatan terduga nonprosedural'},
        {'measure': 'tppo_victims', 'weight': 12, 'half': 2, 'label': 'korban TPPO'},
        {'measure': 'interdicted_persons', 'weight': 8, 'half': 4, 'label': 'orang digagalkan berangkat'},
        {'measure': 'nonprocedural_complaints', 'weight': 8, 'half': 2, 'label': 'pengaduan nonprosedural'},
        {'measure': 'passport_postponements', 'weight': 8, 'half': 3, 'label': 'penundaan paspor'},
        {'measure': 'timpora_findings', 'weight': 4, 'half': 10, 'label': 'temuan Timpora'},
        {'measure': 'labour_destination_departures', 'weight': 5, 'half': 100, 'label': 'keberangkatan ke negara tujuan kerja'},
    ]) }}
{%- endmacro %}

{% macro risk_window_months() -%}
    {{ return(12) }}
{%- endmacro %}

{% macro risk_shrinkage_max_months() -%}
    {{ return(6) }}
{%- endmacro %}

{#- Tier cut-offs on risk_score: TINGGI >= 40, SEDANG >= 15, else RENDAH. -#}
{% macro risk_tier(score) -%}
    case
        when {{ score }} >= 40 then 'TINGGI'
        when {{ score }} >= 15 then 'SEDANG'
        else 'RENDAH'
    end
{%- endmacro %}
