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

{#- risk_reason: the plain-language reason of a village-month's score, in Indonesian.
    The (at most) three components with the most points among those with events in the
    window, each with its window count, e.g. "3 keberangkatan terduga nonprosedural dan
    2 korban TPPO dalam 12 bulan terakhir"; without any event in the window, the score is
    the district's pull alone. `points(measure)` and `count(measure)` are column-name
    prefixes. The dashboards' copy builds the same text from its own figures, without a
    count where one of the window's months is withheld (tppo/publish.py, reason_sql). -#}
{% macro risk_reason(points_prefix, count_prefix, months) -%}
    (with parts as (
        select list_transform(
            list_reverse_sort(list_filter([
                {%- for c in risk_components() %}
                {'points': {{ points_prefix }}{{ c.measure }}, 'n': {{ count_prefix }}{{ c.measure }}, 'label': '{{ c.label }}'}{{ "," if not loop.last }}
                {%- endfor %}
            ], lambda p: p.n > 0))[1:3],
            lambda p: p.n || ' ' || p.label) as l
    )
    select case len(l)
        when 0 then 'tidak ada kejadian dalam ' || {{ months }} || ' bulan terakhir; skor dari rata-rata kecamatan'
        when 1 then l[1] || ' dalam ' || {{ months }} || ' bulan terakhir'
        when 2 then l[1] || ' dan ' || l[2] || ' dalam ' || {{ months }} || ' bulan terakhir'
        else l[1] || ', ' || l[2] || ' dan ' || l[3] || ' dalam ' || {{ months }} || ' bulan terakhir'
    end from parts)
{%- endmacro %}
