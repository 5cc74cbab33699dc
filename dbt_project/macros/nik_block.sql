{#- The first 12 digits of a NIK (Kemendagri district + DDMMYY birth date, +40 on the day
    for women) when they can be trusted: VALID, or PRECISION_LOST (a spreadsheet kept 15
    significant digits, so only the serial suffered). Person linking uses it to *block*
    candidate pairs and as one comparison, never as an identity: it is shared by everyone
    of one sex born on one day in one district. Restricted layers only. -#}
{% macro nik_block(nik_column='nik', status_column='nik_status', prefix='') -%}
    case
        when {{ prefix }}{{ status_column }} in ('VALID', 'PRECISION_LOST')
            then left(regexp_replace({{ prefix }}{{ nik_column }}, '[^0-9]', '', 'g'), 12)
    end
{%- endmacro %}
