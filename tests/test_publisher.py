"""Publisher identity: canonical full names across government levels (domain.md §1–2).

The expected names were written from the domain notes' titles and conventions before the code ran.
"""

from __future__ import annotations

import pytest

from parsers.publisher import canonical_name, region_units, resolve_publisher, same_publisher, site_publisher

TAISHUN = "浙江省温州市泰顺县"
LUCHENG = "浙江省温州市鹿城区"
HAIAN = "江苏省南通市海安市"
CHANGSHOU = "重庆市长寿区"
YONGAN_XIAOTAO = "福建省三明市永安市小陶镇"
DALIAN = "辽宁省大连市"
LICHENG = "福建省泉州市鲤城区"
XINPU = "贵州省遵义市新蒲新区"
HUNAN = "湖南省"

CASES = [
    # province
    ("湖南省人民政府", HUNAN, "湖南省人民政府"),
    ("湖南省", HUNAN, "湖南省人民政府"),
    ("省司法厅", HUNAN, "湖南省司法厅"),
    ("湖南省司法厅", HUNAN, "湖南省司法厅"),
    ("新疆维吾尔自治区人民政府", "新疆维吾尔自治区", "新疆维吾尔自治区人民政府"),
    # city
    ("大连市", DALIAN, "大连市人民政府"),
    ("大连市人民政府", DALIAN, "大连市人民政府"),
    ("市司法局", DALIAN, "大连市司法局"),
    ("市民政局", DALIAN, "大连市民政局"),
    ("市场监管局", DALIAN, "大连市市场监督管理局"),
    ("大连市市场监管局", DALIAN, "大连市市场监督管理局"),
    ("大连市市场监督管理局", DALIAN, "大连市市场监督管理局"),
    ("市卫健委", DALIAN, "大连市卫生健康委员会"),
    ("市教育局", DALIAN, "大连市教育局"),
    ("市政府", DALIAN, "大连市人民政府"),
    # county and county-level city
    ("泰顺县", TAISHUN, "泰顺县人民政府"),
    ("县人民政府", TAISHUN, "泰顺县人民政府"),
    ("泰顺县司法局", TAISHUN, "泰顺县司法局"),
    ("县司法局", TAISHUN, "泰顺县司法局"),
    ("司法局", TAISHUN, "泰顺县司法局"),
    ("县卫健局", TAISHUN, "泰顺县卫生健康局"),
    ("温州市泰顺县司法局", TAISHUN, "泰顺县司法局"),
    ("温州市司法局", TAISHUN, "温州市司法局"),
    ("市司法局", HAIAN, "海安市司法局"),
    ("海安市", HAIAN, "海安市人民政府"),
    # district: carries its city
    ("区司法局", LUCHENG, "温州市鹿城区司法局"),
    ("鹿城区", LUCHENG, "温州市鹿城区人民政府"),
    ("鹿城区人民政府", LUCHENG, "温州市鹿城区人民政府"),
    ("温州市鹿城区人民政府", LUCHENG, "温州市鹿城区人民政府"),
    ("长寿区司法局", CHANGSHOU, "重庆市长寿区司法局"),
    ("重庆市长寿区人民政府", CHANGSHOU, "重庆市长寿区人民政府"),
    ("重庆市长寿区招商投资促进局", CHANGSHOU, "重庆市长寿区招商投资促进局"),
    ("区政府", CHANGSHOU, "重庆市长寿区人民政府"),
    # town and street: carry their county or district
    ("城东镇", HAIAN, "海安市城东镇人民政府"),
    ("城东镇人民政府", HAIAN, "海安市城东镇人民政府"),
    ("小陶镇人民政府", YONGAN_XIAOTAO, "永安市小陶镇人民政府"),
    ("永安市小陶镇人民政府", YONGAN_XIAOTAO, "永安市小陶镇人民政府"),
    ("镇人民政府", YONGAN_XIAOTAO, "永安市小陶镇人民政府"),
    ("罗阳镇", TAISHUN, "泰顺县罗阳镇人民政府"),
    ("金龙街道", LICHENG, "泉州市鲤城区金龙街道办事处"),
    ("鲤城区人民政府金龙街道办事处", LICHENG, "泉州市鲤城区金龙街道办事处"),
    ("金龙街道办事处", LICHENG, "泉州市鲤城区金龙街道办事处"),
    # development zones
    ("新蒲新区", XINPU, "遵义市新蒲新区管理委员会"),
    ("新蒲新区管委会", XINPU, "遵义市新蒲新区管理委员会"),
    ("海安开发区", HAIAN, "海安市海安开发区管理委员会"),
    # joint party-government report belongs to the government
    ("中共淮北市烈山区委烈山区人民政府", "安徽省淮北市烈山区", "淮北市烈山区人民政府"),
    # table cell glued to the next label
    ("某市司法局生成", "", "某市司法局"),
    # no region known: tidy, spell out, never invent a place
    ("司法局", "", "司法局"),
    ("淮安市人民政府", "江苏省", "淮安市人民政府"),
    ("应急管理部", "", "应急管理部"),
]


