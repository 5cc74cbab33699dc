"""Who is who across the agencies: one pseudonymous person key per real person.

Records about persons (passport applications, placements, complaints, police case
parties, interdicted persons, and crossing travellers one per passport) arrive from
``int_person_records_unioned``. They are linked in two stages:

1. **Deterministic.** Records sharing a VALID NIK pseudonym (``nik_key``) are one
   person; so are records sharing a passport pseudonym (``passport_key``), except
   that a passport never joins two different valid NIKs (a typed passport number is
   weaker evidence than a NIK).
2. **Probabilistic** (Splink on DuckDB), only where stage 1 leaves a cluster without
   a valid NIK: a complaint with a blank NIK, a traveller whose passport was issued
   before the data starts, a spreadsheet NIK that lost its last digits. Candidate
   pairs are blocked on the NIK's first 12 digits (district + birth date: the only use
   of a precision-lost NIK), on birth date and sex, and on name and birth year; they
   are compared on name (exact with term-frequency adjustment, Jaro-Winkler 0.95 and
   0.88, one name's words inside the other's), birth date (exact, one digit off or day
   and month swapped), sex, the NIK's district and the resolved village (village,
   district, regency). m probabilities are estimated from the pairs that share a valid
   NIK (labels the data carries), u probabilities from random pairs (fixed seed, one
   thread: reproducible), the prior from the pairs the identifiers link; with fewer
   than MIN_TRAINING_RECORDS records, documented defaults stand in (DEFAULT_M,
   DEFAULT_U, UNTRAINED_PRIOR). No EM: training stays a few seconds at Lampung scale.
   A pair is accepted at ``match_probability >= MATCH_THRESHOLD``; clusters are merged
   greedily from the most probable pair down, and a merge that would join two
   different valid NIKs, or two different passports (a person travels on one at a
   time; namesakes born the same day are common), is refused.

Person key of a cluster: its valid NIK pseudonym; else its smallest passport
pseudonym; else ``'R' + md5('<record_source>:<record_id>')`` of its smallest record.
All are keyed pseudonyms or derived from record numbers, never a raw identifier, and
dbt never needs the pseudonym secret.

The functions are pure (polars in, polars out) and deterministic; the dbt Python
models ``int_person_match_pairs`` (``score``) and ``int_person_records_linked``
(``link``) call them.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl

from tppo.config import paths
from tppo.warehouse import tune

log = logging.getLogger(__name__)

MATCH_THRESHOLD = 0.95
"""A probabilistic pair links two records at this match probability or above."""
AUDIT_FLOOR = 0.50
"""Scored pairs kept in int_person_match_pairs for audit (accepted or not)."""
M_FLOOR = 0.002
"""No agreement level is treated as impossible among true matches: an m probability
estimated as 0 (a birth date never differs among pairs sharing a NIK) would make one
typing error veto a link."""
PRIOR_RECALL = 0.95
"""Share of true pairs the identifiers (NIK, passport) are assumed to link by themselves."""
U_MAX_PAIRS = 2_000_000
U_SEED = 20_250_925
MIN_LABEL_PAIRS = 20
"""Fewer pairs sharing a valid NIK than this: m probabilities are not estimated but taken
from DEFAULT_M (a tiny delivery, a test)."""
MIN_TRAINING_RECORDS = 1_000
"""Fewer records than this: u probabilities are not estimated either (random pairs of a
handful of records are often true matches) but taken from DEFAULT_U, names are not
weighted by their frequency, and the prior is at least UNTRAINED_PRIOR."""
UNTRAINED_PRIOR = 1e-6

# Fallback m and u per comparison, levels in order (null level excluded), used where the
# data cannot estimate them (too few records or pairs): rounded from the model trained on
# Lampung-scale synthetic feeds (m: how often one person's field is typed differently;
# u: how often two people agree by chance: one birth date in ~20,000, one village in
# ~2,600, one of two sexes).
DEFAULT_M: dict[str, list[float]] = {
    "name_norm": [0.90, 0.06, 0.025, 0.01, 0.005],
    "birth_date": [0.97, 0.02, 0.01],
    "sex": [0.995, 0.005],
    "nik_district": [0.95, 0.05],
    "village_code": [0.93, 0.03, 0.02, 0.02],
}
DEFAULT_U: dict[str, list[float]] = {
    "name_norm": [0.001, 0.0001, 0.003, 0.004, 0.9919],
    "birth_date": [0.00005, 0.0015, 0.99845],
    "sex": [0.5, 0.5],
    "nik_district": [0.005, 0.995],
    "village_code": [0.0005, 0.005, 0.07, 0.9245],
}
LINK_METHODS = ("NIK", "PASSPORT", "PROBABILISTIC", "SINGLE")
PARTIAL_WEIGHTS = ("mw_name_norm", "mw_tf_adj_name_norm", "mw_birth_date", "mw_sex",
                   "mw_nik_district", "mw_village_code")
"""Each comparison's share of a pair's match weight (log2 Bayes factor), kept for audit."""

RECORD_COLUMNS: dict[str, pl.DataType] = {
    "record_source": pl.Utf8,
    "record_id": pl.Utf8,
    "nik_key": pl.Utf8,
    "nik_block": pl.Utf8,
    "passport_key": pl.Utf8,
    "name_norm": pl.Utf8,
    "birth_date": pl.Date,
    "sex": pl.Utf8,
    "village_code": pl.Utf8,
    "district_code": pl.Utf8,
    "regency_code": pl.Utf8,
}


# --------------------------------------------------------------------------- stage 1
class _Clusters:
    """Union-find over record indices that remembers whether each cluster holds a valid
    NIK (which one) and a passport."""

    def __init__(self, nik_codes: np.ndarray, has_passport: np.ndarray) -> None:
        self.parent = np.arange(len(nik_codes), dtype=np.int64)
        self.nik = nik_codes.astype(np.int64).copy()  # -1: no valid NIK
        self.passport = has_passport.astype(bool).copy()

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return int(root)

    def conflicts(self, a: int, b: int, passports: bool) -> bool:
        """Two roots that must stay apart: two different valid NIKs, or (for a link
        without a shared identifier) two different passports, since a person travels on
        one passport at a time and a shared passport would have joined them already."""
        na, nb = self.nik[a], self.nik[b]
        if na >= 0 and nb >= 0 and na != nb:
            return True
        return passports and bool(self.passport[a] and self.passport[b])

    def union(self, a: int, b: int, guard: str | None) -> bool:
        """Join the clusters of a and b; ``guard`` 'nik' or 'identifiers' refuses
        conflicting joins (returns False)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if guard and self.conflicts(ra, rb, passports=guard == "identifiers"):
            return False
        lo, hi = (ra, rb) if ra < rb else (rb, ra)
        self.parent[hi] = lo
        if self.nik[lo] < 0:
            self.nik[lo] = self.nik[hi]
        self.passport[lo] = self.passport[lo] or self.passport[hi]
        return True

    def roots(self) -> np.ndarray:
        return np.array([self.find(i) for i in range(len(self.parent))], dtype=np.int64)


