{#- Where to send the next Timpora joint operation (mart_operation_targets): the one
    definition of the operation-target score, documented on the mart from here.

    Per village, as of the latest report month, each evidence measure x gives
        points = weight * x / (x + half)
    (0 without evidence, half the weight at `half`, approaching the weight); weights add up
    to 100, so evidence_score lies in [0, 100). The window measures count the latest
    `operation_window_months` report months (the latest and the ones before it).
    A village operated on recently needs it less:
        recency_factor = least(1, 0.4 + 0.1 * months since the last operation there)
    (0.4 in the month of an operation, 1.0 from six months on and where no operation is
    on record), and target_score = evidence_score * recency_factor.
    `label`: the reason's name in target_reason and the morning report (Indonesian). -#}
{% macro operation_target_components() -%}
    {{ return([
        {'measure': 'suspected_departures_6m', 'weight': 35, 'half': 6, 'label': 'keberangkatan terduga nonprosedural'},
        {'measure': 'overstays_open', 'weight': 25, 'half': 2, 'label': 'WNA melewati izin tinggal'},
        {'measure': 'active_foreign_permits', 'weight': 15, 'half': 20, 'label': 'izin tinggal WNA aktif'},
        {'measure': 'recruiter_activity_6m', 'weight': 25, 'half': 3, 'label': 'jejak perekrut (pengaduan, penggagalan)'},
    ]) }}
{%- endmacro %}

{% macro operation_window_months() -%}
    {{ return(6) }}
{%- endmacro %}

{% macro operation_recency_factor(months_since) -%}
    (case when {{ months_since }} is null then 1.0
          else least(1.0, 0.4 + 0.1 * {{ months_since }}) end)
{%- endmacro %}
