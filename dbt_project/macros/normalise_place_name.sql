{#- Normalise a free-text place name typed by an officer so that spelling variants
    compare equal: `DS. WAY LAYAP`, `Kel. Way Layap`, `WAYLAYAP` -> `WAYLAYAP`;
    `KAB. PESAWARAN` -> `PESAWARAN`; `Gedong Tataan` -> `GEDUNGTATAAN`;
    `TJ. AGUNG` -> `TANJUNGAGUNG`; `SERI TEJO KENCONO` -> `SRITEJOKENCONO`.

    kind: 'village', 'district' or 'regency' decides which administrative prefixes are
    stripped (`KOTA` only for regencies, so that the district `KOTA AGUNG` keeps its name).
    strip_prefix=false keeps them (`PEKON DOH` stays `PEKONDOH`): BPS writes some
    villages with what looks like a prefix (`PEKON UNGGAK`, `KAMPUNG BARU`), so the
    resolver compares both forms. The same macro normalises the reference names, so a
    rule can never make an input and its official name disagree. Steps:
      1. upper case, trim;
      2. common abbreviations at the start of a word: `TJ.` TANJUNG, `GN.` GUNUNG,
         `SP.` SIMPANG, `KP.` KAMPUNG;
      3. strip leading administrative prefixes (with a dot and/or spaces after them);
      4. remove everything that is not a letter or a digit (`WAY LAYAP` = `WAYLAYAP`);
      5. known spelling alternations between agencies and BPS: GEDONG/GEDUNG, SERI/SRI,
         MULIA/MULYA, REJA/REJO, and the pre-1972 spellings DJ -> J, TJ -> C, OE -> U
         (`TANDJUNG` = `TANJUNG`). None of them merges two BPS villages of one district
         (checked in tests/dbt). -#}
{% macro normalise_place_name(expr, kind='village', strip_prefix=true) -%}
    {%- set prefixes = {
        'village': 'DESA|DS|KEL|KELURAHAN|KAMPUNG|KAMP|PEKON|TIYUH',
        'district': 'KECAMATAN|KEC',
        'regency': 'KABUPATEN|KAB|KOTA|KOT',
    } -%}
    {%- set expanded -%}
        regexp_replace(regexp_replace(regexp_replace(regexp_replace(
            upper(trim({{ expr }})),
            '(^|\s)TJ(\.\s*|\s+)', '\1TANJUNG ', 'g'),
            '(^|\s)GN(\.\s*|\s+)', '\1GUNUNG ', 'g'),
            '(^|\s)SP(\.\s*|\s+)', '\1SIMPANG ', 'g'),
            '(^|\s)KP(\.\s*|\s+)', '\1KAMPUNG ', 'g')
    {%- endset -%}
    nullif(
        replace(replace(replace(replace(replace(replace(replace(
            regexp_replace(
                {%- if strip_prefix %}
                regexp_replace({{ expanded }}, '^((({{ prefixes[kind] }})(\.|\s)+)+)', '')
                {%- else %}
                {{ expanded }}
                {%- endif %},
                '[^A-Z0-9]', '', 'g'
            ),
        'GEDONG', 'GEDUNG'), 'SERI', 'SRI'), 'MULIA', 'MULYA'), 'REJA', 'REJO'),
        'DJ', 'J'), 'TJ', 'C'), 'OE', 'U'),
        ''
    )
{%- endmacro %}

{#- An officer's place text as the resolver compares it: normalise_place_name, or NULL
    when the text is a placeholder (`-`, `TIDAK ADA`, `Kec. Tidak Diketahui`; seed
    placeholders), as delivered or once its prefix is stripped. -#}
{% macro normalise_address_part(expr, kind='village', strip_prefix=true) -%}
    {%- set name = normalise_place_name(expr, kind, strip_prefix) -%}
    case
        when {{ is_placeholder(expr, 'place') }} or {{ is_placeholder(name, 'place') }} then null
        else {{ name }}
    end
{%- endmacro %}

{#- One key per distinct address text (and NIK district), shared by the resolver and the
    models that look an address up, so that both sides hash exactly the same text. -#}
{% macro address_key(desa, kecamatan, kabupaten, nik_district) -%}
    md5(concat_ws('|',
        coalesce(trim({{ desa }}), ''),
        coalesce(trim({{ kecamatan }}), ''),
        coalesce(trim({{ kabupaten }}), ''),
        coalesce(trim({{ nik_district }}), '')
    ))
{%- endmacro %}
