-- Every BPS village x every report month with the MARTS.md measures, zero-filled.
{{ area_month_measures(ref('bps_villages'), 'village_code') }}
