{#- Every purpose in var('non_labour_purposes') has a maximum absence in the seed
    purpose_max_absence: without one, rule N3 could never apply to it (int_departures_classified). -#}
select purpose
from (
    values {%- for p in var('non_labour_purposes') %} ('{{ p }}'){{ ',' if not loop.last }}{% endfor %}
) as non_labour(purpose)
where purpose not in (select purpose from {{ ref('purpose_max_absence') }})
