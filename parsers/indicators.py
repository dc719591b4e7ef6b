"""Numeric indicators read from report sentences (domain.md §5).

A registry of :class:`IndicatorDef` (canonical key, Chinese label, units, phrasings) drives
a single pass over the numbers of each sentence:

1. find ``<qualifier><number><magnitude><余/多><unit>`` (Arabic or Chinese numerals);
2. skip non-metrics: slogans ("1+7+N", "133", 12348, 7×24), years, dates, 〔2020〕131号,
   numbers without a unit (unless the definition is a ratio), targets (力争/确保… and every
   number in the plan section);
3. the *local label* is the text between the previous clause separator and the number
   (domain notes: 0–25 characters clipped at ，、；。); the *topic* is the nearest topic word
   (复议/诉讼/调解/…) earlier in the sentence, because "办结106件" only says what it counts
   when read with "行政复议" a clause earlier;
4. the first definition whose phrasing matches the label, whose unit fits and whose topic (if
   it needs one) is the nearest topic wins;
5. 同比增长34% / 提升3.36个百分点 become ``change`` of the indicator just before it, never a value.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from parsers.numbers import MAGNITUDES, parse_arabic, parse_cn_number, plain_decimal
from parsers.types import Indicator, Section


@dataclass(frozen=True)
class IndicatorDef:
    """One indicator: ``phrasing`` must match the local label; ``topic`` (if set) must be the
    nearest topic word; ``exclude`` vetoes the label."""

    key: str
    label: str
    units: tuple[str, ...]
    phrasing: str
    topic: str | None = None
    exclude: str | None = None
    after: str | None = None  # phrasing *after* the number ("102名工作人员通过…资格考试")
    exclude_after: str | None = None  # vetoes what the number counts ("5件潜在风险案件")

    def matches(
        self, label: str, unit: str, topic: str | None, following: str = "", clause: str = ""
    ) -> bool:
        """``label``: the words right before the number; ``clause``: the whole clause before it, across
        、-lists ("推荐申报6个省级…、1个国家级…" — the verb of the list applies to every item)."""
        if unit not in self.units:
            return False
        named_before = bool(re.search(self.phrasing, label))
        named_after = bool(self.after and re.match(self.after, following))
        if not (named_before or named_after):
            return False
        if self.exclude and re.search(self.exclude, clause or label):
            return False
        if self.exclude_after and re.match(self.exclude_after, following):
            return False
        return self.topic is None or topic == self.topic


_CASES = ("件", "起")
_PEOPLE = ("人", "名", "人次")
_EVENTS = ("场", "场次", "次", "期", "堂")

# Ordered: specific before generic (rates before counts, 复议 before 诉讼 before 调解).
REGISTRY: tuple[IndicatorDef, ...] = (
    IndicatorDef("reconsideration_correction_rate", "行政复议纠错率", ("%",), r"纠错率"),
    IndicatorDef("litigation_loss_rate", "行政诉讼败诉率", ("%",), r"败诉率"),
    IndicatorDef("head_appearance_rate", "行政机关负责人出庭应诉率", ("%",), r"出庭(应诉)?率"),
    IndicatorDef("head_appearances", "行政机关负责人出庭应诉次数", ("次", "人次", "件"), r"出庭"),
    IndicatorDef("post_reconsideration_win_rate", "复议后应诉胜诉率", ("%",), r"胜诉率"),
    IndicatorDef(
        "reconsideration_mediation_rate", "行政复议调解和解率", ("%",), r"调解率|和解率|化解率|占比", "复议"
    ),
    IndicatorDef("mediation_success_rate", "人民调解成功率", ("%",), r"成功率", "调解"),
    IndicatorDef("law_exam_pass_rate", "学法考试合格率", ("%",), r"合格率|及格率|通过率|参考率"),
    IndicatorDef("certified_enforcer_rate", "执法人员持证率", ("%",), r"持证"),
    IndicatorDef("public_lawyer_rate", "公职律师配备率", ("%",), r"公职律师.{0,6}(配备|覆盖)率"),
    IndicatorDef("legality_review_coverage", "合法性审查覆盖率", ("%",), r"审查覆盖率|审核覆盖率"),
    IndicatorDef("services_onsite_rate", "政务服务事项进驻率", ("%",), r"进驻率"),
    IndicatorDef("notary_one_visit_rate", "公证最多跑一次率", ("%",), r"跑一次"),
    IndicatorDef("lawyers_per_10k", "律师万人比", ("",), r"律师万人比|万人律师"),
    IndicatorDef("litigation_incidence_per_10k", "万人行政诉讼发案率", ("",), r"万人.*发案率"),
    IndicatorDef("reconsideration_litigation_ratio", "复议与诉讼案件比", ("",), r"比值"),
    IndicatorDef("reconsideration_corrected", "行政复议纠错数", _CASES, r"纠错", None, r"率"),
    IndicatorDef("reconsideration_mediated", "行政复议调解和解数", _CASES, r"调解|和解", "复议", r"率"),
    IndicatorDef("reconsideration_closed", "行政复议办结数", _CASES, r"办结|审结|结案|审理", "复议"),
    IndicatorDef(
        "reconsideration_received",
        "行政复议新收案件数",
        _CASES,
        r"新收|收到|受理|收案|新增|接收|共收|复议案件|申请",
        "复议",
        r"办结|审结|结案|咨询",
    ),
    IndicatorDef("reconsideration_consultations", "行政复议咨询人次", ("人次", "次", "件"), r"咨询", "复议"),
    IndicatorDef("litigation_lost", "行政诉讼败诉数", _CASES, r"败诉", None, r"率|风险|化解"),
    IndicatorDef("litigation_closed", "行政诉讼结案数", _CASES, r"办结|审结|结案|判决", "诉讼"),
    IndicatorDef(
        "litigation_new",
        "行政诉讼新收案件数",
        _CASES,
        r"新收|新增|受理|收案|发生|涉诉|应诉|诉讼案件",
        "诉讼",
        r"化解|风险|败诉",
    ),
    IndicatorDef(
        "legality_reviews", "合法性审查数", ("件", "份", "条"), r"合法性审[查核]|法制审[查核]|审核意见"
    ),
    IndicatorDef(
        "normative_docs_reviewed",
        "规范性文件备案审查数",
        ("件",),
        r"备案审查.*规范性文件|规范性文件.*(备案|审查|审核)|备案.*文件",
    ),
    IndicatorDef("doc_cleanups", "文件清理次数", ("次", "轮"), r"清理"),
    IndicatorDef("docs_amended_repealed", "修改和废止文件数", ("件",), r"修改|废止"),
    IndicatorDef("local_regulations", "出台地方性法规数", ("件", "部"), r"地方性法规"),
    IndicatorDef("government_rules", "出台政府规章数", ("件", "部"), r"规章", None, r"目录|清理"),
    IndicatorDef(
        "major_decisions", "重大行政决策事项数", ("项", "件"), r"重大行政决策", after=r"重大行政决策"
    ),
    IndicatorDef("public_lawyers", "公职律师人数", ("名", "人"), r"公职律师"),
    IndicatorDef("legal_advisers", "法律顾问数", ("家", "名", "人", "个"), r"法律顾问"),
    IndicatorDef("new_lawyers", "新增律师人数", ("人", "名"), r"新增律师|律师人数"),
    IndicatorDef(
        "mediation_success",
        "人民调解成功数",
        ("件", "起"),
        r"调解成功|成功调解|调处成功|成功化解",
        exclude_after=r"[^，；,;]{0,6}(潜在|风险|隐患)",
    ),
    IndicatorDef(
        "mediation_cases",
        "人民调解案件数",
        ("件", "起", "宗"),
        r"调解.{0,6}(纠纷|案件|矛盾)|共调解|调处|排查化解|化解.{0,4}纠纷",
        None,
        r"成功",
    ),
    IndicatorDef("mediation_amount", "调解涉及金额", ("元",), r"金额|涉案", "调解"),
    IndicatorDef("mediators", "专职人民调解员数", ("名", "人"), r"调解员"),
    IndicatorDef(
        "mediation_committees",
        "人民调解委员会数",
        ("家", "个"),
        r"调解委员会|调委会",
        after=r"[^，；,;]{0,12}调解委员会",
    ),
    IndicatorDef("judicial_confirmations", "司法确认数", ("件",), r"司法确认"),
    IndicatorDef("legal_aid_cases", "法律援助案件数", ("件",), r"法律援助|法援", None, r"涉及|其中"),
    IndicatorDef("legal_consultations", "法律咨询人次", ("人次", "次", "件"), r"咨询|解答"),
    IndicatorDef("notarizations", "公证办理件数", ("件",), r"公证"),
    IndicatorDef(
        "community_corrections",
        "社区矫正对象人数",
        ("名", "人"),
        r"社区矫正|矫正对象",
        after=r"社区矫正|矫正对象",
    ),
    IndicatorDef("resettlement_subjects", "安置帮教对象人数", ("名", "人"), r"安置帮教", after=r"安置帮教"),
    # People and sessions are different indicators: "培训班6期参训650人" is 6 sessions and 650 people.
    IndicatorDef("enforcer_training", "执法人员培训人次", _PEOPLE, r"培训|参训|轮训", "执法", r"考试"),
    IndicatorDef(
        "enforcer_training_sessions", "执法人员培训期数", ("期", "场", "次"), r"培训|轮训", "执法", r"考试"
    ),
    IndicatorDef(
        "enforcement_exam_passed",
        "通过执法资格考试人数",
        ("名", "人"),
        r"资格考试|执法证",
        after=r"[^，；]{0,10}通过[^，；]{0,10}(资格考试|执法证)",
    ),
    IndicatorDef(
        "law_exam_participants",
        "学法考试参考人数",
        ("名", "人", "人次"),
        r"参加.{0,8}考试|参考人",
        after=r"[^，；,;]{0,10}参加[^，；,;]{0,24}考试",
    ),
    IndicatorDef("collective_study_sessions", "集体学法次数", ("次", "场", "期"), r"学法|中心组.{0,6}学习"),
    IndicatorDef("first_duty_reports", "述法人数", ("名", "人"), r"述法", after=r"[^，；]{0,12}述法"),
    IndicatorDef(
        "enforcement_cases",
        "行政处罚案件数",
        ("件", "宗", "起"),
        r"行政处罚|处罚案件|执法.{0,8}案件|清单.{0,3}案件",
    ),
    IndicatorDef("penalty_relief_amount", "减免处罚金额", ("元",), r"减免处罚|免罚"),
    IndicatorDef("fines_amount", "罚没金额", ("元",), r"罚没|罚款"),
    IndicatorDef("case_file_reviews", "行政执法案卷评查数", ("卷", "件", "宗"), r"评查|案卷"),
    IndicatorDef(
        "publicity_events",
        "普法活动场次",
        _EVENTS,
        r"讲座|宣传|普法|活动|宣讲|法治课|培训班",
        None,
        r"学法|宣传栏|标语|展板",
    ),
    IndicatorDef(
        "publicity_materials",
        "普法宣传资料份数",
        ("份", "册", "本", "件"),
        r"资料|手册|宣传品|读本",
        after=r"[^，；,;]{0,12}(资料|手册|读本|宣传品)",
    ),
    IndicatorDef("publicity_audience", "普法受众人次", ("人次", "人"), r"惠及|受益|覆盖|参与|受众|群众"),
    IndicatorDef(
        "rule_of_law_villages",
        "民主法治示范村数",
        ("个",),
        r"民主法治",
        None,
        r"推荐|申报|拟",
        after=r"[^，；,;]{0,8}民主法治",
    ),
    IndicatorDef("legal_literates", "法律明白人数", ("名", "人"), r"法律明白人"),
    IndicatorDef("open_gov_items", "主动公开政府信息条数", ("条", "件"), r"主动公开"),
    IndicatorDef("disclosure_requests", "依申请公开件数", ("件",), r"申请公开|依申请"),
    IndicatorDef("services_onsite", "政务服务进驻事项数", ("项",), r"进驻"),
    IndicatorDef(
        "petition_cases_resolved", "信访化解案件数", ("件",), r"信访|化解重点", None, r"排定|排查|梳理|交办"
    ),
    IndicatorDef("forensic_institutions", "司法鉴定机构数", ("家",), r"鉴定机构"),
)

# Topic words, longest first; the nearest one before a number is the sentence topic.
_TOPICS: tuple[tuple[str, str], ...] = (
    ("行政复议", "复议"),
    ("复议", "复议"),
    ("行政诉讼", "诉讼"),
    ("行政应诉", "诉讼"),
    ("应诉", "诉讼"),
    ("诉讼", "诉讼"),
    ("人民调解", "调解"),
    ("调解", "调解"),
    ("调处", "调解"),
    ("矛盾纠纷", "调解"),
    ("法律援助", "法律援助"),
    ("公证", "公证"),
    ("普法", "普法"),
    ("宣传", "普法"),
    ("执法", "执法"),
    ("学法", "学法"),
    ("考试", "学法"),
    ("公开", "公开"),
)
_TOPIC_RE = re.compile("|".join(re.escape(w) for w, _ in _TOPICS))
_TOPIC_OF = dict(_TOPICS)
_SUBJECT_RE = re.compile(r"行政复议|行政诉讼|行政应诉|人民调解|法律援助")

_UNITS = (
    "个百分点|百分点|%|％|万元|亿元|元|人次|人|名|场次|场|次|期|堂|件|宗|起|案|份|条|项|个|家|卷|册|本|部|轮"
)
_CN_NUMERAL = "一二两三四五六七八九十百千"
# Linear on hostile input: the Chinese-numeral branch starts only at the start of a numeral run
# (lookbehind) and never gives characters back (possessive), so 50,000 × 一 is one scan, not n².
_NUM_RE = re.compile(
    r"(?P<q>近|约|超过|超|逾|达到|达|共|累计|为|是)?"
    rf"(?P<n>\d[\d,]*+(?:\.\d+)?|(?<![{_CN_NUMERAL}])[{_CN_NUMERAL}]++(?=[万亿]?[余多]))"
    r"(?P<m>万|亿)?(?P<a>余|多)?"
    rf"(?P<u>{_UNITS})?(?P<after>以上|左右|多)?"
)
_CHANGE_RE = re.compile(
    r"(?:同比|较上年|比上年|较去年|比去年|环比|较20\d\d年)[^，。；]{0,6}?"
    r"(增长|上升|提升|提高|增加|下降|减少|降低|压缩|缩短|增幅|降幅)了?(?:为|达)?$"
)
_TARGET_RE = re.compile(r"力争|争取|预计|目标[是为]|确保[^，。；]{0,12}(?:达到|不低于)|不低于")
# Quotes are not separators: labels quote brand names ("“法律明白人”9970名").
_CLAUSE_SEP = "，,、；;：:。（(）)\n"
_STRONG_SEP = "，,；;：:。\n"  # clause ends (not 、 or brackets, which sit inside one clause)
_SENT_RE = re.compile(r"[^。；！？;!?\n]+[。；！？;!?]?")
_SCOPE_RE = re.compile(r"全省|全市|全县|全区|全镇|全乡|全街道|市本级|县本级|区本级|本级|本部门|本单位|全系统")
_PERIOD_RE = re.compile(
    r"第[一二三四1-4]季度|[一二三四]季度|上半年|下半年|今年以来|全年|截至[^，,。；;]{1,12}|截止[^，,。；;]{1,12}|"
    r"\d{1,2}\s*[-—至]\s*\d{1,2}月"
)
_YEAR_RE = re.compile(r"((?:19|20)\d\d)年")
_NEGATIVE_CHANGE = ("下降", "减少", "降低", "压缩", "缩短", "降幅")

#: At most this many mentions are read from one page (a page of 12,000 "纠错率1%" is not 12,000 facts).
MAX_MENTIONS = 400
#: Characters of provenance kept around a number (the sentence may be a whole page long).
WINDOW = 120


def _label_before(sentence: str, start: int, seps: str = _CLAUSE_SEP, width: int = 25) -> str:
    """Text between the previous clause separator and the number (≤25 characters)."""
    prefix = sentence[max(0, start - width) : start]
    cut = max(prefix.rfind(ch) for ch in seps)
    return prefix[cut + 1 :]


def _clause_after(sentence: str, end: int) -> str:
    """Text after the number up to the next clause separator (≤25 characters)."""
    rest = sentence[end : end + 40]
    cut = min((i for i in (rest.find(ch) for ch in "，,；;。") if i >= 0), default=len(rest))
    return rest[:cut]


def _window(sentence: str, start: int, end: int, width: int = WINDOW) -> str:
    """At most ``width`` characters of the sentence centred on the number."""
    side = max(0, (width - (end - start)) // 2)
    left = max(0, start - side)
    right = min(len(sentence), end + side + max(0, side - (start - left)))
    left = max(0, min(left, right - width))
    return sentence[left:right].strip()


class _Hits:
    """Matches of one pattern over a sentence, found once; "the nearest before offset i" by bisection.

    Rescanning the sentence prefix for every number made a 24,000-character sentence quadratic.
    """

    def __init__(self, rx: re.Pattern[str], sentence: str) -> None:
        self.rx, self.sentence = rx, sentence
        self.matches = list(rx.finditer(sentence))
        self.starts = [m.start() for m in self.matches]

    def before(self, offset: int, skip: Callable[[int], bool] | None = None) -> str:
        """The last match that ends by ``offset`` (a match running past it is cut there and re-matched,
        as if only the prefix had been searched); ``skip(start)`` passes over a match."""
        i = bisect_left(self.starts, offset) - 1
        for _ in range(3):  # bounded: a nearer match is the only one that matters
            if i < 0:
                return ""
            m = self.matches[i]
            i -= 1
            if skip is not None and skip(m.start()):
                continue
            if m.end() <= offset:
                return m.group(0)
            cut = self.rx.match(self.sentence[m.start() : offset])
            if cut:
                return cut.group(0)
        return ""


@dataclass
class _Sentence:
    """One sentence with what every number in it needs, computed once."""

    text: str
    lead_topic: str | None
    first_topic: re.Match[str] | None
    scopes: _Hits
    periods: _Hits

    @classmethod
    def of(cls, text: str, lead: str) -> _Sentence:
        lead_hit = _TOPIC_RE.search(lead)
        return cls(
            text,
            _TOPIC_OF[lead_hit.group(0)] if lead_hit else None,
            _TOPIC_RE.search(text),
            _Hits(_SCOPE_RE, text),
            _Hits(_PERIOD_RE, text),
        )

    def topic(self, start: int, label: str) -> str | None:
        """The sentence topic: its first topic word before the label, else the lead's, else the label's.

        Reports open a sentence with the subject ("贯彻落实新修订的行政复议法，…新收案件1516件，
        经调解结案182件") and then list counts whose labels repeat only the verb.
        """
        subject = _SUBJECT_RE.search(label)
        if subject:  # the label names its own subject: "新增行政诉讼案件24件"
            return _TOPIC_OF[subject.group(0)]
        first = self.first_topic
        if first is not None and first.end() <= start - len(label):
            return _TOPIC_OF[first.group(0)]
        if self.lead_topic:
            return self.lead_topic
        hit = _TOPIC_RE.search(label)
        return _TOPIC_OF[hit.group(0)] if hit else None

    def in_component_clause(self, pos: int) -> bool:
        """``pos`` lies in a 其中 clause: its scope word ("其中市本级45件") names the part, not the whole."""
        return _label_before(self.text, pos, _STRONG_SEP, 40).startswith("其中")

    def scope(self, start: int) -> str:
        """The nearest scope word before the number, passing over those of an earlier 其中 clause."""
        own = _label_before(self.text, start, _STRONG_SEP, 40)
        clause_start = start - len(own)
        return self.scopes.before(start, lambda s: s < clause_start and self.in_component_clause(s))


def _is_slogan(sentence: str, m: re.Match[str]) -> bool:
    """1+7+N, “133”, 12348 热线, 7×24, 〔2020〕131号, years and dates."""
    before, after = sentence[max(0, m.start("n") - 1) : m.start("n")], sentence[m.end() : m.end() + 2]
    if before in ("+", "×", "*", "〔", "[", "“", '"', "‘", "-", "—", "／", "/") or after[:1] in (
        "+",
        "×",
        "*",
        "〕",
        "”",
        '"',
        "’",
        "号",
    ):
        return True
    n = m.group("n")
    if not m.group("u") and re.fullmatch(r"1234[58]|12315|110|120|119", n):  # "120件" is a count
        return True
    return bool(re.fullmatch(r"(19|20)\d{2}", n) and not m.group("u"))


def _number(raw: str, magnitude: str | None) -> Decimal | None:
    value = parse_arabic(raw) if raw[0].isdigit() else parse_cn_number(raw)
    if value is None:
        return None
    return value * MAGNITUDES[magnitude] if magnitude else value


def _canonical(value: Decimal) -> Decimal:
    """3.7万 → Decimal('37000'), not Decimal('37000.0'); never an exponent form."""
    return Decimal(plain_decimal(value))


def _value(m: re.Match[str]) -> Decimal | None:
    return _number(m.group("n"), m.group("m"))


def _unit(raw: str | None) -> str:
    unit = (raw or "").replace("％", "%")
    if unit in ("万元", "亿元"):  # money is normalized to 元 with the magnitude multiplied out
        return "元"
    return "个百分点" if unit == "百分点" else unit


_MONEY_FACTOR = {"万元": Decimal(10_000), "亿元": Decimal(100_000_000)}


def _change(label: str, m: re.Match[str], unit: str) -> dict[str, object] | None:
    cm = _CHANGE_RE.search(label)
    if not cm:
        return None
    value = _value(m)
    if value is None:
        return None
    sign = -1 if cm.group(1) in _NEGATIVE_CHANGE else 1
    kind = {"%": "pct", "个百分点": "pp"}.get(unit, "abs")
    return {"kind": kind, "value": sign * value, "unit": unit, "text": cm.group(0) + m.group(0)}


def _plan_ranges(sections: list[Section]) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in sections if s.kind == "plan"]


def _inside(offset: int, ranges: list[tuple[int, int]]) -> bool:
    return any(a <= offset < b for a, b in ranges)


def _earlier_year(clause: str, year: int | None) -> bool:
    """The clause speaks of an earlier year ("2022年全县受理…980件" in the 2023 report)."""
    if year is None:
        return False
    years = _YEAR_RE.findall(clause)
    return bool(years) and int(years[-1]) < year


def _definition(label: str, unit: str, topic: str | None, following: str, clause: str) -> IndicatorDef | None:
    # A phrase right after the number names it more precisely ("261名社区矫正和1495名安置帮教对象").
    for d in REGISTRY:
        if d.after and d.matches("", unit, topic, following, clause):
            return d
    return next((d for d in REGISTRY if d.matches(label, unit, topic, following, clause)), None)


def _sentence_indicators(sentence: str, lead: str = "", year: int | None = None) -> list[Indicator]:
    """Indicators of one sentence; ``lead`` is the sentence it continues (after a ；), whose subject
    still applies ("行政复议新收…；经调解和解结案96件" counts 复议 cases)."""
    ctx = _Sentence.of(sentence, lead)
    found: list[Indicator] = []
    for m in _NUM_RE.finditer(sentence):
        if len(found) >= MAX_MENTIONS:
            break
        unit = _unit(m.group("u"))
        label = _label_before(sentence, m.start())
        if _is_slogan(sentence, m):
            continue
        change = _change(label + (m.group("q") or ""), m, unit)
        if change is not None:
            if found and found[-1].change is None:
                found[-1].change = change
            continue
        value = _value(m)
        if value is None or (not m.group("u") and not re.search(r"比|发案率", label)):
            continue
        clause = _label_before(sentence, m.start(), _STRONG_SEP, 40)
        if _earlier_year(clause, year):
            continue  # the previous year's figure, quoted for comparison: not this report's
        following = _clause_after(sentence, m.end())
        definition = _definition(label, unit, ctx.topic(m.start(), label), following, clause)
        component = "其中" in clause or label.startswith("含")
        if definition is None and "其中" in clause and found and found[-1].unit == unit:
            definition = next(d for d in REGISTRY if d.key == found[-1].key)  # "…120件，其中…45件"
        if definition is None:
            continue
        found.append(_mention(definition, m, value, unit, sentence, ctx, component))
    return found


def _mention(
    definition: IndicatorDef,
    m: re.Match[str],
    value: Decimal,
    unit: str,
    sentence: str,
    ctx: _Sentence,
    component: bool,
) -> Indicator:
    approx = bool(
        m.group("a")
        or m.group("after") in ("以上", "左右", "多")
        or m.group("q") in ("近", "约", "超过", "超", "逾")
    )
    return Indicator(
        key=definition.key,
        value=_canonical(value * _MONEY_FACTOR.get(m.group("u") or "", Decimal(1))),
        unit=unit,
        text=_window(sentence, m.start(), m.end()),
        label=definition.label,
        approx=approx,
        scope=ctx.scope(m.start()),
        period=ctx.periods.before(m.start()),
        role="component" if component else "",
    )


# ---------------------------------------------------------------- statistics tables

# A table row is one line (parsers/htmltext.py); cell spaces between Chinese words may be gone
# ("指标 2023年 2022年同比", "项目上年本年"), so columns are read as tokens, not split on spaces.
_COLUMN_RE = re.compile(
    r"(?P<year>(?:19|20)\d\d年度?)|(?P<this>本年度|本年|今年|当年)|(?P<last>上年同期|上年度|上年|去年|同期)"
    r"|(?P<other>同比|环比|增减|增幅|增长率|增长|变化|比上年|单位)"
)
_CELL_RE = re.compile(r"-?(?P<n>\d[\d,]*+(?:\.\d+)?)(?P<m>万|亿)?(?P<u>" + _UNITS + r")?")
_LABEL_UNIT_RE = re.compile(r"[（(](?:单位[:：])?(?P<u>" + _UNITS + r")[)）]\s*$")


def _table_columns(line: str, year: int | None) -> list[int | None] | None:
    """The year of each value column of a header row (None for 同比 and the like), or None if the line
    is no header: a short line of ≥ 2 year columns and little else ("指标", "项目")."""
    if len(line) > 60:
        return None
    tokens = list(_COLUMN_RE.finditer(line))
    rest = _COLUMN_RE.sub("", line)
    if len(re.sub(r"\s", "", rest)) > 10 or re.search(r"\d", rest):
        return None
    columns: list[int | None] = []
    for t in tokens:
        if t.group("year"):
            columns.append(int(t.group("year")[:4]))
        elif year is not None and (t.group("this") or t.group("last")):
            columns.append(year if t.group("this") else year - 1)
        else:
            columns.append(None)
    return columns if sum(c is not None for c in columns) >= 2 else None


def _report_column(columns: list[int | None], year: int | None) -> int | None:
    """This report's column: its year's; without a known year, the latest year's."""
    years = [c for c in columns if c is not None]
    want = year if year is not None else max(years)
    return next((i for i, c in enumerate(columns) if c == want), None)


def _table_row(line: str, ncols: int) -> tuple[str, list[re.Match[str]]] | None:
    """(label, value cells) of a data row: a label without digits, then exactly ``ncols`` cells."""
    first = re.search(r"-?\d", line)
    if first is None or len(line) > 120:
        return None
    label, rest = line[: first.start()].strip(), line[first.start() :]
    cells = list(_CELL_RE.finditer(rest))
    if not label or len(cells) != ncols or re.sub(r"\s", "", _CELL_RE.sub("", rest)):
        return None
    return label, cells


def _row_indicator(label: str, cell: re.Match[str]) -> Indicator | None:
    label_unit = _LABEL_UNIT_RE.search(label)
    raw_unit = cell.group("u") or (label_unit.group("u") if label_unit else "")
    name = label[: label_unit.start()] if label_unit else label
    unit = _unit(raw_unit)
    value = _number(cell.group("n"), cell.group("m"))
    hit = _SUBJECT_RE.search(name) or _TOPIC_RE.search(name)
    definition = _definition(name, unit, _TOPIC_OF[hit.group(0)] if hit else None, "", name)
    if value is None or definition is None or not raw_unit or cell.group(0).startswith("-"):
        return None
    return Indicator(
        key=definition.key,
        value=_canonical(value * _MONEY_FACTOR.get(raw_unit, Decimal(1))),
        unit=unit,
        text=f"{label} {cell.group(0)}"[:WINDOW],
        label=definition.label,
    )


def _table_indicators(lines: list[str], year: int | None) -> tuple[list[Indicator], set[int]]:
    """Indicators of statistics tables (this report's column only) and the line numbers they used."""
    found: list[Indicator] = []
    used: set[int] = set()
    i = 0
    while i < len(lines):
        columns = _table_columns(lines[i], year)
        i += 1
        if columns is None:
            continue
        col = _report_column(columns, year)
        used.add(i - 1)
        while i < len(lines) and (row := _table_row(lines[i], len(columns))) is not None:
            used.add(i)
            ind = _row_indicator(row[0], row[1][col]) if col is not None else None
            if ind is not None:
                found.append(ind)
            i += 1
    return found, used


# ---------------------------------------------------------------- a page


def extract_indicators(
    text: str, sections: list[Section] | None = None, year: int | None = None
) -> list[Indicator]:
    """Every mention of an indicator in a report text, in order of appearance, with one headline per
    key marked (:func:`mark_headlines`). Plan-section targets are skipped; in statistics tables only
    the column of ``year`` (the report's year) is read; at most :data:`MAX_MENTIONS`."""
    lines = (text or "").split("\n")
    offsets = [0]
    for line in lines[:-1]:
        offsets.append(offsets[-1] + len(line) + 1)
    plans = _plan_ranges(sections or [])
    table, used = _table_indicators(
        ["" if _inside(o, plans) else x for x, o in zip(lines, offsets, strict=True)], year
    )
    out: list[Indicator] = []
    lead = ""
    for n, line in enumerate(lines):
        if n in used or len(out) >= MAX_MENTIONS:
            continue
        for sm in _SENT_RE.finditer(line):
            if len(out) >= MAX_MENTIONS:
                break
            sentence = sm.group(0)
            if not (_inside(offsets[n] + sm.start(), plans) or _TARGET_RE.search(sentence)):
                out.extend(_sentence_indicators(sentence, lead, year))
            lead = sentence if sentence.endswith(("；", ";")) else ""
    return mark_headlines((out + table)[:MAX_MENTIONS])


# ---------------------------------------------------------------- headline values


# Units that count the same thing: one rank for headline selection (60次, 29场次, 143场 disagree).
_SAME_UNIT = {"场次": "场", "次": "场", "堂": "场", "起": "件", "宗": "件", "案": "件"}


def _unit_rank(key: str) -> dict[str, int]:
    """The key's units in registry order (its first unit is the headline unit); same-kind units share a rank."""
    definition = next((d for d in REGISTRY if d.key == key), None)
    if definition is None:
        return {}
    firsts: dict[str, int] = {}
    for n, unit in enumerate(definition.units):
        firsts.setdefault(_SAME_UNIT.get(unit, unit), n)
    return {u: firsts[_SAME_UNIT.get(u, u)] for u in definition.units}


_PARTIAL_SCOPE = ("市本级", "县本级", "区本级", "本级")
_PARTIAL_PERIOD_RE = re.compile(r"季度|上半年|下半年|\d{1,2}\s*[-—至]\s*\d{1,2}月")
_WHOLE_SCOPE_RE = re.compile(r"全[省市县区镇乡]|全街道|本部门|本单位|全系统")


def _headline_of(mentions: list[Indicator]) -> tuple[Indicator | None, bool]:
    """The report's figure for one key and whether the pick was ambiguous (docs/intelligence.md):

    1. never a component (其中…, 含…);
    2. whole jurisdiction before a part (市本级/县本级…), full year before a quarter or half-year
       (when only parts exist, the best part is taken and flagged);
    3. the key's first unit before its others (合法性审查 件 before 份 before 条);
    4. an explicit 全县/全市… before an unstated scope;
    5. rates and ratios: the first mention; counts and amounts: the largest (a total is not smaller
       than its parts).

    Ambiguous when the mentions left after step 3 disagree (step 4 picks, it does not settle), or
    when only parts were left at step 2.
    """
    pool = [i for i in mentions if i.role != "component"]
    if not pool:
        return None, False
    whole = [i for i in pool if i.scope not in _PARTIAL_SCOPE]
    full = [i for i in (whole or pool) if not _PARTIAL_PERIOD_RE.search(i.period)]
    flagged = not whole or not full
    pool = full or whole or pool
    rank = _unit_rank(pool[0].key)
    best = min(rank.get(i.unit, len(rank)) for i in pool)
    pool = [i for i in pool if rank.get(i.unit, len(rank)) == best]
    flagged = flagged or len({i.value for i in pool}) > 1
    pool = [i for i in pool if _WHOLE_SCOPE_RE.fullmatch(i.scope)] or pool
    pick = pool[0] if pool[0].unit in ("%", "") else max(pool, key=lambda i: i.value)
    return pick, flagged


def mark_headlines(indicators: list[Indicator]) -> list[Indicator]:
    """Mark one headline per key (``headline``, and ``ambiguous`` when the pick was uncertain); the
    other mentions stay as mentions. Idempotent; returns the same list."""
    by_key: dict[str, list[Indicator]] = {}
    for ind in indicators:
        ind.headline = ind.ambiguous = False
        by_key.setdefault(ind.key, []).append(ind)
    for mentions in by_key.values():
        pick, ambiguous = _headline_of(mentions)
        if pick is not None:
            pick.headline, pick.ambiguous = True, ambiguous
    return indicators


def list_indicators() -> list[IndicatorDef]:
    """The registry, for the CLI and the docs."""
    return list(REGISTRY)


# ---------------------------------------------------------------- notable changes (year over year)


@dataclass(frozen=True)
class ChangeRule:
    """When a change of one indicator is worth an alert.

    Rates (unit ``%``) compare in percentage points: ``|new - old| >= points``. Counts and
    amounts need both a relative and an absolute change (``|Δ| >= ratio * |old|`` and
    ``|Δ| >= absolute``), so 3 → 5 件 (+67%, +2) stays quiet and 1516 → 1600 件 (+5.5%) too.
    """

    points: float = 5.0
    ratio: float = 0.30
    absolute: float = 10.0

    def is_notable(self, old: Decimal | float, new: Decimal | float, unit: str) -> bool:
        old_d, new_d = _exact(old), _exact(new)
        delta = abs(new_d - old_d)
        if unit == "%":
            return delta >= _exact(self.points)
        return delta >= _exact(self.absolute) and delta >= _exact(self.ratio) * abs(old_d)


def _exact(value: Decimal | float) -> Decimal:
    """Stored values are Decimals; thresholds and old callers give floats (by their shortest repr)."""
    return (
        value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
    )


DEFAULT_CHANGE_RULE = ChangeRule()

#: Per-key overrides of :data:`DEFAULT_CHANGE_RULE` (sites may override again with
#: ``options.indicator_thresholds: {key: {points|ratio|absolute: …}}``).
CHANGE_RULES: dict[str, ChangeRule] = {
    # Near 100% every year: a drop of 2 points is already news for supervisors.
    "head_appearance_rate": ChangeRule(points=2.0),
    "legality_review_coverage": ChangeRule(points=2.0),
    "law_exam_pass_rate": ChangeRule(points=2.0),
    # Small counts: a few cases more or less is noise, a doubling is not.
    "litigation_lost": ChangeRule(ratio=0.5, absolute=3.0),
    "reconsideration_corrected": ChangeRule(ratio=0.3, absolute=5.0),
    # Money and audience figures swing a lot from campaign to campaign.
    "fines_amount": ChangeRule(ratio=0.5, absolute=100_000.0),
    "mediation_amount": ChangeRule(ratio=0.5, absolute=100_000.0),
    "publicity_audience": ChangeRule(ratio=0.5, absolute=1000.0),
}


def change_rule(key: str, overrides: dict[str, dict[str, float]] | None = None) -> ChangeRule:
    """The rule for ``key``: site override > :data:`CHANGE_RULES` > the default."""
    base = CHANGE_RULES.get(key, DEFAULT_CHANGE_RULE)
    extra = (overrides or {}).get(key)
    if not extra:
        return base
    fields: dict[str, float] = {f: float(extra[f]) for f in ("points", "ratio", "absolute") if f in extra}
    return ChangeRule(**{**base.__dict__, **fields})


def label_of(key: str) -> str:
    return next((d.label for d in REGISTRY if d.key == key), key)
