{#- Column blocks every staging model of a person-bearing feed repeats: the
    person as delivered (restricted: staging never leaves the warehouse) and the
    lineage back to the delivered file and row. -#}

{% macro person_columns(prefix='', nik=true, passport=false, alias=false) -%}
    {%- if nik %}
        {{ prefix }}nik_status,
        {{ prefix }}nik_key,
        {{ prefix }}nik_district,
        {{ nik_block(prefix=prefix) }} as nik_block,
    {%- endif %}
    {%- if passport %}
        {{ prefix }}no_paspor_key as passport_key,
    {%- endif %}
        {{ prefix }}nama as person_name,
    {%- if alias %}
        {{ prefix }}alias as person_alias,
    {%- endif %}
        {{ prefix }}tgl_lahir_date as birth_date,
        {{ prefix }}jenis_kelamin as sex,
        {{ prefix }}desa,
        {{ prefix }}kecamatan,
        {{ prefix }}kabupaten
{%- endmacro %}

{% macro lineage_columns(prefix='', revisi=true) -%}
        {{ prefix }}_file_sha256,
        {{ prefix }}_file_name,
        {{ prefix }}_delivery_date,
    {%- if revisi %}
        {{ prefix }}_is_revisi,
    {%- endif %}
        {{ prefix }}_row_number
{%- endmacro %}
