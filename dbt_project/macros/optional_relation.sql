{#- The relation `schema.identifier` if it exists in the warehouse, else none.

    Used for `reference.kemendagri_districts`, a seed that may or may not be part of the
    project: a `ref()` to a missing seed fails at parse time, so the resolver looks the
    table up at run time instead and works without it (NIK-district evidence is then
    simply not used). dbt schedules nodes by graph depth, so within one `dbt build` the
    seed (depth 0) is loaded before the resolver (depth > 0) reads it. -#}
{% macro optional_relation(schema, identifier) -%}
    {%- if execute -%}
        {{ return(adapter.get_relation(database=target.database, schema=schema, identifier=identifier)) }}
    {%- else -%}
        {{ return(none) }}
    {%- endif -%}
{%- endmacro %}
