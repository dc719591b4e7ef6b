"""Words the generated portals are made of, written from the domain notes (/work/shared/docs/domain.md
sections 2 and 3): real report-title shapes, near-miss titles, channel names and path tokens, chrome.
Report bodies come from the seed texts kept in tests/portals/seeds (the repository copy, so output
does not depend on the machine)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"

PLACES = [
    "泰顺县",
    "文成县",
    "平阳县",
    "苍南县",
    "永嘉县",
    "洞头区",
    "瑞安市",
    "乐清市",
    "龙港市",
    "鹿城区",
    "长寿区",
    "静海区",
    "鹤山市",
    "明溪县",
    "将乐县",
    "清水县",
    "岳阳县",
    "武冈市",
    "罗源县",
    "柳江区",
]
TOWNS = [
    "城东镇",
    "龙溪镇",
    "三都镇",
    "仁和镇",
    "古镛镇",
    "小陶镇",
    "金龙街道",
    "新蒲新区",
    "东城街道",
    "小龙门乡",
]
DEPARTMENTS = [
    "司法局",
    "人民政府",
    "市场监督管理局",
    "卫生健康局",
    "交通运输局",
    "自然资源和规划局",
    "教育局",
    "应急管理局",
    "生态环境分局",
    "招商投资促进局",
    "农业农村局",
    "财政局",
]

# Simplified → Traditional for the characters the titles use (kaojiao.com.cn-style mirrors convert them).
_TRADITIONAL = dict(
    zip(
        "设报况关于县乡门龙区镇务员卫监规划应资环态场业农发开经济总结实执数据读东华阳宁顺乐苍头义庆长寿汉广兴丰运输财镛陶罗岳冈蒲",
        "設報況關於縣鄉門龍區鎮務員衛監規劃應資環態場業農發開經濟總結實執數據讀東華陽寧順樂蒼頭義慶長壽漢廣興豐運輸財鏞陶羅嶽岡蒲",
        strict=True,
    )
)


def to_traditional(text: str) -> str:
    return "".join(_TRADITIONAL.get(ch, ch) for ch in text)


@dataclass(frozen=True)
class Agency:
    """Who publishes on a portal: ``name`` as titles spell it, ``place`` its short area name."""

    name: str
    place: str


def pick_agency(rng: random.Random) -> Agency:
    if rng.random() < 0.25:
        town = rng.choice(TOWNS)
        return Agency(town + ("人民政府" if town.endswith(("镇", "乡")) else "办事处"), town)
    place = rng.choice(PLACES)
    return Agency(place + rng.choice(DEPARTMENTS), place)


# Each template: (idiom tag or "", format). {a} agency, {p} place, {y} year.
REPORT_TITLES: list[tuple[str, str]] = [
    ("", "{a}{y}年法治政府建设年度报告"),
    ("", "{a}{y}年度法治政府建设年度报告"),
    ("", "{p}{y}年度法治政府建设情况报告"),
    ("", "{y}年{p}法治政府建设情况报告"),
    ("", "{a}关于{y}年法治政府建设情况的报告"),
    ("", "{a}关于{y}年度法治政府建设情况的报告"),
    ("", "{a}关于{y}年度法治政府建设工作的报告"),
    ("", "{a}{y}年度法治政府建设情况报告"),
    ("", "{a}关于{p}{y}年度法治政府建设工作总结的报告"),
    ("title_no_agency", "关于{y}年法治政府建设情况的报告"),
    ("title_no_agency", "{y}年法治政府建设工作情况的报告"),
    ("title_no_agency", "关于{y}年度法治政府建设工作情况的报告"),
    ("title_space", "{y}年度{p}法治政府建设 工作报告"),
    ("title_space", "中共{p}委 {p}人民政府关于{y}年法治政府建设情况的报告"),
    ("title_space", "{a}{y}年 法治政府建设年度报告"),
    ("title_traditional", "{p}{y}年法治政府建設情況報告"),
    ("title_traditional", "{a}關於{y}年度法治政府建設情況的報告"),
]

NEAR_MISS_TITLES = [
    "{a}{y}年政府信息公开工作年度报告",
    "{p}人民政府{y}年政府信息公开工作年度报告",
    "{p}{y}年政府网站工作年度报表",
    "{a}{y}年法治政府建设工作要点",
    "{p}法治政府建设实施方案（{y}—{y2}年）",
    "关于做好{y}年度法治政府建设年度报告工作的通知",
    "关于报送{y}年度法治政府建设情况报告的通知",
    "《{a}{y}年法治政府建设年度报告》解读",
    "一图读懂{p}{y}年度法治政府建设情况报告",
    "{a}{y}年上半年法治政府建设工作情况报告",
    "{a}{y}年度法治政府建设情况自查报告",
    "{a}{y}年度行政执法数据公开",
    "{a}{y}年行政执法工作情况报告",
    "{a}{y}年度行政复议应诉工作报告",
    "{p}法治政府建设五年工作情况报告",
    "{a}主要负责人{y}年度履行推进法治建设第一责任人职责情况述职报告",
    "{p}召开{y}年法治政府建设工作推进会",
    "{p}获评第二批省级法治政府建设示范单位",
    "{a}{y}年度绩效考评工作报告",
    "{p}法治政府建设督察反馈问题整改情况的报告",
]

NEWS_TITLES = [
    "{p}开展“八五”普法宣传进社区活动",
    "{p}召开{y}年安全生产工作会议",
    "关于{y}年春节期间值班安排的通知",
    "{p}举办行政执法人员业务培训班",
    "关于公布{y}年度行政许可事项清单的公告",
    "{p}推进优化营商环境工作纪实",
    "{a}{y}年部门预算公开",
    "{a}{y}年部门决算公开",
    "关于征求《{p}城乡供水管理办法（草案）》意见的公告",
    "{p}开展防汛应急演练",
    "{a}召开党风廉政建设工作会议",
    "关于{y}年公开招聘编外工作人员的公告",
    "{p}举行国家宪法日主题宣传活动",
    "关于开展{y}年度“双随机、一公开”抽查的通知",
    "{p}调研基层公共法律服务工作",
    "{a}{y}年度重大行政决策事项目录",
    "关于暂停供水的通知",
    "{p}召开人民调解工作推进会",
    "关于{y}年度行政规范性文件清理结果的公告",
    "{a}领导带队开展安全检查",
    "{p}新时代文明实践活动综述",
    "关于调整{p}最低工资标准的通知",
    "{p}举办法律明白人培训",
    "{a}{y}年度权责清单",
    "{p}组织收看全国视频会议",
    "关于{y}年度政府购买服务项目的公示",
    "{p}深入推进“最多跑一次”改革",
    "{a}召开{y}年度民主生活会",
    "{p}开展消防安全大排查",
    "关于公布第一批行政执法人员名单的公告",
]

NEWS_SENTENCES = [
    "近日，{p}组织召开专题会议，研究部署下一阶段重点工作。",
    "会议要求，各单位要提高思想认识，压实工作责任，确保各项任务落到实处。",
    "活动现场，工作人员向群众发放宣传资料，解答法律咨询。",
    "下一步，{a}将持续加强统筹协调，推动工作取得新成效。",
    "本次活动共发放资料500余份，接受群众咨询80余人次。",
    "请各单位结合实际认真贯彻执行。",
    "特此公告。",
]

# Channels a report can live in (name, path token), from domain.md section 2.
DEDICATED_CHANNELS = [
    ("法治政府建设年度报告", "fzzfjsndbg"),
    ("法治政府建设年度报告", "fzzfndbg"),
    ("法治政府建设情况", "fzzfjsqkndbg"),
    ("法治政府建设", "fzzfjs"),
    ("法治政府", "fzzf"),
    ("工作报告", "fzzfgzbg"),
    ("依法行政", "yfxz"),
    ("其他法定公开信息", "qtfdgkxx"),
    ("工作报告", "gzbg"),
    ("部门文件", "bmwj"),
    ("年度计划工作总结", "ndjhgzzj"),
    ("重点公开的其他信息", "zdgkdqtxx"),
    ("法定主动公开内容", "fdzdgknr"),
]
REPORT_NAMED_CHANNELS = ["法治政府建设年度报告", "年度报告", "法治政府建设", "法治政府建设情况"]

# Level-1 sections and their usual children (name, token).
SECTIONS = {
    ("新闻中心", "xwzx"): [
        ("工作动态", "gzdt"),
        ("通知公告", "tzgg"),
        ("图片新闻", "tpxw"),
        ("媒体聚焦", "mtjj"),
    ],
    ("政务公开", "zwgk"): [
        ("政策文件", "zcwj"),
        ("信息公开目录", "xxgkml"),
        ("部门文件", "bmwj"),
        ("规划计划", "ghjh"),
    ],
    ("法治政府建设", "fzzfjs"): [("法治动态", "fzdt"), ("依法行政", "yfxz"), ("普法宣传", "pfxc")],
    ("信息公开", "xxgk"): [("机构概况", "jggk"), ("财政资金", "czzj"), ("人事信息", "rsxx")],
    ("通知公告", "tzgg"): [],
    ("互动交流", "hdjl"): [],
}
NAV_EXTRA = ["首页", "走进{p}", "政务服务", "政民互动", "领导之窗", "专题专栏"]
FOOTERS = [
    "主办单位：{a} 版权所有 ICP备05012345号-1 网站标识码：3303290001 浙公网安备 33032902000123号",
    "版权所有：{a} 技术支持：某某信息技术有限公司 网站地图 联系我们 ICP备12345678号 网站标识码3303280002",
    "{a}主办 承办：{p}大数据中心 网站标识码：3303270003 ICP备10002000号 公网安备33032702000001号",
]


@cache
def seed_bodies() -> list[tuple[str, list[str]]]:
    """(title, body paragraphs) of each seed report, chrome lines dropped."""
    out = []
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        lines = [ln.strip(" |\u3000") for ln in path.read_text("utf-8").splitlines()]
        lines = [ln for ln in lines if len(ln) >= 30 and not _is_chrome(ln)]
        title = next(ln for ln in path.read_text("utf-8").splitlines() if "法治政府" in ln).strip(" |")
        out.append((title, lines[:12]))
    return out


_CHROME = re.compile(r"发布时间|来源[:：]|字体|打印|扫一扫|上一篇|下一篇|您当前所在|国徽|走进")


def _is_chrome(line: str) -> bool:
    return bool(_CHROME.search(line)) or "法治政府建设年度报告" in line[:40] and len(line) < 60


def report_paragraphs(rng: random.Random, agency: Agency, year: int, serial: int) -> list[str]:
    """A report body: a seed's paragraphs with the seed's years moved to ``year``, closed by a document number.

    ``serial`` (the portal's seed) makes the number, hence the text, unique to the portal: portals share the
    few town names and five seed bodies, and the crawl test stores 50 portals in one database, where ingest
    rightly takes a second portal's identical text for a republication of the first (not a report of its own)."""
    _, paragraphs = rng.choice(seed_bodies())
    first_year = _first_year(paragraphs)
    shift = year - first_year if first_year else 0

    def move(match: re.Match[str]) -> str:
        return str(int(match[1]) + shift) + match[2]

    intro = f"{year}年，{agency.name}深入学习贯彻习近平法治思想，全面推进依法行政，现将{year}年法治政府建设情况报告如下。"
    body = [re.sub(r"(20[12]\d)(年)", move, p) for p in paragraphs]
    return [intro, *body, f"（{agency.place}法治〔{year + 1}〕{serial}号）"]


def _first_year(paragraphs: list[str]) -> int | None:
    for p in paragraphs:
        found = re.search(r"(20[12]\d)年", p)
        if found:
            return int(found[1])
    return None


def fill(template: str, agency: Agency, year: int) -> str:
    return template.format(a=agency.name, p=agency.place, y=year, y2=year + 2)
