"""Scored candidate pairs of person records (Splink), kept for audit.

One row per candidate pair with match_probability >= tppo.linking.AUDIT_FLOOR: both
records (source and id), the match weight and probability, each field's part of the
weight (mw_*: log2 Bayes factor; mw_tf_adj_name_norm the adjustment for a common or
rare name), the blocking rule that proposed the pair (1-based) and whether the pair was
accepted into a person cluster (is_accepted). Method, thresholds and training:
tppo/linking.py.
"""

from tppo.linking import score


def model(dbt, session):
    dbt.config(materialized="table")
    records = dbt.ref("int_person_records_unioned").pl()
    return score(records).pairs
