{#- Every village of dim_villages appears exactly once in every month of the model. -#}
{% test complete_village_months(model, villages) %}
with months as (select distinct month from {{ model }}),
expected as (
    select v.village_code, m.month from {{ villages }} as v cross join months as m
),
actual as (
    select village_code, month, count(*) as n_rows from {{ model }} group by all
)
select e.village_code, e.month, coalesce(a.n_rows, 0) as n_rows
from expected as e
left join actual as a using (village_code, month)
where coalesce(a.n_rows, 0) <> 1
{% endtest %}
