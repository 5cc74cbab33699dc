{#- Placeholders are missing values: `-`, `TIDAK ADA`, `N/A`, `TANPA NAMA`, ... from one
    list, the seed reference.placeholders (value, applies_to, meaning).

    A text is a placeholder of `kind` (person, recruiter, place or country) when, upper
    case with accents folded and everything but letters and digits removed, it is empty
    or equals a value listed for that kind or for `any`: `Tidak-Ada`, `tidak ada.` and
    `TIDAK  ADA` are all `TIDAKADA`. The list is an uncorrelated subquery, so DuckDB
    reads the seed once per query. -#}
{% macro placeholder_compact(expr) -%}
    regexp_replace(strip_accents(upper({{ expr }})), '[^A-Z0-9]', '', 'g')
{%- endmacro %}

{% macro is_placeholder(expr, kind) -%}
    (
        {{ placeholder_compact(expr) }} = ''
        or list_contains(
            (select coalesce(list(distinct {{ placeholder_compact('value') }}), [])
             from {{ ref('placeholders') }} where applies_to in ('any', '{{ kind }}')),
            {{ placeholder_compact(expr) }}
        )
    )
{%- endmacro %}

{#- The text, or NULL when it is a placeholder of `kind`. -#}
{% macro null_if_placeholder(expr, kind) -%}
    case when {{ is_placeholder(expr, kind) }} then null else {{ expr }} end
{%- endmacro %}
