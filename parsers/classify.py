"""Is this title (or anchor text) a 法治政府建设年度报告 — and, given the body, is this page one?

A small registry of documented rules (the CLI lists them with :func:`list_rules`). Flow:
normalize (NFKC, no whitespace, Traditional -> Simplified) -> the positive title pattern of
domain.md §2 -> near-miss negatives *after* a positive hit (解读 pages and 上半年 reports
also match the positive pattern) -> confidence boosts.

Titles do not always say 报告 ("<地区>2024年度法治政府建设情况", "关于报送…法治政府建设情况的函"): when
the body is given, a page whose title names 法治政府建设 but lacks a report noun is a report when its
*body* is one — a review of the year addressed upward (现将…报告如下, 县委、县政府：) with the mandated
parts (举措和成效, 不足, 第一责任人, 下一年度安排). Near-miss titles (信息公开年报, 工作要点, 实施方案, 通知,
解读, 述法, 上半年, 自查 …) stay rejected whatever the body says; a 函 only passes on a full report body.
Reasons are written in Chinese: the CLI and `fzwatch extract` show them to users.

``Classification.confidence`` is the estimated probability that the page *is* a report.
The crawler calls this on every link text, so the common case (no 法治政府 in the text)
returns before any regex or OpenCC work.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from parsers.sections import MANDATED, split_sections
from parsers.types import Classification

_WS_RE = re.compile(r"\s+")


class _Converter(Protocol):
    """What we use of opencc.OpenCC (the library ships no types)."""

    def convert(self, text: str) -> str: ...


@lru_cache(maxsize=1)
def _t2s() -> _Converter:  # OpenCC's dictionaries take ~0.2 s to load: only when a title needs them
    from opencc import OpenCC

    converter: _Converter = OpenCC("t2s")
    return converter


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
    label: str = ""  # Chinese, for reasons shown to users


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
    Rule(
        "info_disclosure",
        "negative",
        re.compile(r"信息公开"),
        "政府信息公开工作年度报告 is another annual report.",
        label="信息公开年报",
    ),
    Rule(
        "website_report",
        "negative",
        re.compile(r"网站(工作)?年度?报|政府网站"),
        "政府网站工作年度报告.",
        label="政府网站年报",
    ),
    Rule(
        "work_points",
        "negative",
        re.compile(r"工作要点|要点"),
        "法治政府建设工作要点 (a plan, not a report).",
        label="工作要点",
    ),
    Rule(
        "plan_document",
        "negative",
        re.compile(r"实施方案|实施纲要|纲要|规划|方案|实施意见"),
        "实施方案/纲要/规划.",
        label="实施方案/规划",
    ),
    Rule(
        "notice",
        "negative",
        re.compile(r"通知|做好|公告$|函$|征求意见"),
        "关于做好…年度报告工作的通知 and similar.",
        label="通知/函/公告",
    ),
    Rule(
        "interpretation",
        "negative",
        re.compile(r"解读|图解|答记者问|一图读懂|问答"),
        "《…报告》解读 pages.",
        label="解读",
    ),
    Rule(
        "news_event",
        "negative",
        re.compile(
            r"示范创建|示范(地区|项目)|督察|督查|推进会|评估|测评|会议|召开|工作会|培训|观摩|调研|座谈|部署"
        ),
        "示范创建 / 督察反馈 / 推进会 / 评估评价 news about reports.",
        label="新闻/会议/评估",
    ),
    Rule(
        "partial_period",
        "negative",
        re.compile(r"上半年|半年|五年|季度|十三五|十四五|月份"),
        "上半年 / 五年 reports.",
        label="非全年报告",
    ),
    Rule(
        "self_check",
        "negative",
        re.compile(r"自查|自评"),
        "年度情况自查报告 (考评 material).",
        label="自查报告",
    ),
    Rule(
        "enforcement_stats",
        "negative",
        re.compile(r"行政执法(数据|统计|工作情况|情况)"),
        "行政执法数据 / 执法工作报告.",
        label="行政执法数据",
    ),
    Rule(
        "reconsideration", "negative", re.compile(r"复议|应诉"), "行政复议应诉工作报告.", label="复议应诉报告"
    ),
    Rule(
        "duty_report", "negative", re.compile(r"述法|述职"), "述法 / 第一责任人述职报告.", label="述法/述职"
    ),
    Rule("performance", "negative", re.compile(r"绩效|考评|考核"), "绩效考评 reports.", label="绩效考评"),
    Rule("white_paper", "negative", re.compile(r"白皮书"), "行政审判白皮书 from courts.", label="白皮书"),
    Rule(
        "template",
        "negative",
        re.compile(
            r"范文|模板|范本|样本|[*＊×xXＸ]{1,3}(区|县|镇|市|乡|街道)|XX|某(区|县|镇|市|乡)|精选|[0-9]+篇"
        ),
        "范文 sites: templates with *区 / x镇 placeholders.",
        label="范文/模板",
    ),
)

# A near-miss word that is part of the publisher's name (自然资源和规划局, 规划和自然资源局, 行政复议局,
# 考核办, 评估中心) says nothing about the document: the word is followed by an organ's suffix,
# directly or after "和" and a short second field. A 范文 placeholder ("XX局") is never a name.
_ORGAN_AFTER = re.compile(r"(?:和[\u4e00-\u9fff]{2,4}?)?(?:分局|局|委员会|委|厅|办公室|办|中心|院|署)")

BOOSTS: tuple[Rule, ...] = (
    Rule(
        "has_year",
        "boost",
        re.compile(r"(19|20)\d{2}年度?"),
        "A report year in the title.",
        0.1,
        "标题含年度",
    ),
    Rule(
        "formal_form",
        "boost",
        re.compile(r"关于|年度报告|情况的?报告"),
        "Formal report wording.",
        0.05,
        "正式报告用语",
    ),
)

# A title that names the subject but no report noun: "<地区>2024年度法治政府建设情况", "…情况的函".
SUBJECT_TITLE = Rule(
    "subject_title",
    "body",
    re.compile(r"(?:19|20)\d{2}年.*法治政府建设(?:工作)?(?:年度)?(?:情况|工作|报告|年度报告)(?:的?函)?$"),
    "Title with a year ending in 法治政府建设情况/工作 (or a 函 sending it), no report noun: decided by the body.",
    label="标题只写法治政府建设情况",
)
BODY_RULES: tuple[Rule, ...] = (
    Rule(
        "report_formula",
        "body",
        re.compile(r"现将.{0,40}?(?:报告|汇报)如下|特此报告|专此报告"),
        "The report formula 现将…报告如下 / 特此报告.",
        0.0,
        "正文有“现将…报告如下”",
    ),
    Rule(
        "addressed_upward",
        "body",
        re.compile(
            r"^.{0,30}?(?:[省市县区镇乡]委|人民政府|依法治[省市县区]办|委员会)[、，,]?.{0,20}?[:：]",
            re.DOTALL,
        ),
        "Opens with an addressee one level up (县委、县政府：).",
        0.0,
        "正文抬头报送上级",
    ),
    Rule(
        "year_review",
        "body",
        re.compile(r"(?:19|20)\d{2}年(?:度|以来)?.{0,40}?法治政府建设", re.DOTALL),
        "Opens with a review of the year's 法治政府建设 work.",
        0.0,
        "正文回顾年度法治政府建设",
    ),
)
YEAR_REVIEW = BODY_RULES[2]
# Non-annual or non-report bodies even when the title passes the subject test.
BODY_NEGATIVE = re.compile(r"上半年|半年来|自查|述法|工作要点|实施方案|解读")
_LETTER_RE = re.compile(r"函$|的函")
_SECTION_NAMES = {
    "measures": "举措和成效",
    "shortcomings": "存在的不足",
    "responsibility": "第一责任人职责",
    "plan": "下一年度安排",
}

_SECTION_HINTS = re.compile(r"举措|成效|不足|存在的?问题|第一责任人|主要负责人|安排|打算|思路")


def _near_misses(norm_title: str) -> list[Rule]:
    """The negative rules that hit the title outside the publisher's name."""
    return [
        r
        for r in NEGATIVES
        if any(
            r.name == "template" or not _ORGAN_AFTER.match(norm_title, m.end())
            for m in r.pattern.finditer(norm_title)
        )
    ]


