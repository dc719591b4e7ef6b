"""Publisher identity: one canonical full name for every publishing body.

Pages name their publisher loosely: a bare place (``某县`` for the county's people's government), a
level word instead of the place (``区司法局``, ``市民政局``), a short department name (``市场监管局``) or
the full official name. Indicator trends, coverage and alerts need *one* name per body, so every
name is completed from the site's region (``浙江省温州市泰顺县``) and the raw name is kept as an alias.

Conventions (domain.md §1–2; official names as the titles there spell them):

- a place alone means its government: 省/市/县/区/乡/镇 → ``…人民政府``, 街道 → ``…街道办事处``,
  新区/开发区/高新区 → ``…管理委员会``;
- names that repeat across the country carry their parent place: a 区 its city
  (``重庆市长寿区人民政府``), a 乡/镇/街道 its county or district (``永安市小陶镇人民政府``); a province,
  city or county stands alone (``泰顺县司法局``, ``大连市司法局``);
- common short department names are spelled out (``市场监管局`` → ``市场监督管理局``);
- a joint 党委+政府 report (``中共X区委 X区人民政府``) belongs to the government.

Pure, never raises: an unknown shape comes back tidied, not guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Administrative units, in the order a region string lists them. Longer suffixes first (自治区
# before 区); a lone 州 is not a suffix because it ends ordinary city names (温州市).
_UNIT_SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "街道",
    "新区",
    "开发区",
    "高新区",
    "园区",
    "地区",
    "省",
    "市",
    "盟",
    "区",
    "县",
    "旗",
    "镇",
    "乡",
)
_UNIT_RE = re.compile(r"[\u4e00-\u9fff]+?(?:" + "|".join(_UNIT_SUFFIXES) + ")")
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_ZONE_SUFFIXES = ("新区", "开发区", "高新区", "园区")

# Level words a page uses instead of the place ("区司法局" on a district's site).
_LEVEL_WORDS = (
    ("自治区", "province"),
    ("街道", "street"),
    ("省", "province"),
    ("市", "city"),
    ("州", "city"),
    ("区", "district"),
    ("县", "county"),
    ("旗", "county"),
    ("镇", "town"),
    ("乡", "town"),
)

# Short department names → the full form (one series per department, whatever the page wrote).
DEPARTMENT_FULL_NAMES = {
    "市场监管局": "市场监督管理局",
    "卫健委": "卫生健康委员会",
    "卫生健康委": "卫生健康委员会",
    "卫健局": "卫生健康局",
    "发改委": "发展和改革委员会",
    "发改局": "发展和改革局",
    "人社局": "人力资源和社会保障局",
    "住建局": "住房和城乡建设局",
    "应急局": "应急管理局",
    "交通局": "交通运输局",
    "农业局": "农业农村局",
    "生态环境局": "生态环境局",
    "自然资源局": "自然资源局",
    "资规局": "自然资源和规划局",
    "统计局": "统计局",
    "城管局": "城市管理局",
    "文旅局": "文化和旅游局",
    "政府办": "人民政府办公室",
    "政府办公室": "人民政府办公室",
    "管委会": "管理委员会",
    "政府": "人民政府",
}
_BODY_RE = re.compile(
    r"(?:人民政府办公室|人民政府|政府|办事处|管理委员会|管委会|委员会|局|委|厅|办公室|办|中心|院|署|所|队|部|馆|站|会)$"
)
_JUNK_TAIL_RE = re.compile(r"(?:生成|发布|公开|成文|日期|时间|[：:]|主办|主管)+$")
_PORTAL_RE = re.compile(r"^中国|门户网站?$|(?<=政府)网$|门户$|网站$|官网$|在线$")
# Department names that start with a level character ("市场监管局" is not 市 + 场监管局).
_NOT_LEVEL_WORD = ("市场", "市政工程", "市政公用", "市政管理", "市政园林", "区域", "乡村", "县域")


@dataclass(frozen=True)
class Unit:
    """One administrative unit of a region: its name and level."""

    name: str
    level: str  # province | city | county | district | town | street | zone
    full: str  # the name as a canonical publisher name starts (parent place added where names repeat)


@dataclass
class Publisher:
    """A canonical publisher name and the names pages used for it."""

    name: str | None
    aliases: list[str] = field(default_factory=list)


def _tidy(name: str | None) -> str:
    text = unicodedata.normalize("NFKC", name or "")
    text = re.sub(r"\s+", "", text).strip("，,。：:;；|-—_·")
    return _JUNK_TAIL_RE.sub("", text)


def _level(unit: str, position: int) -> str:
    if unit.endswith(_ZONE_SUFFIXES):
        return "zone"
    if unit.endswith("街道"):
        return "street"
    if unit.endswith(("镇", "乡")):
        return "town"
    if unit.endswith(("省", "自治区", "特别行政区")) or unit in _MUNICIPALITIES:
        return "province"
    if unit.endswith(("区", "旗")) and not unit.endswith("地区"):
        return "district" if not unit.endswith("旗") else "county"
    if unit.endswith(("县", "自治县")):
        return "county"
    # 市: a prefecture-level city right under a province, else a county-level city.
    return "city" if position <= 1 else "county"


def region_units(region: str | None) -> list[Unit]:
    """'浙江省温州市泰顺县' → 浙江省 (province), 温州市 (city), 泰顺县 (county)."""
    out: list[Unit] = []
    for i, m in enumerate(_UNIT_RE.finditer(_tidy(region))):
        name = m.group(0)
        level = _level(name, i)
        out.append(Unit(name, level, _full_place(name, level, out[-1] if out else None)))
    return out


def _full_place(name: str, level: str, parent: Unit | None) -> str:
    """Districts, towns, streets and zones repeat across the country: their parent place goes first."""
    if (
        parent is None
        or level not in ("district", "town", "street", "zone")
        or parent.level == "province"
        and parent.name not in _MUNICIPALITIES
    ):
        return name
    return parent.full + name


def _government(place: str, level: str) -> str:
    if level == "street":
        return place + "办事处"
    if level == "zone":
        return place + "管理委员会"
    return place + "人民政府"


def _body(rest: str) -> str:
    """Spell out a short department or government body name."""
    if rest in DEPARTMENT_FULL_NAMES:
        return DEPARTMENT_FULL_NAMES[rest]
    for short, full in DEPARTMENT_FULL_NAMES.items():
        if rest.endswith(short) and not rest.endswith(full) and len(short) >= 3:
            return rest[: -len(short)] + full
    return rest


def _match_region_prefix(name: str, units: list[Unit]) -> tuple[Unit | None, str]:
    """Consume the region's places at the start of ``name``: (deepest unit named, what follows)."""
    found: Unit | None = None
    rest = name
    progress = True
    while progress and rest:
        progress = False
        for unit in units:
            for spelled in (unit.full, unit.name):
                if rest.startswith(spelled):
                    found, rest, progress = unit, rest[len(spelled) :], True
                    break
            if progress:
                break
    return found, rest


