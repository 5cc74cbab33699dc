-- Every BPS regency x every report month with the same measures, counted over all events
-- whose record resolves to the regency (also those whose village did not resolve), so a
-- regency figure can exceed the sum of its villages; distinct persons are counted once.
{{ area_month_measures(ref('bps_regencies'), 'regency_code') }}