def list_rules() -> list[Rule]:
    """All rules in evaluation order (for the CLI)."""
    return [POSITIVE, *NEGATIVES, *BOOSTS, SUBJECT_TITLE, *BODY_RULES]


def classify_title(title: str, text: str = "") -> Classification:
    """Classify a page title or a link's anchor text; ``text`` (the body) only adjusts confidence."""
    if "法治" not in (title or ""):  # fast path for anchor texts (same in Traditional)
        return Classification(False, 0.0, ["no 法治政府 in title"])
    norm = normalize_title(title)
    hit = POSITIVE.pattern.search(norm)
    if not hit:
        if text:
            return classify_body(norm, text)
        return Classification(False, 0.05, ["标题无“法治政府建设…报告”"])
    reasons = [f"标题符合报告格式：{hit.group(0)}"]
    negatives = _near_misses(norm)
    if text and [r.name for r in negatives] == ["notice"] and _is_letter(norm):
        return classify_body(norm, text)  # 报送…报告的函: the letter carries the report
    if negatives:
        return Classification(False, 0.1, reasons + [f"近似非报告：{r.label}" for r in negatives])
    confidence = 0.8
    for rule in BOOSTS:
        if rule.pattern.search(norm):
            confidence += rule.weight
            reasons.append(rule.label)
    if text:
        hints = len(set(_SECTION_HINTS.findall(text[:20000])))
        if hints >= 3:
            confidence += 0.04
            reasons.append(f"正文含法定部分用语（{hints}类）")
    return Classification(True, round(min(confidence, 0.99), 2), reasons)


