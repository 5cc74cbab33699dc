"""Names as Lampung's residents carry them, and the informal recruiters' aliases.

Lampung is mostly Javanese (transmigration since 1905), with Lampungese,
Sundanese, Malay/Minang and Arabic-derived naming everywhere. Many Javanese
adults have a single name; BIN/BINTI plus the father's name is common on
official documents. Entity resolution on the platform must survive all this.
"""

from __future__ import annotations

import numpy as np

JAVANESE_M = (
    "SUPARMAN", "SUGENG", "SLAMET", "SUTRISNO", "BUDI", "AGUS", "WAHYU", "JOKO", "BAMBANG",
    "HERU", "EKO", "PURWANTO", "SUYONO", "SUKIRMAN", "PAIMAN", "SUPRIYADI", "TEGUH",
    "WIDODO", "SANTOSO", "SETIAWAN", "SUHARTO", "MARYONO", "PONIMAN", "SURIPTO", "KASIMIN",
    "SARNO", "TUKIRAN", "GIMAN", "PRASETYO", "NUGROHO", "WIJAYA", "SUWARNO", "SUGIONO",
    "TRI", "DWI", "ADI", "YANTO", "SUPRAPTO", "KUSNADI", "HARIYANTO",
)  # fmt: skip
JAVANESE_F = (
    "SRI", "WARSINI", "SUMIATI", "PARTINI", "SULASTRI", "TUMINAH", "SUPARMI", "WAHYUNI",
    "ENDANG", "RINI", "LESTARI", "WATINI", "SUGIYEM", "MUJIATI", "SUNARSIH", "YULIANI",
    "SUWARNI", "KASIYEM", "PAINEM", "SUKARNI", "SRI WAHYUNI", "DWI", "TRI", "SUPRIHATIN",
    "WINARSIH", "RUMINAH", "SITI", "KARSIH", "SUNARTI", "MARYATI", "NGATINAH", "SUTINI",
)  # fmt: skip
LAMPUNGESE_M = (
    "RUSLI", "HERMANSYAH", "ZULKARNAIN", "IDRUS", "SYAHRIAL", "MAT", "SAIPUL", "DARMAWAN",
    "RIDWAN", "HERWAN", "AMRULLAH", "ROSYADI", "BACHTIAR", "ANSORI", "IMRON", "HASANUDIN",
    "SUTAN", "RADIN", "MINAK", "BATIN", "DALOM", "PANGERAN",
)  # fmt: skip
LAMPUNGESE_F = (
    "ROSITA", "MARLINA", "YUSNITA", "ERNAWATI", "HERLINA", "MASNUN", "ZULAIHA", "ROSMALA",
    "NURBAITI", "ASNAWATI", "HASNAH", "ROSMIATI", "SYAMSIAH", "ELIYANA",
)  # fmt: skip
SUNDANESE_M = (
    "ASEP", "DEDE", "UJANG", "CECEP", "DADANG", "JAJANG", "KOMAR", "ENDANG", "AEP", "OJAT",
    "DEDI", "YAYAN", "SUHERMAN", "SUNARYA", "NANANG",
)  # fmt: skip
SUNDANESE_F = (
    "NENG", "EUIS", "IIS", "CUCU", "ENENG", "YAYAH", "ENTIN", "ELIS", "IMAS", "NENENG",
    "CUCUM", "TITIN", "AAN", "IKAH", "OOM",
)  # fmt: skip
ARABIC_M = (
    "MUHAMMAD", "AHMAD", "ABDUL", "RAHMAT", "HIDAYAT", "ABDULLAH", "HASAN", "HUSEIN",
    "YUSUF", "ISMAIL", "ZULKIFLI", "SYAMSUDIN", "FAUZI", "ARIF", "NURDIN", "SAIFUL",
    "MUKHLIS", "ROHMAN", "KHOIRUL", "ANWAR",
)  # fmt: skip
ARABIC_F = (
    "FATIMAH", "AISYAH", "NURUL", "AMINAH", "KHADIJAH", "ZAHRA", "ROHMAH", "MARYAM",
    "HALIMAH", "NUR", "SALMAH", "FAUZIAH", "ROHANI", "SALEHA", "ZAINAB", "NURHAYATI",
    "SITI AMINAH", "UMI", "MASLAHAH", "HAMIDAH",
)  # fmt: skip
MODERN_M = (
    "ANDI", "RIZKY", "DIMAS", "FAJAR", "ILHAM", "REZA", "YOGA", "BAYU", "DANI", "ARDI",
    "PUTRA", "SAPUTRA", "PRATAMA", "KURNIAWAN", "FIRMANSYAH", "HIDAYATULLAH",
)  # fmt: skip
MODERN_F = (
    "DIAN", "RINA", "FITRI", "PUTRI", "AYU", "NOVITA", "DEVI", "INDAH", "RATNA", "YULIA",
    "ANGGRAINI", "SAFITRI", "RAHAYU", "WULANDARI", "PERMATASARI", "KURNIASIH", "OKTAVIA",
    "MELATI", "NOVIANTI", "LESTARI",
)  # fmt: skip