def _unit_by_level_word(name: str, units: list[Unit]) -> tuple[Unit | None, str]:
    """'区司法局' → the region's district and '司法局' (deepest unit of that level)."""
    for word, level in _LEVEL_WORDS:
        if name.startswith(_NOT_LEVEL_WORD):
            break
        if not name.startswith(word) or len(name) == len(word):
            continue
        rest = name[len(word) :]
        if not _BODY_RE.search(rest) and rest not in DEPARTMENT_FULL_NAMES:
            continue
        wanted = {
            "city": ("city", "county"),
            "district": ("district",),
            "county": ("county",),
            "town": ("town",),
            "street": ("street",),
            "province": ("province",),
        }[level]
        suffix_ok = [u for u in units if u.level in wanted and u.name.endswith(word)]
        matches = suffix_ok or [u for u in units if u.level in wanted]
        if matches:
            return matches[-1], rest
    return None, name


def _leading_place(name: str, units: list[Unit]) -> tuple[Unit | None, str]:
    """A place the region does not list (a town on its county's portal): parent it to the region."""
    m = _UNIT_RE.match(name)
    if not m:
        return None, name
    place = m.group(0)
    level = _level(place, 2)
    parent_levels = {
        "town": ("county", "district", "city"),
        "street": ("county", "district", "city"),
        "zone": ("city", "county", "district"),
        "district": ("city", "province"),
    }
    parents = [u for u in units if u.level in parent_levels.get(level, ())]
    rest = name[len(place) :]
    if level in ("county", "city", "province") or not parents:
        return Unit(place, level, place), rest
    return Unit(place, level, _full_place(place, level, parents[-1])), rest


