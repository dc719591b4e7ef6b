"""Is this title (or anchor text) a 法治政府建设年度报告?

A small registry of documented rules (the CLI lists them with :func:`list_rules`). Flow:
normalize (NFKC, no whitespace, Traditional -> Simplified) -> the positive title pattern of
domain.md §2 -> near-miss negatives *after* a positive hit (解读 pages and 上半年 reports
also match the positive pattern) -> confidence boosts.

``Classification.confidence`` is the estimated probability that the page *is* a report.
The crawler calls this on every link text, so the common case (no 法治政府 in the text)
returns before any regex or OpenCC work.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from parsers.types import Classification

_WS_RE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s():  # OpenCC's dictionaries take ~0.2 s to load: only when a title needs them
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=4096)
def normalize_title(title: str) -> str:
    """NFKC, all whitespace removed, Traditional -> Simplified."""
    t = _WS_RE.sub("", unicodedata.normalize("NFKC", title or ""))
    if any(ch in t for ch in "設報況會與關於為務業縣區鄉鎮門廳辦廣東龍縣"):
        t = _t2s().convert(t)
    return t


@dataclass(frozen=True)
class Rule:
    """One classifier rule: ``kind`` is positive, negative or boost."""

    name: str
    kind: str
    pattern: re.Pattern[str]
    description: str
    weight: float = 0.0


POSITIVE = Rule(
    "report_title",
    "positive",
    re.compile(
        r"法治政府建设.{0,8}?(年度报告|情况报告|情况的报告|工作报告|工作的报告|工作情况报告|"
        r"工作情况的报告|工作总结的报告|报告)"
    ),
    "法治政府建设 followed within 8 characters by a report noun (domain.md §2 positive pattern).",
)

NEGATIVES: tuple[Rule, ...] = (
    Rule("info_disclosure", "negative", re.compile(r"信息公开"), "政府信息公开工作年度报告 is another annual report."),
    Rule("website_report", "negative", re.compile(r"网站(工作)?年度?报|政府网站"), "政府网站工作年度报告."),
    Rule("work_points", "negative", re.compile(r"工作要点|要点"), "法治政府建设工作要点 (a plan, not a report)."),
    Rule("plan_document", "negative", re.compile(r"实施方案|实施纲要|纲要|规划|方案|实施意见"), "实施方案/纲要/规划."),
    Rule("notice", "negative", re.compile(r"通知|做好|公告$|函$|征求意见"), "关于做好…年度报告工作的通知 and similar."),
    Rule("interpretation", "negative", re.compile(r"解读|图解|答记者问|一图读懂|问答"), "《…报告》解读 pages."),
    Rule(
        "news_event", "negative",
        re.compile(r"示范创建|示范(地区|项目)|督察|督查|推进会|评估|测评|会议|召开|工作会|培训|观摩|调研|座谈|部署"),
        "示范创建 / 督察反馈 / 推进会 / 评估评价 news about reports.",
    ),
    Rule("partial_period", "negative", re.compile(r"上半年|半年|五年|季度|十三五|十四五|月份"), "上半年 / 五年 reports."),
    Rule("self_check", "negative", re.compile(r"自查|自评"), "年度情况自查报告 (考评 material)."),
    Rule("enforcement_stats", "negative", re.compile(r"行政执法(数据|统计|工作情况|情况)"), "行政执法数据 / 执法工作报告."),
    Rule("reconsideration", "negative", re.compile(r"复议|应诉"), "行政复议应诉工作报告."),
    Rule("duty_report", "negative", re.compile(r"述法|述职"), "述法 / 第一责任人述职报告."),
    Rule("performance", "negative", re.compile(r"绩效|考评|考核"), "绩效考评 reports."),
    Rule("white_paper", "negative", re.compile(r"白皮书"), "行政审判白皮书 from courts."),
    Rule(
        "template", "negative",
        re.compile(r"范文|模板|范本|样本|[*＊×xXＸ]{1,3}(区|县|镇|市|乡|街道)|XX|某(区|县|镇|市|乡)|精选|[0-9]+篇"),
        "范文 sites: templates with *区 / x镇 placeholders.",
    ),
)

BOOSTS: tuple[Rule, ...] = (
    Rule("has_year", "boost", re.compile(r"(19|20)\d{2}年度?"), "A report year in the title.", 0.1),
    Rule("formal_form", "boost", re.compile(r"关于|年度报告|情况的?报告"), "Formal report wording.", 0.05),
)

_SECTION_HINTS = re.compile(r"举措|成效|不足|存在的?问题|第一责任人|主要负责人|安排|打算|思路")


def list_rules() -> list[Rule]:
    """All rules in evaluation order (for the CLI)."""
    return [POSITIVE, *NEGATIVES, *BOOSTS]


def classify_title(title: str, text: str = "") -> Classification:
    """Classify a page title or a link's anchor text; ``text`` (the body) only adjusts confidence."""
    if "法治" not in (title or ""):  # fast path for anchor texts (same in Traditional)
        return Classification(False, 0.0, ["no 法治政府 in title"])
    norm = normalize_title(title)
    hit = POSITIVE.pattern.search(norm)
    if not hit:
        return Classification(False, 0.05, ["no report title pattern"])
    reasons = [f"{POSITIVE.name}: {hit.group(0)}"]
    negatives = [r.name for r in NEGATIVES if r.pattern.search(norm)]
    if negatives:
        return Classification(False, 0.1, reasons + [f"near-miss: {n}" for n in negatives])
    confidence = 0.8
    for rule in BOOSTS:
        if rule.pattern.search(norm):
            confidence += rule.weight
            reasons.append(rule.name)
    if text:
        hints = len(set(_SECTION_HINTS.findall(text[:20000])))
        if hints >= 3:
            confidence += 0.04
            reasons.append(f"body has mandated section words ({hints})")
    return Classification(True, round(min(confidence, 0.99), 2), reasons)