@pytest.mark.parametrize(("raw", "region", "want"), CASES, ids=[f"{r}@{g or '-'}" for r, g, _ in CASES])
def test_canonical_name(raw: str, region: str, want: str) -> None:
    assert canonical_name(raw, region) == want


def test_region_units_levels() -> None:
    assert [(u.name, u.level) for u in region_units("福建省三明市永安市小陶镇")] == [
        ("福建省", "province"),
        ("三明市", "city"),
        ("永安市", "county"),
        ("小陶镇", "town"),
    ]
    assert [(u.name, u.level) for u in region_units("重庆市长寿区")] == [
        ("重庆市", "province"),
        ("长寿区", "district"),
    ]


def test_one_series_whatever_the_page_wrote() -> None:
    spellings = ["泰顺县", "泰顺县人民政府", "县人民政府", "县政府", "中共泰顺县委泰顺县人民政府"]
    assert {canonical_name(s, TAISHUN) for s in spellings} == {"泰顺县人民政府"}
    assert same_publisher("区司法局", "温州市鹿城区司法局", LUCHENG)
    assert not same_publisher("鹿城区司法局", "鹿城区人民政府", LUCHENG)


@pytest.mark.parametrize(
    ("site_name", "region", "want"),
    [
        ("中国泰顺", TAISHUN, "泰顺县人民政府"),
        ("泰顺县人民政府门户网站", TAISHUN, "泰顺县人民政府"),
        ("泰顺县司法局", TAISHUN, "泰顺县司法局"),
        ("大连市司法局", DALIAN, "大连市司法局"),
        ("鹿城区", LUCHENG, "温州市鹿城区人民政府"),
    ],
)
def test_site_publisher(site_name: str, region: str, want: str) -> None:
    assert site_publisher(site_name, region) == want


def test_resolve_keeps_what_the_page_said_as_alias() -> None:
    pub = resolve_publisher(["城东镇", "海安开发区"], HAIAN, "海安市人民政府")
    assert pub.name == "海安市城东镇人民政府"
    assert pub.aliases == ["城东镇", "海安开发区"]
    fallback = resolve_publisher([None, None], TAISHUN, "中国泰顺")
    assert fallback.name == "泰顺县人民政府" and fallback.aliases == []


# Written after the first implementation, before running it on them (a held-out check of the conventions).
HELD_OUT = [
    ("县市场监督管理局", TAISHUN, "泰顺县市场监督管理局"),
    ("泰顺县人民政府办公室", TAISHUN, "泰顺县人民政府办公室"),
    ("县政府办", TAISHUN, "泰顺县人民政府办公室"),
    ("温州市鹿城区司法局", LUCHENG, "温州市鹿城区司法局"),
    ("鹿城区司法局", "浙江省温州市", "温州市鹿城区司法局"),
    ("五马街道", LUCHENG, "温州市鹿城区五马街道办事处"),
    ("小陶镇", "福建省三明市永安市", "永安市小陶镇人民政府"),
    ("古镛镇人民政府", "福建省三明市将乐县", "将乐县古镛镇人民政府"),
    ("金普新区管委会", DALIAN, "大连市金普新区管理委员会"),
    ("市应急局", DALIAN, "大连市应急管理局"),
    ("区人社局", LUCHENG, "温州市鹿城区人力资源和社会保障局"),
    ("县发改局", TAISHUN, "泰顺县发展和改革局"),
    ("湖南省人民政府办公厅", HUNAN, "湖南省人民政府办公厅"),
    ("司法部", "", "司法部"),
    ("浙江省卫生健康委", "浙江省", "浙江省卫生健康委员会"),
    ("广东省市场监督管理局", "广东省", "广东省市场监督管理局"),
    ("赵县人民政府", "河北省石家庄市赵县", "赵县人民政府"),
    ("仁和镇人民政府", "四川省攀枝花市仁和区", "攀枝花市仁和区仁和镇人民政府"),
    ("明溪县司法局", "福建省三明市明溪县", "明溪县司法局"),
]


@pytest.mark.parametrize(("raw", "region", "want"), HELD_OUT, ids=[f"{r}@{g or '-'}" for r, g, _ in HELD_OUT])
def test_canonical_name_held_out(raw: str, region: str, want: str) -> None:
    assert canonical_name(raw, region) == want


@pytest.mark.parametrize(("raw", "region", "want"), CASES + HELD_OUT)
def test_canonical_name_is_idempotent(raw: str, region: str, want: str) -> None:
    assert canonical_name(want, region) == want
