{#- Normalise a recruiter's name as a worker or an officer typed it: upper case, titles
    and forms of address removed (PAK, BAPAK, BU, IBU, H., HJ., DRS.), everything but
    letters and single spaces removed. `Pak Darman` -> `DARMAN`, `Hj. Siti` -> `SITI`.
    Applied to each alias separately (see int_recruiter_mentions_clustered). -#}
{% macro normalise_person_name(expr) -%}
    nullif(
        trim(regexp_replace(
            regexp_replace(
                regexp_replace(
                    upper(trim({{ expr }})),
                    '^(((PAK|BAPAK|BPK|BU|IBU|H|HJ|HAJI|HAJJAH|DRS|IR|MBAK|MAS|BANG|CIK)(\.|\s)+)+)',
                    ''
                ),
                '[^A-Z ]', '', 'g'
            ),
            '\s+', ' ', 'g'
        )),
        ''
    )
{%- endmacro %}

{#- A person's own name as compared across agencies: normalise_person_name (case, titles,
    forms of address, punctuation), then the patronymic cut off (`SITI AMINAH BINTI
    SUPARDI` -> `SITI AMINAH`), because agencies write it on some records only. A
    placeholder of `kind` (person or recruiter; seed placeholders: `TANPA NAMA`,
    `TIDAK DIKETAHUI`, `Bpk. N/A`, or a role such as `CALO` where a recruiter's name
    belongs) is no name: NULL, before linking and clustering. -#}
{% macro normalise_full_name(expr, kind='person') -%}
    {%- set name -%}
    nullif(trim(regexp_replace(
        {{ normalise_person_name(expr) }},
        '\s(BIN|BINTI|BT)(\s.*)?$',
        ''
    )), '')
    {%- endset -%}
    case
        when {{ is_placeholder(expr, kind) }} or {{ is_placeholder(name, kind) }} then null
        else {{ name }}
    end
{%- endmacro %}
