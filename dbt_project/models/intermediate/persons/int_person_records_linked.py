"""Every person record with its person key (tppo/linking.py): deterministic on valid
NIK and passport pseudonyms, probabilistic through the accepted pairs of
int_person_match_pairs. Also carries each record's resolved village, so that person
level models read one table."""

from tppo.linking import link


def model(dbt, session):
    dbt.config(materialized="table")
    records_rel = dbt.ref("int_person_records_unioned")
    records = records_rel.pl()
    pairs = dbt.ref("int_person_match_pairs").pl()
    linked = link(records, pairs)
    places = records.select(
        "record_source", "record_id", "observed_date", "nik_key", "passport_key",
        "village_code", "district_code", "regency_code", "address_confidence",
    )
    return linked.join(places, on=["record_source", "record_id"], how="left")