def _codes(series: pl.Series) -> np.ndarray:
    """Dense integer codes of a text column, -1 for NULL (stable: sorted values)."""
    values = series.drop_nulls().unique().sort()
    lookup = dict(zip(values.to_list(), range(len(values)), strict=True))
    return np.array([lookup.get(v, -1) if v is not None else -1 for v in series.to_list()],
                    dtype=np.int64)


def _group_members(codes: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    keep = sorted_codes >= 0
    order, sorted_codes = order[keep], sorted_codes[keep]
    if len(order) == 0:
        return []
    cuts = np.flatnonzero(np.diff(sorted_codes)) + 1
    return [g for g in np.split(order, cuts) if len(g) > 1]


def prepare(records: pl.DataFrame) -> pl.DataFrame:
    """The records in a fixed order with a dense ``record_uid`` (Splink's unique id)."""
    missing = [c for c in RECORD_COLUMNS if c not in records.columns]
    if missing:
        raise ValueError(f"person records lack column(s) {', '.join(missing)}")
    return (
        records.select([pl.col(c).cast(t) for c, t in RECORD_COLUMNS.items()])
        .sort("record_source", "record_id")
        .with_row_index("record_uid")
        .with_columns(pl.col("record_uid").cast(pl.Int64))
    )


def deterministic_clusters(records: pl.DataFrame) -> tuple[_Clusters, int]:
    """Stage 1 over ``prepare``d records; returns the clusters and refused passport joins."""
    nik = _codes(records["nik_key"])
    clusters = _Clusters(nik, records["passport_key"].is_not_null().to_numpy())
    for members in _group_members(nik):
        first = int(members[0])
        for m in members[1:]:
            clusters.union(first, int(m), guard=None)
    refused = 0
    for members in _group_members(_codes(records["passport_key"])):
        first = int(members[0])
        for m in members[1:]:
            if not clusters.union(first, int(m), guard="nik"):
                refused += 1
    return clusters, refused


# --------------------------------------------------------------------------- stage 2
def _settings():
    """The Splink model: blocking rules and comparisons (see the module docstring)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator
    from splink.blocking_rule_library import CustomRule

    only_open = ("l.det_cluster <> r.det_cluster "
                 "and (not l.cluster_has_nik or not r.cluster_has_nik)")
    rules = [
        CustomRule(f"l.nik_block = r.nik_block and {only_open}"),
        CustomRule(f"l.birth_date = r.birth_date and l.sex = r.sex and {only_open}"),
        CustomRule(f"l.name_norm = r.name_norm and year(l.birth_date) = year(r.birth_date) "
                   f"and {only_open}"),
    ]
    name = cl.CustomComparison(
        output_column_name="name_norm",
        comparison_levels=[
            cll.NullLevel("name_norm"),
            cll.ExactMatchLevel("name_norm", term_frequency_adjustments=True),
            cll.JaroWinklerLevel("name_norm", 0.95),
            cll.JaroWinklerLevel("name_norm", 0.88),
            cll.CustomLevel(
                "list_has_all(string_split(name_norm_l, ' '), string_split(name_norm_r, ' ')) "
                "or list_has_all(string_split(name_norm_r, ' '), string_split(name_norm_l, ' '))",
                label_for_charts="one name's words all in the other"),
            cll.ElseLevel(),
        ],
    )
    birth = cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            cll.ExactMatchLevel("birth_date"),
            cll.CustomLevel(
                "damerau_levenshtein(strftime(birth_date_l, '%Y%m%d'), "
                "strftime(birth_date_r, '%Y%m%d')) <= 1 or (day(birth_date_l) = "
                "month(birth_date_r) and month(birth_date_l) = day(birth_date_r) and "
                "year(birth_date_l) = year(birth_date_r))",
                label_for_charts="one digit off, or day and month swapped"),
            cll.ElseLevel(),
        ],
    )
    place = cl.CustomComparison(
        output_column_name="village_code",
        comparison_levels=[
            cll.CustomLevel("village_code_l is null or village_code_r is null",
                            label_for_charts="village unknown").configure(is_null_level=True),
            cll.ExactMatchLevel("village_code"),
            cll.ExactMatchLevel("district_code"),
            cll.ExactMatchLevel("regency_code"),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_uid",
        comparisons=[
            name,
            birth,
            cl.ExactMatch("sex"),
            cl.ExactMatch("nik_district"),
            place,
        ],
        blocking_rules_to_generate_predictions=rules,
        additional_columns_to_retain=["det_cluster", "cluster_has_nik"],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
    )


def _complete(model: dict, m_trained: bool) -> dict:
    """Fill what the data could not estimate: every m from DEFAULT_M when ``m_trained``
    is false, else M_FLOOR under every m (a level never seen among pairs sharing a NIK);
    a missing u from DEFAULT_U."""
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for i, level in enumerate(levels):
            if not m_trained:
                level["m_probability"] = DEFAULT_M[name][i]
            level["m_probability"] = max(M_FLOOR, level.get("m_probability") or 0.0)
            if level.get("u_probability") is None:
                level["u_probability"] = DEFAULT_U[name][i]
    return model


@dataclass
class ScoredPairs:
    pairs: pl.DataFrame
    prior: float
    model: dict


def score_pairs(records: pl.DataFrame, clusters: _Clusters) -> ScoredPairs:
    """Stage 2: Splink scores of candidate pairs that could still change a cluster."""
    from splink import DuckDBAPI, Linker

    roots = clusters.roots()
    has_nik = clusters.nik[roots] >= 0
    frame = records.with_columns(
        det_cluster=pl.Series(roots), cluster_has_nik=pl.Series(has_nik),
        # compared: only the district of registration (digits 1-6); the birth date is
        # compared on its own, and the block itself only proposes pairs
        nik_district=pl.col("nik_block").str.slice(0, 6),
    )
    n = len(frame)
    if n < 2:
        return ScoredPairs(pairs=_no_pairs(), prior=0.0, model={})
    det_pairs = int(frame.group_by("det_cluster").len().select(
        (pl.col("len") * (pl.col("len") - 1) // 2).sum()).item() or 0)
    total = n * (n - 1) / 2
    # the prior: pairs the identifiers already link over all pairs, assuming the
    # identifiers find PRIOR_RECALL of the true pairs
    prior = min(0.5, max(1e-9, det_pairs / total / PRIOR_RECALL)) if total else 1e-6
    label_pairs = int(frame.filter(pl.col("nik_key").is_not_null()).group_by("nik_key").len()
                      .select((pl.col("len") * (pl.col("len") - 1) // 2).sum()).item() or 0)
    con = duckdb.connect()
    tune(con, paths().warehouse)  # the records are personal data: spills encrypted
    con.execute("SET threads = 1")  # u sampling is only reproducible single-threaded
    try:
        api = DuckDBAPI(connection=con)
        table = api.register(frame.to_arrow(), table_name="person_records")
        linker = Linker(table, _settings(), log_level=None)
        trained = n >= MIN_TRAINING_RECORDS
        if trained:
            linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=U_SEED)
        m_trained = trained and label_pairs >= MIN_LABEL_PAIRS
        if m_trained:
            linker.training.estimate_m_from_label_column("nik_key")
        model = _complete(linker.misc.save_model_to_json(), m_trained)
        if not trained:
            prior = max(prior, UNTRAINED_PRIOR)
            for comparison in model["comparisons"]:
                for level in comparison["comparison_levels"]:
                    if level.get("tf_adjustment_column"):
                        level["tf_adjustment_weight"] = 0.0
        model["probability_two_random_records_match"] = prior
        con.execute("RESET threads")
        scorer = Linker(table, model, log_level=None)
        predicted = scorer.inference.predict(threshold_match_probability=AUDIT_FLOOR)
        pairs = con.sql(f"SELECT * FROM {predicted.physical_name}").pl()
    finally:
        con.close()
    pairs = pairs.select(
        pl.col("record_uid_l").cast(pl.Int64),
        pl.col("record_uid_r").cast(pl.Int64),
        pl.col("match_key").cast(pl.Int32).alias("blocking_rule"),
        pl.col("match_weight").cast(pl.Float64).round(6),
        pl.col("match_probability").cast(pl.Float64).round(6),
        *[pl.col(c).cast(pl.Float64).round(4) for c in PARTIAL_WEIGHTS],
    ).sort("record_uid_l", "record_uid_r")
    return ScoredPairs(pairs=pairs, prior=prior, model=model)


def _no_pairs() -> pl.DataFrame:
    return pl.DataFrame(schema={
        "record_uid_l": pl.Int64, "record_uid_r": pl.Int64, "blocking_rule": pl.Int32,
        "match_weight": pl.Float64, "match_probability": pl.Float64,
        **{c: pl.Float64 for c in PARTIAL_WEIGHTS}})


# --------------------------------------------------------------------------- clusters
def merge_pairs(clusters: _Clusters, pairs: pl.DataFrame,
                threshold: float = MATCH_THRESHOLD) -> pl.DataFrame:
    """Greedy merge, most probable pair first; returns pairs with ``is_accepted``."""
    ordered = pairs.sort(["match_probability", "record_uid_l", "record_uid_r"],
                         descending=[True, False, False])
    accepted = []
    for left, right, prob in ordered.select(
            "record_uid_l", "record_uid_r", "match_probability").iter_rows():
        accepted.append(
            prob >= threshold and clusters.union(int(left), int(right), guard="identifiers"))
    return ordered.with_columns(is_accepted=pl.Series(accepted, dtype=pl.Boolean)).sort(
        "record_uid_l", "record_uid_r")


def _record_pseudonym(record_ref: str) -> str:
    """Key of a cluster without NIK or passport: derived from its smallest record number."""
    return "R" + hashlib.md5(record_ref.encode()).hexdigest()


def _cluster_keys(frame: pl.DataFrame, cluster: str) -> pl.DataFrame:
    """Key of each cluster: its valid NIK pseudonym, else its smallest passport pseudonym,
    else a pseudonym of its smallest record reference."""
    keys = frame.group_by(cluster).agg(
        pl.col("nik_key").drop_nulls().min().alias("cluster_nik"),
        pl.col("passport_key").drop_nulls().min().alias("cluster_passport"),
        pl.col("record_ref").min().alias("cluster_record"),
        pl.len().alias(f"{cluster}_records"),
    )
    return keys.with_columns(
        pl.coalesce(
            "cluster_nik", "cluster_passport",
            pl.when(pl.col("cluster_nik").is_null() & pl.col("cluster_passport").is_null())
            .then(pl.col("cluster_record").map_elements(
                _record_pseudonym, return_dtype=pl.Utf8, skip_nulls=True)),
        ).alias(f"{cluster}_key")
    ).drop("cluster_nik", "cluster_passport", "cluster_record")


def person_keys(records: pl.DataFrame, det: np.ndarray, final: _Clusters,
                pairs: pl.DataFrame) -> pl.DataFrame:
    """One row per record: person key; the key its identifiers alone would give
    (identifier_key); link_method: PROBABILISTIC when the two differ (an accepted pair
    decided, with the best such pair's probability), else NIK, PASSPORT (joined by a
    passport number) or SINGLE."""
    roots = final.roots()
    frame = records.with_columns(
        cluster=pl.Series(roots), det_cluster=pl.Series(det),
        record_ref=pl.concat_str("record_source", pl.lit(":"), "record_id"),
    )
    keys = _cluster_keys(frame, "cluster").rename(
        {"cluster_key": "person_key", "cluster_records": "cluster_records"})
    det_keys = _cluster_keys(frame, "det_cluster").rename(
        {"det_cluster_key": "identifier_key", "det_cluster_records": "det_records"})
    accepted = pairs.filter("is_accepted")
    touched = pl.concat([
        accepted.select(pl.col("record_uid_l").alias("record_uid"), "match_probability"),
        accepted.select(pl.col("record_uid_r").alias("record_uid"), "match_probability"),
    ]).join(frame.select("record_uid", "det_cluster"), on="record_uid").group_by(
        "det_cluster").agg(pl.col("match_probability").max())
    out = (
        frame.join(keys, on="cluster", how="left")
        .join(det_keys, on="det_cluster", how="left")
        .join(touched, on="det_cluster", how="left")
        .with_columns(
            # identifiers alone would give another key: an accepted pair decided it
            is_probabilistic=pl.col("person_key") != pl.col("identifier_key"))
        .with_columns(
            link_method=pl.when(pl.col("is_probabilistic")).then(pl.lit("PROBABILISTIC"))
            .when(pl.col("nik_key").is_not_null()).then(pl.lit("NIK"))
            .when(pl.col("det_records") > 1).then(pl.lit("PASSPORT"))
            .otherwise(pl.lit("SINGLE")),
            match_probability=pl.when(pl.col("is_probabilistic"))
            .then(pl.col("match_probability")),
        )
    )
    return out.select(
        "record_source", "record_id", "person_key", "link_method", "match_probability",
        pl.col("cluster_records").cast(pl.Int32), "identifier_key",
    ).sort("record_source", "record_id")


@dataclass
class Linked:
    pairs: pl.DataFrame
    passport_conflicts: int
    prior: float
    model: dict


def _with_record_ids(judged: pl.DataFrame, prepared: pl.DataFrame) -> pl.DataFrame:
    uid = prepared.select("record_uid", "record_source", "record_id")
    pairs = (
        judged.join(uid.rename({"record_uid": "record_uid_l", "record_source": "record_source_l",
                                "record_id": "record_id_l"}), on="record_uid_l")
        .join(uid.rename({"record_uid": "record_uid_r", "record_source": "record_source_r",
                          "record_id": "record_id_r"}), on="record_uid_r")
        .drop("record_uid_l", "record_uid_r")
    )
    return pairs.select(
        "record_source_l", "record_id_l", "record_source_r", "record_id_r",
        *[c for c in pairs.columns if not c.startswith("record_")],
    ).sort("record_source_l", "record_id_l", "record_source_r", "record_id_r")


def score(records: pl.DataFrame, threshold: float = MATCH_THRESHOLD) -> Linked:
    """Both stages: the scored pairs, each with ``is_accepted`` (int_person_match_pairs)."""
    prepared = prepare(records)
    clusters, conflicts = deterministic_clusters(prepared)
    scored = score_pairs(prepared, clusters)
    judged = merge_pairs(clusters, scored.pairs, threshold)
    log.info("person linking: %d records, %d candidate pairs >= %.2f, %d accepted, "
             "%d passport joins refused", len(prepared), len(judged), AUDIT_FLOOR,
             int(judged["is_accepted"].sum()), conflicts)
    return Linked(pairs=_with_record_ids(judged, prepared), passport_conflicts=conflicts,
                  prior=scored.prior, model=scored.model)


def link(records: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """The linked records from scored pairs (``score(...).pairs``): stage 1 again, then
    the same greedy merge over the pairs, so the pairs marked accepted are the ones that
    join clusters."""
    prepared = prepare(records)
    clusters, _ = deterministic_clusters(prepared)
    det = clusters.roots()
    uid = prepared.select("record_uid", "record_source", "record_id")
    judged = (
        pairs.join(uid.rename({"record_uid": "record_uid_l", "record_source": "record_source_l",
                               "record_id": "record_id_l"}),
                   on=["record_source_l", "record_id_l"])
        .join(uid.rename({"record_uid": "record_uid_r", "record_source": "record_source_r",
                          "record_id": "record_id_r"}),
              on=["record_source_r", "record_id_r"])
        .select("record_uid_l", "record_uid_r", "match_probability")
    )
    merged = merge_pairs(clusters, judged, MATCH_THRESHOLD)
    return person_keys(prepared, det, clusters, merged)
