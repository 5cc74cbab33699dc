{#- Normalise a free-text place name typed by an officer so that spelling variants
    compare equal: `DS. WAY LAYAP`, `Kel. Way Layap`, `WAYLAYAP` -> `WAYLAYAP`;
    `KAB. PESAWARAN` -> `PESAWARAN`; `Gedong Tataan` -> `GEDUNGTATAAN`.

    kind: 'village', 'district' or 'regency' decides which administrative prefixes are
    stripped (`KOTA` only for regencies, so that the district `KOTA AGUNG` keeps its name).
    The same macro normalises the BPS reference names, so a rule can never make an input
    and its official name disagree. Steps:
      1. upper case, trim;
      2. strip leading administrative prefixes (with a dot and/or spaces after them);
      3. remove everything that is not a letter or a digit (`WAY LAYAP` = `WAYLAYAP`);
      4. known spelling swaps between agencies and BPS: GEDONG -> GEDUNG, and the
         pre-1972 spellings DJ -> J, TJ -> C, OE -> U (`TANDJUNG` = `TANJUNG`). -#}
{% macro normalise_place_name(expr, kind='village') -%}
    {%- set prefixes = {
        'village': 'DESA|DS|KEL|KELURAHAN|KAMPUNG|KAMP|PEKON|TIYUH',
        'district': 'KECAMATAN|KEC',
        'regency': 'KABUPATEN|KAB|KOTA|KOT',
    } -%}
    nullif(
        replace(replace(replace(replace(
            regexp_replace(
                regexp_replace(
                    upper(trim({{ expr }})),
                    '^((({{ prefixes[kind] }})(\.|\s)+)+)',
                    ''
                ),
                '[^A-Z0-9]', '', 'g'
            ),
        'GEDONG', 'GEDUNG'), 'DJ', 'J'), 'TJ', 'C'), 'OE', 'U'),
        ''
    )
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
