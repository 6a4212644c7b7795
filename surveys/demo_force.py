"""A synthetic but realistic police force: organisation tree and answers.

The demo, the benchmarks and the privacy tests need a tree shaped like the real
Nationale Politie (14 eenheden, ~40 districts, ~170 basisteams, thousands of
teams of very different sizes) and answers that behave like real ones: people
differ in mood, teams differ in climate, some items are skipped. Everything here
is pure and deterministic for a seed, so figures in docs can be reproduced.
"""

from __future__ import annotations

import csv
import hashlib
import math
import random
import zlib
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Protocol

LEVELS: tuple[str, ...] = ("korps", "eenheid", "district", "basisteam", "team")
CSV_HEADER: tuple[str, ...] = ("code", "parent_code", "level", "name", "headcount")
FULL_SIZE = 65_000
MIN_PEOPLE = 100
MIN_TEAM, MAX_TEAM = 3, 40


@dataclass(frozen=True)
class OrgRow:
    """One unit of the organisation tree, as imported by the admin (CSV row)."""

    code: str
    parent_code: str | None
    level: str
    name: str
    headcount: int


class ItemLike(Protocol):
    """What answer synthesis needs of an instrument item (surveys.instrument.Item fits)."""

    @property
    def id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def values(self) -> frozenset[int]: ...
    @property
    def favourable(self) -> frozenset[int]: ...
    @property
    def cut(self) -> bool: ...


@dataclass(frozen=True)
class _Unit:
    """An eenheid at full size: districts (or departments) with their basisteams."""

    code: str
    name: str
    weight: int
    regional: bool
    districts: tuple[tuple[str, tuple[str, ...]], ...]


def _parse_units(text: str) -> tuple[_Unit, ...]:
    """Read the compact unit table below: a unit line, then indented 'District: places' lines."""
    units: list[_Unit] = []
    for block in text.strip().split("\n\n"):
        head, *lines = block.splitlines()
        code, name, weight, kind = (part.strip() for part in head.split("|"))
        districts = []
        for line in lines:
            district, places = line.split(":", 1)
            districts.append((district.strip(), tuple(p.strip() for p in places.split(","))))
        units.append(_Unit(code, name, int(weight), kind == "regional", tuple(districts)))
    return tuple(units)