def _compose(unit: Unit, rest: str) -> str:
    if not rest:
        return _government(unit.full, unit.level)
    # "鲤城区人民政府金龙街道办事处": the body is the street office, not the district government.
    inner = re.match(r"^人民政府((?:[\u4e00-\u9fff]+?)(?:街道|镇|乡))(.*)$", rest)
    if inner:
        sub_level = "street" if inner.group(1).endswith("街道") else "town"
        sub = Unit(inner.group(1), sub_level, _full_place(inner.group(1), sub_level, unit))
        return _compose(sub, inner.group(2))
    if rest in ("办事处", "街道办", "街道办事处") and unit.level == "street":
        return unit.full + "办事处"
    return unit.full + _body(rest)


def _joint_government(name: str) -> str:
    """'中共淮北市烈山区委烈山区人民政府' → '烈山区人民政府' (the government's duty is the one tracked)."""
    m = re.match(r"^中共[\u4e00-\u9fff]+?委(?:员会)?[、]?([\u4e00-\u9fff]+?(?:人民政府|政府))$", name)
    return m.group(1) if m else name


def canonical_name(name: str | None, region: str | None = None) -> str | None:
    """The canonical full name of a publisher named ``name`` on a site of ``region``."""
    raw = _joint_government(_tidy(name))
    if len(raw) < 2:
        return None
    units = region_units(region)
    unit, rest = _match_region_prefix(raw, units)
    if unit is None:
        unit, rest = _unit_by_level_word(raw, units)
    if unit is None:
        unit, rest = _leading_place(raw, units)
    if unit is None:
        if units and (
            rest in DEPARTMENT_FULL_NAMES
            or (_BODY_RE.search(rest) and len(rest) <= 12 and not _UNIT_RE.match(rest))
        ):
            return _compose(units[-1], rest)  # "司法局" on a county site is the county's
        return _body(raw)
    if rest and not (_BODY_RE.search(rest) or rest in DEPARTMENT_FULL_NAMES or rest.startswith("人民政府")):
        return raw  # "温州市区人大…", a slogan: not a publisher shape we know, keep it as written
    return _compose(unit, rest)


def site_publisher(site_name: str | None, region: str | None = None) -> str | None:
    """The body a site belongs to: its name completed, or — for a portal name such as 中国泰顺 or
    XX门户网站 — the government of the region's deepest unit."""
    tidy = _PORTAL_RE.sub("", _tidy(site_name))
    units = region_units(region)
    short = {
        u.name[: -len(s)]
        for u in units
        for s in _UNIT_SUFFIXES
        if u.name.endswith(s) and len(u.name) - len(s) >= 2
    }
    if units and (not tidy or tidy in short):
        deepest = units[-1]
        return _government(deepest.full, deepest.level)
    return canonical_name(tidy, region)


def resolve_publisher(
    candidates: list[str | None], region: str | None = None, site_name: str | None = None
) -> Publisher:
    """The first usable candidate (most explicit first), canonicalised; every other spelling an alias."""
    raws = [_tidy(c) for c in candidates if c and len(_tidy(c)) >= 2]
    fallback = site_publisher(site_name, region) if site_name else None
    # A candidate that is no body ("县长" before a year, "新华网" as 来源) gives way to the next one.
    names = (canonical_name(r, region) for r in raws)
    name = next((n for n in names if n and _BODY_RE.search(n)), None) or fallback
    aliases: list[str] = []
    for raw in raws:
        if raw != name and raw not in aliases:
            aliases.append(raw)
    return Publisher(name, aliases)


def same_publisher(a: str | None, b: str | None, region: str | None = None) -> bool:
    """Two names of one body (both canonicalised with the same region)."""
    ca, cb = canonical_name(a, region), canonical_name(b, region)
    return bool(ca) and ca == cb
