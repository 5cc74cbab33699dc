{#- Order of the versions of one business key, newest first (FEEDS.md): the delivery
    date folder decides, then a `_revisi` correction wins over the original of the same
    date, then the file name and the row number break the remaining ties so that the
    choice is deterministic. -#}
{% macro latest_version_order(prefix='') -%}
    {{ prefix }}_delivery_date desc, {{ prefix }}_is_revisi desc, {{ prefix }}_file_name desc, {{ prefix }}_row_number desc
{%- endmacro %}

{#- Keep the newest version of each business key (used in a `qualify`). -#}
{% macro is_latest_version(key_columns) -%}
    row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by {{ latest_version_order() }}
    ) = 1
{%- endmacro %}
