{#- A model's custom schema is used as-is (staging, intermediate, marts, reference),
    not prefixed with the target schema: readers query `marts.mart_village_risk`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
