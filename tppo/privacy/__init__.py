"""Data-protection duties of the platform (UU PDP No. 27/2022); docs/PRIVACY.md says why.

- :mod:`tppo.privacy.storage`: the restricted warehouse's key-version guard,
  retention and compaction (deleted rows must not linger in free blocks).
- :mod:`tppo.privacy.erasure`: the erasure register, erasing one data subject,
  rotating the pseudonym key.
- :mod:`tppo.privacy.suppression`: small-cell protection of the dashboards' copy.
- :mod:`tppo.privacy.export`: CSV exports for field officers, safe to open in a
  spreadsheet.

Person pseudonyms themselves are :mod:`tppo.pseudonym`.
"""