POOLS = {
    "L": (JAVANESE_M, LAMPUNGESE_M, SUNDANESE_M, ARABIC_M, MODERN_M),
    "P": (JAVANESE_F, LAMPUNGESE_F, SUNDANESE_F, ARABIC_F, MODERN_F),
}
ETHNIC_SHARES = np.array([0.58, 0.13, 0.10, 0.12, 0.07])
"""Javanese, Lampungese, Sundanese, Arabic-derived (shared by all), modern Indonesian."""

FATHERS = JAVANESE_M + LAMPUNGESE_M + SUNDANESE_M + ARABIC_M

RECRUITER_NAMES = (
    # (full name, nicknames): calo are known by nicknames; several share one
    ("SUDARMAN", ("DARMAN",)),
    ("SUPRIYADI", ("PRI", "YADI")),
    ("HERMANSYAH", ("HERMAN", "EMAN")),
    ("MUHAMMAD RIDWAN", ("RIDWAN", "IWAN")),
    ("SUMIATI", ("SUMI", "ATI")),
    ("SUHARTONO", ("HARTONO", "TONO")),
    ("ABDUL ROHMAN", ("ROHMAN", "MAMAN")),
    ("SUKIRNO", ("KIRNO",)),
    ("ROSIDAH", ("IDAH", "ROS")),
    ("SLAMET RIYADI", ("SLAMET", "MET")),
    ("NURHASANAH", ("NUR", "HASANAH")),
    ("HARYONO", ("YONO",)),
    ("ZULKARNAIN", ("ZUL", "KARNAIN")),
    ("SAIFUL ANWAR", ("IPUL", "SAIFUL")),
    ("WARSITO", ("SITO",)),
    ("JUMADI", ("MADI",)),
    ("SURYANI", ("YANI",)),
    ("KHOIRUL ANAM", ("ANAM", "IRUL")),
    ("BUDIONO", ("BUDI",)),
    ("SUPARDI", ("PARDI",)),
    ("MARYAMAH", ("MARYAM", "YAMAH")),
    ("ISKANDAR", ("ISKAN", "KANDAR")),
    ("HASAN BASRI", ("HASAN", "BASRI")),
    ("MULYADI", ("MULYA", "YADI")),
)


def person_names(rng: np.random.Generator, sex: np.ndarray) -> tuple[list[str], list[str]]:
    """One name and one father's name per person, vectorised over the draws.

    A quarter carry a single name (older Javanese practice); the rest two or three
    parts mixing pools, as Lampung names do (`SITI AMINAH`, `EKO PRASETYO`).
    """
    n = len(sex)
    ethnic = rng.choice(len(ETHNIC_SHARES), size=n, p=ETHNIC_SHARES)
    parts = rng.choice(3, size=n, p=[0.25, 0.55, 0.20]) + 1
    u = rng.random((n, 3))
    second_pool = rng.choice(len(ETHNIC_SHARES), size=n, p=ETHNIC_SHARES)
    father_u = rng.random(n)
    names: list[str] = []
    fathers: list[str] = []
    for i in range(n):
        pools = POOLS[sex[i]]
        first_pool = pools[ethnic[i]]
        words = [first_pool[int(u[i, 0] * len(first_pool))]]
        other = pools[second_pool[i]]
        for k in range(1, parts[i]):
            w = other[int(u[i, k] * len(other))]
            if w not in words:
                words.append(w)
        names.append(" ".join(words))
        fathers.append(FATHERS[int(father_u[i] * len(FATHERS))])
    return names, fathers


def recruiter_aliases(full: str, nicks: tuple[str, ...], sex: str, father: str) -> list[str]:
    """How victims and officers write one calo: `PAK DARMAN`, `DARMAN`, `Sudarman als Darman`."""
    honorific = "PAK" if sex == "L" else "BU"
    nick = nicks[0]
    aliases = [
        full,
        nick,
        f"{honorific} {nick}",
        f"{full.title()} als {nick.title()}",
        f"{full} ALS {nick}",
        f"{full} {'BIN' if sex == 'L' else 'BINTI'} {father}",
    ]
    aliases += [f"{honorific} {n}" for n in nicks[1:]] + list(nicks[1:])
    return aliases


P3MI_WORDS = (
    "ANUGERAH", "BINA", "KARYA", "MANDIRI", "SEJAHTERA", "PUTRA", "JAYA", "ABADI", "GRAHA",
    "MITRA", "SENTOSA", "INSANI", "TENAGA", "UTAMA", "CAHAYA", "BERKAH", "AMANAH",
    "NUSANTARA", "LESTARI", "PRIMA", "MAJU", "BERSAMA", "SUMBER", "REZEKI", "GEMILANG",
)  # fmt: skip


def company_names(rng: np.random.Generator, n: int, suffix_words: tuple[str, ...]) -> list[str]:
    """Distinct fictional company names `PT <word> <word> <word>` (no real firm is named)."""
    seen: dict[str, None] = {}
    while len(seen) < n:
        words = rng.choice(len(suffix_words), size=3, replace=False)
        seen.setdefault("PT " + " ".join(suffix_words[w] for w in words), None)
    return list(seen)