# Weights approximate the real staffing of the units; place names are plausible, not official.
# Units other than the ten regional ones have departments in the district slot.
_UNITS = _parse_units("""
NN | Noord-Nederland | 4800 | regional
  Groningen: Groningen-Centrum, Groningen-Zuid, Hoogeland, Eemsdelta, Oldambt, Westerkwartier
  Fryslân: Leeuwarden, Noordoost-Fryslân, Súdwest-Fryslân, Heerenveen, De Friese Meren
  Drenthe: Assen, Emmen, Hoogeveen, Meppel

ON | Oost-Nederland | 6600 | regional
  Twente: Enschede, Hengelo, Almelo, Oldenzaal, Rijssen-Holten
  IJsselland: Zwolle, Deventer, Kampen, Hardenberg
  Noord- en Oost-Gelderland: Apeldoorn, Zutphen, Doetinchem, Harderwijk
  Gelderland-Midden: Arnhem-Noord, Arnhem-Zuid, Ede, Rheden
  Gelderland-Zuid: Nijmegen-Noord, Nijmegen-Zuid, Tiel, Bommelerwaard

MN | Midden-Nederland | 4300 | regional
  Utrecht Stad: Utrecht-Noord, Utrecht-Zuid, Utrecht-Centrum, Leidsche Rijn
  Utrecht Provincie: Amersfoort, Zeist, Veenendaal, Nieuwegein, Woerden
  Flevoland en Gooi: Almere-Stad, Almere-Buiten, Lelystad, Noordoostpolder, Hilversum

NH | Noord-Holland | 3800 | regional
  Noord-Holland-Noord: Den Helder, Alkmaar, Hoorn, Schagen
  Zaanstreek-Waterland: Zaanstad, Purmerend, Waterland
  Kennemerland: Haarlem-Noord, Haarlem-Zuid, IJmond, Haarlemmermeer

AM | Amsterdam | 5800 | regional
  Centrum: Burgwallen, Jordaan, Grachtengordel
  Noord-Oost: Amsterdam-Noord, Amsterdam-Oost, IJburg
  Zuid: Amsterdam-Zuid, Zuidoost, Amstelland
  West: Nieuw-West, Osdorp, Westerpark

DH | Den Haag | 5400 | regional
  Den Haag: Den Haag-Centrum, Scheveningen, Laak, Escamp, Segbroek
  Hollands-Midden: Leiden-Noord, Leiden-Zuid, Alphen aan den Rijn, Gouda, Katwijk
  Haaglanden: Delft, Zoetermeer, Westland, Rijswijk, Leidschendam-Voorburg

RT | Rotterdam | 6800 | regional
  Rotterdam-Stad: Rotterdam-Centrum, Rotterdam-Noord, Feijenoord, Charlois, Kralingen, Delfshaven
  Rijnmond-Noord: Schiedam, Vlaardingen, Capelle aan den IJssel, Lansingerland
  Zuid-Holland-Zuid: Dordrecht, Zwijndrecht, Gorinchem, Hoeksche Waard
  Haven en Voorne: Zeehaven, Spijkenisse, Brielle

ZB | Zeeland-West-Brabant | 4100 | regional
  Zeeland: Middelburg, Vlissingen, Goes, Terneuzen
  De Baronie: Breda-Noord, Breda-Zuid, Oosterhout
  De Markiezaten: Bergen op Zoom, Roosendaal, Moerdijk
  Hart van Brabant: Tilburg-Noord, Tilburg-Zuid, Waalwijk

OB | Oost-Brabant | 3800 | regional
  's-Hertogenbosch: 's-Hertogenbosch-Noord, 's-Hertogenbosch-Zuid, Oss, Meierijstad
  Eindhoven: Eindhoven-Centrum, Eindhoven-Noord, Eindhoven-Zuid, Veldhoven
  De Peel: Helmond, Uden, Land van Cuijk, Deurne

LB | Limburg | 3300 | regional
  Noord- en Midden-Limburg: Venlo, Venray, Roermond, Weert
  Maastricht: Maastricht-Centrum, Maastricht-Noord, Heuvelland
  Parkstad en Westelijke Mijnstreek: Heerlen, Kerkrade, Sittard-Geleen

LE | Landelijke Eenheid | 5000 | national
  Dienst Landelijke Recherche: Georganiseerde Criminaliteit, Cybercrime, Mensenhandel, Fraude
  Dienst Infrastructuur: Verkeerspolitie, Waterpolitie, Spoorwegpolitie, Luchtvaartpolitie
  Dienst Bewaken en Beveiligen: Koninklijke Beveiliging, Persoonsbeveiliging, Ambassades

PD | Politiediensten Centrum | 9500 | national
  Bedrijfsvoering: Personeelsservice, Financiën, Inkoop, Huisvesting, Logistiek
  IV-organisatie: Servicedesk, Applicatiebeheer, Netwerk en Werkplek, Informatiebeveiliging

PA | Politieacademie | 1500 | national
  Onderwijs en Kennis: Basispolitieonderwijs, Recherchekunde, Leiderschap, Examinering

SK | Staf Korpsleiding | 1100 | national
  Korpsstaf: Strategie, Communicatie, Juridische Zaken, Audit
""")

_TEAM_KINDS = ("Noodhulp", "Wijkteam", "Opsporing", "Intake en Service", "Flex", "Jeugd en Zeden")