def may_be_report(title: str) -> bool:
    """Worth fetching to decide: a report title, or a title only the body can decide
    ("<地区>2024年度法治政府建设情况", "报送…情况的函") that is no near-miss. For crawlers' anchor texts."""
    if "法治" not in (title or ""):
        return False
    verdict = classify_title(title)
    if verdict.is_report:
        return True
    norm = normalize_title(title)
    if not SUBJECT_TITLE.pattern.search(norm):
        return False
    return not any(not (r.name == "notice" and _is_letter(norm)) for r in _near_misses(norm))


def _is_letter(norm_title: str) -> bool:
    """A 函 sending the report (not a 通知 about reporting)."""
    return bool(_LETTER_RE.search(norm_title)) and not re.search(r"通知|做好|征求意见", norm_title)


def _mandated_parts(text: str) -> list[str]:
    kinds = {s.kind for s in split_sections(text)}
    return [k for k in MANDATED if k in kinds]


def classify_body(norm_title: str, text: str) -> Classification:
    """A title without a report noun: the page is a report when its body is one (module docstring)."""
    if not SUBJECT_TITLE.pattern.search(norm_title):
        return Classification(False, 0.05, ["标题无“法治政府建设…报告”"])
    reasons = [SUBJECT_TITLE.label]
    negatives = [r for r in _near_misses(norm_title) if not (r.name == "notice" and _is_letter(norm_title))]
    if negatives:
        return Classification(False, 0.1, reasons + [f"近似非报告：{r.label}" for r in negatives])
    opening = _WS_RE.sub("", text[:600])
    if m := BODY_NEGATIVE.search(opening):
        return Classification(False, 0.1, reasons + [f"正文开头为非年度报告：{m.group(0)}"])
    evidence = [
        r for r in BODY_RULES if r.pattern.search(opening if r.name != "report_formula" else text[:3000])
    ]
    parts = _mandated_parts(text)
    reasons += [r.label for r in evidence]
    reasons.append("法定部分：" + ("、".join(_SECTION_NAMES[k] for k in parts) or "无"))
    formal = any(r.name in ("report_formula", "addressed_upward") for r in evidence)
    if len(parts) >= 3 and formal and YEAR_REVIEW.pattern.search(_WS_RE.sub("", text[:1500])):
        confidence = 0.7 + 0.05 * len(evidence) + 0.03 * (len(parts) - 3)
        return Classification(True, round(min(confidence, 0.9), 2), reasons)
    return Classification(False, 0.2 if parts else 0.1, reasons + ["正文不是完整的年度报告"])