def _allocate(total: int, weights: Sequence[float], minimums: Sequence[int]) -> list[int]:
    """Split `total` exactly: each part gets its minimum, the rest by weight (largest remainder)."""
    rest = total - sum(minimums)
    if rest < 0:
        raise ValueError(f"cannot split {total} people over parts needing {sum(minimums)}")
    scale = rest / sum(weights)
    shares = [w * scale for w in weights]
    parts = [math.floor(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: parts[i] - shares[i])
    for i in by_remainder[: rest - sum(parts)]:
        parts[i] += 1
    return [m + p for m, p in zip(minimums, parts, strict=True)]


def _keep(count: int, fraction: float) -> int:
    """How many of `count` children survive scaling down (always at least one)."""
    return max(1, min(count, round(count * fraction)))


def _team_size(rng: random.Random) -> int:
    """A skewed team size: mostly 8-20, some tiny (3-4) so suppression shows, a few large."""
    u = rng.random()
    if u < 0.08:
        return rng.randint(3, 4)
    if u < 0.18:
        return rng.randint(5, 7)
    if u < 0.75:
        return int(rng.triangular(8, 20.999, 12))
    if u < 0.93:
        return rng.randint(21, 30)
    return rng.randint(31, MAX_TEAM)


def _team_sizes(headcount: int, rng: random.Random) -> list[int]:
    """Team sizes in [3, 40] that add up to exactly `headcount` (>= 3)."""
    sizes: list[int] = []
    remaining = headcount
    while True:
        size = _team_size(rng)
        if remaining - size >= MIN_TEAM:
            sizes.append(size)
            remaining -= size
        elif remaining <= MAX_TEAM:
            sizes.append(remaining)
            return sizes


def _team_name(unit: _Unit, place: str, index: int) -> str:
    if not unit.regional:
        return f"Team {place} {index + 1}"
    kind = _TEAM_KINDS[index % len(_TEAM_KINDS)]
    return f"{kind} {place} {index // len(_TEAM_KINDS) + 1}"


def _basisteam_rows(
    unit: _Unit, code: str, place: str, headcount: int, rng: random.Random
) -> list[OrgRow]:
    name = f"Basisteam {place}" if unit.regional else f"Afdeling {place}"
    rows = [OrgRow(code, code.rsplit("-", 1)[0], "basisteam", name, headcount)]
    for t, size in enumerate(_team_sizes(headcount, rng)):
        rows.append(OrgRow(f"{code}-T{t + 1}", code, "team", _team_name(unit, place, t), size))
    return rows


def _unit_rows(unit: _Unit, headcount: int, fraction: float, rng: random.Random) -> list[OrgRow]:
    """The eenheid, its districts, basisteams and teams, parents first."""
    rows = [OrgRow(unit.code, "NP", "eenheid", unit.name, headcount)]
    districts = [
        (name, places[: _keep(len(places), fraction)])
        for name, places in unit.districts[: _keep(len(unit.districts), fraction)]
    ]
    d_heads = _allocate(
        headcount,
        [len(places) * rng.uniform(0.8, 1.2) for _, places in districts],
        [MIN_TEAM * len(places) for _, places in districts],
    )
    for d, ((d_name, places), d_head) in enumerate(zip(districts, d_heads, strict=True), 1):
        d_code = f"{unit.code}-D{d}"
        label = f"District {d_name}" if unit.regional else d_name
        rows.append(OrgRow(d_code, unit.code, "district", label, d_head))
        b_heads = _allocate(
            d_head, [rng.uniform(0.6, 1.4) for _ in places], [MIN_TEAM] * len(places)
        )
        for b, (place, b_head) in enumerate(zip(places, b_heads, strict=True), 1):
            rows.extend(_basisteam_rows(unit, f"{d_code}-B{b}", place, b_head, rng))
    return rows


def generate_force(*, people: int = FULL_SIZE, seed: int = 7) -> list[OrgRow]:
    """A force of exactly `people` in teams, shaped like the Nationale Politie.

    Below full size the tree thins out (fewer districts and basisteams per unit) but
    keeps all 14 eenheden, each with at least one district -> basisteam -> team chain.
    """
    if people < MIN_PEOPLE:
        raise ValueError(f"people must be at least {MIN_PEOPLE}, got {people}")
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    fraction = min(1.0, math.sqrt(people / FULL_SIZE))
    leaves = [
        sum(_keep(len(p), fraction) for _, p in u.districts[: _keep(len(u.districts), fraction)])
        for u in _UNITS
    ]
    unit_heads = _allocate(
        people,
        [u.weight * rng.uniform(0.95, 1.05) for u in _UNITS],
        [MIN_TEAM * n for n in leaves],
    )
    rows = [OrgRow("NP", None, "korps", "Nationale Politie", people)]
    for unit, head in zip(_UNITS, unit_heads, strict=True):
        rows.extend(_unit_rows(unit, head, fraction, rng))
    return rows


def write_org_csv(rows: Sequence[OrgRow], path: Path) -> None:
    """Write the tree in the admin import format (UTF-8, empty parent_code for the root)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_HEADER)
        for r in rows:
            writer.writerow((r.code, r.parent_code or "", r.level, r.name, r.headcount))


# --- answers -------------------------------------------------------------------------------

_STD = NormalDist()
_MOOD_SD = 0.55  # spread of people's overall mood within a team
_ITEM_SD = 0.75  # item-level noise around a person's mood
_MOOD_STEP = 0.05  # mood is bucketed so answer distributions can be precomputed
_MOOD_LIMIT = 3.0
_CUT_SKIP = 0.15
_MINORITY_SHIFT = -0.3  # people who say they are a minority in their team fare a bit worse


def _stable_unit(text: str) -> float:
    """A uniform number in (0, 1) derived from text: stable across runs and processes."""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") + 0.5) / 2**64


def _item_offset(item_id: str) -> float:
    """Items differ in how easily people agree; a stable pseudo-random offset per item id."""
    return (zlib.crc32(item_id.encode()) % 1000) / 1000 * 0.5 - 0.25


def _ordered(item: ItemLike) -> list[int]:
    """Values from least to most favourable (handles reversed items such as favourable [1, 2])."""
    values = sorted(item.values)
    fav = item.favourable
    if fav and sum(fav) / len(fav) < sum(values) / len(values):
        values.reverse()
    return values


def _ordinal_cdf(n_values: int, mood: float, offset: float) -> list[float]:
    """Cumulative answer probabilities on a favourability-ordered scale for one mood."""
    top = n_values - 1
    centre = top * (0.72 + 0.22 * (mood + offset))
    spread = top * 0.22 * _ITEM_SD
    cdf = [_STD.cdf((j + 0.5 - centre) / spread) for j in range(top)]
    return [*cdf, 1.0]


def _choice_cdf(
    values: list[int], favourable: frozenset[int], mood: float, offset: float
) -> list[float]:
    """Cumulative probabilities for a single-choice item: favourable options gain with mood."""
    fav = [v for v in values if v in favourable]
    if not fav or len(fav) == len(values):
        weights = [1.0] * len(values)
    else:
        p_fav = _STD.cdf((mood + offset + 0.7) / math.hypot(_ITEM_SD, 0.7))
        weights = [
            p_fav / len(fav) if v in favourable else (1 - p_fav) / (len(values) - len(fav))
            for v in values
        ]
    return _cumulative(weights)


def _cumulative(weights: Sequence[float]) -> list[float]:
    """Cumulative shares ending in exactly 1.0, so bisecting u in [0, 1) stays in range."""
    total, acc, cdf = sum(weights), 0.0, []
    for w in weights[:-1]:
        acc += w
        cdf.append(acc / total)
    return [*cdf, 1.0]


def _cut_cdf(n_values: int) -> list[float]:
    """Plausible shares for self-description items.

    Two or three options are read as yes / no (/ rather not say), with ~15% "yes";
    longer lists (bands such as years of service) lean towards the longer-serving end.
    """
    if n_values == 2:
        weights = [0.15, 0.85]
    elif n_values == 3:
        weights = [0.15, 0.75, 0.10]
    else:
        weights = [1.0 + 0.5 * i for i in range(n_values)]
    return _cumulative(weights)


class _ItemTable:
    """Precomputed answer distributions of one item for every mood bucket (speed)."""

    def __init__(self, item: ItemLike) -> None:
        if item.type not in ("agree5", "scale10", "choice"):
            raise ValueError(f"item {item.id!r} has unknown type {item.type!r}")
        if not item.values:
            raise ValueError(f"item {item.id!r} has no values")
        self.id = item.id
        self.cut = item.cut
        offset = _item_offset(item.id)
        if item.cut:
            self.values = sorted(item.values)
            self.cdfs = [_cut_cdf(len(self.values))]
            return
        buckets = [i * _MOOD_STEP for i in _bucket_range()]
        if item.type == "choice":
            self.values = sorted(item.values)
            self.cdfs = [_choice_cdf(self.values, item.favourable, m, offset) for m in buckets]
        else:
            self.values = _ordered(item)
            self.cdfs = [_ordinal_cdf(len(self.values), m, offset) for m in buckets]

    def draw(self, bucket: int, u: float) -> int:
        """The value for uniform `u` in [0, 1) at a mood bucket (cut items ignore mood)."""
        return self.values[bisect_right(self.cdfs[0 if self.cut else bucket], u)]


def _bucket_range() -> range:
    limit = round(_MOOD_LIMIT / _MOOD_STEP)
    return range(-limit, limit + 1)


def _person(
    cuts: Sequence[_ItemTable],
    rated: Sequence[_ItemTable],
    rng: random.Random,
    climate: float,
    skip_rate: float,
) -> dict[str, int]:
    """One person's answers: cut items first (saying "yes, minority" lowers mood), then rated."""
    rnd = rng.random
    answers: dict[str, int] = {}
    mood = climate + rng.gauss(0.0, _MOOD_SD)
    for t in cuts:
        if rnd() >= _CUT_SKIP:
            answers[t.id] = value = t.values[bisect_right(t.cdfs[0], rnd())]
            if len(t.values) <= 3 and value == t.values[0]:
                mood += _MINORITY_SHIFT
    limit = round(_MOOD_LIMIT / _MOOD_STEP)
    bucket = max(-limit, min(limit, round(mood / _MOOD_STEP))) + limit
    answered = 0
    for t in rated:
        if rnd() >= skip_rate:
            answers[t.id] = t.values[bisect_right(t.cdfs[bucket], rnd())]
            answered += 1
    if not answered and (rated or not answers):
        keep = (rated or cuts)[int(rnd() * len(rated or cuts))]
        answers[keep.id] = keep.draw(bucket, rnd())
    return answers


def synthetic_answers(
    items: Sequence[ItemLike],
    n: int,
    *,
    rng: random.Random,
    climate: float = 0.0,
    skip_rate: float = 0.05,
) -> list[dict[str, int]]:
    """Answers of `n` people as {item_id: value}; skipped items are absent.

    `climate` in [-1, 1] moves the whole group towards favourable (positive) or
    unfavourable answers; each person also has their own mood, so a person's answers
    hang together. Nobody skips every rated item.
    """
    if not items:
        raise ValueError("need at least one item")
    if not -1.0 <= climate <= 1.0:
        raise ValueError(f"climate must lie in [-1, 1], got {climate}")
    if not 0.0 <= skip_rate < 1.0:
        raise ValueError(f"skip_rate must lie in [0, 1), got {skip_rate}")
    tables = [_ItemTable(item) for item in items]
    cuts = [t for t in tables if t.cut]
    rated = [t for t in tables if not t.cut]
    return [_person(cuts, rated, rng, climate, skip_rate) for _ in range(n)]


def team_climate(code: str, seed: int) -> float:
    """A stable climate in [-0.8, 0.8] for a team; teams in one basisteam resemble each other.

    About one team in ten is clearly worse off, so the demo has something to find.
    """
    parent = code.rsplit("-", 1)[0]
    team_z = _STD.inv_cdf(_stable_unit(f"{seed}:team:{code}"))
    parent_z = _STD.inv_cdf(_stable_unit(f"{seed}:parent:{parent}"))
    climate = 0.15 + 0.22 * team_z + 0.12 * parent_z
    if _stable_unit(f"{seed}:trouble:{code}") < 0.1:
        climate -= 0.75
    return max(-0.8, min(0.8, climate))
