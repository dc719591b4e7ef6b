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
from dataclasses import dataclass

from parsers.numbers import MAGNITUDES, parse_arabic, parse_cn_number
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

    def matches(self, label: str, unit: str, topic: str | None, following: str = "", clause: str = "") -> bool:
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
    IndicatorDef("reconsideration_mediation_rate", "行政复议调解和解率", ("%",), r"调解率|和解率|化解率|占比", "复议"),
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
        "reconsideration_received", "行政复议新收案件数", _CASES,
        r"新收|收到|受理|收案|新增|接收|共收|复议案件|申请", "复议", r"办结|审结|结案|咨询",
    ),
    IndicatorDef("reconsideration_consultations", "行政复议咨询人次", ("人次", "次", "件"), r"咨询", "复议"),
    IndicatorDef("litigation_lost", "行政诉讼败诉数", _CASES, r"败诉", None, r"率|风险|化解"),
    IndicatorDef("litigation_closed", "行政诉讼结案数", _CASES, r"办结|审结|结案|判决", "诉讼"),
    IndicatorDef("litigation_new", "行政诉讼新收案件数", _CASES, r"新收|新增|受理|收案|发生|涉诉|应诉|诉讼案件", "诉讼", r"化解|风险|败诉"),
    IndicatorDef("legality_reviews", "合法性审查数", ("件", "份", "条"), r"合法性审[查核]|法制审[查核]|审核意见"),
    IndicatorDef(
        "normative_docs_reviewed", "规范性文件备案审查数", ("件",),
        r"备案审查.*规范性文件|规范性文件.*(备案|审查|审核)|备案.*文件",
    ),
    IndicatorDef("doc_cleanups", "文件清理次数", ("次", "轮"), r"清理"),
    IndicatorDef("docs_amended_repealed", "修改和废止文件数", ("件",), r"修改|废止"),
    IndicatorDef("local_regulations", "出台地方性法规数", ("件", "部"), r"地方性法规"),
    IndicatorDef("government_rules", "出台政府规章数", ("件", "部"), r"规章", None, r"目录|清理"),
    IndicatorDef("major_decisions", "重大行政决策事项数", ("项", "件"), r"重大行政决策", after=r"重大行政决策"),
    IndicatorDef("public_lawyers", "公职律师人数", ("名", "人"), r"公职律师"),
    IndicatorDef("legal_advisers", "法律顾问数", ("家", "名", "人", "个"), r"法律顾问"),
    IndicatorDef("new_lawyers", "新增律师人数", ("人", "名"), r"新增律师|律师人数"),
    IndicatorDef(
        "mediation_success", "人民调解成功数", ("件", "起"), r"调解成功|成功调解|调处成功|成功化解",
        exclude_after=r"[^，；,;]{0,6}(潜在|风险|隐患)",
    ),
    IndicatorDef(
        "mediation_cases", "人民调解案件数", ("件", "起", "宗"),
        r"调解.{0,6}(纠纷|案件|矛盾)|共调解|调处|排查化解|化解.{0,4}纠纷", None, r"成功",
    ),
    IndicatorDef("mediation_amount", "调解涉及金额", ("元",), r"金额|涉案", "调解"),
    IndicatorDef("mediators", "专职人民调解员数", ("名", "人"), r"调解员"),
    IndicatorDef(
        "mediation_committees", "人民调解委员会数", ("家", "个"), r"调解委员会|调委会",
        after=r"[^，；,;]{0,12}调解委员会",
    ),
    IndicatorDef("judicial_confirmations", "司法确认数", ("件",), r"司法确认"),
    IndicatorDef("legal_aid_cases", "法律援助案件数", ("件",), r"法律援助|法援", None, r"涉及|其中"),
    IndicatorDef("legal_consultations", "法律咨询人次", ("人次", "次", "件"), r"咨询|解答"),
    IndicatorDef("notarizations", "公证办理件数", ("件",), r"公证"),
    IndicatorDef(
        "community_corrections", "社区矫正对象人数", ("名", "人"), r"社区矫正|矫正对象", after=r"社区矫正|矫正对象"
    ),
    IndicatorDef("resettlement_subjects", "安置帮教对象人数", ("名", "人"), r"安置帮教", after=r"安置帮教"),
    IndicatorDef("enforcer_training", "执法人员培训人次", _PEOPLE + _EVENTS, r"培训|参训|轮训", "执法", r"考试"),
    IndicatorDef(
        "enforcement_exam_passed", "通过执法资格考试人数", ("名", "人"), r"资格考试|执法证",
        after=r"[^，；]{0,10}通过[^，；]{0,10}(资格考试|执法证)",
    ),
    IndicatorDef(
        "law_exam_participants", "学法考试参考人数", ("名", "人", "人次"), r"参加.{0,8}考试|参考人",
        after=r"[^，；,;]{0,10}参加[^，；,;]{0,24}考试",
    ),
    IndicatorDef("collective_study_sessions", "集体学法次数", ("次", "场", "期"), r"学法|中心组.{0,6}学习"),
    IndicatorDef("first_duty_reports", "述法人数", ("名", "人"), r"述法", after=r"[^，；]{0,12}述法"),
    IndicatorDef("enforcement_cases", "行政处罚案件数", ("件", "宗", "起"), r"行政处罚|处罚案件|执法.{0,8}案件|清单.{0,3}案件"),
    IndicatorDef("penalty_relief_amount", "减免处罚金额", ("元",), r"减免处罚|免罚"),
    IndicatorDef("fines_amount", "罚没金额", ("元",), r"罚没|罚款"),
    IndicatorDef("case_file_reviews", "行政执法案卷评查数", ("卷", "件", "宗"), r"评查|案卷"),
    IndicatorDef(
        "publicity_events", "普法活动场次", _EVENTS,
        r"讲座|宣传|普法|活动|宣讲|法治课|培训班", None, r"学法|宣传栏|标语|展板",
    ),
    IndicatorDef(
        "publicity_materials", "普法宣传资料份数", ("份", "册", "本", "件"), r"资料|手册|宣传品|读本",
        after=r"[^，；,;]{0,12}(资料|手册|读本|宣传品)",
    ),
    IndicatorDef("publicity_audience", "普法受众人次", ("人次", "人"), r"惠及|受益|覆盖|参与|受众|群众"),
    IndicatorDef(
        "rule_of_law_villages", "民主法治示范村数", ("个",), r"民主法治", None, r"推荐|申报|拟",
        after=r"[^，；,;]{0,8}民主法治",
    ),
    IndicatorDef("legal_literates", "法律明白人数", ("名", "人"), r"法律明白人"),
    IndicatorDef("open_gov_items", "主动公开政府信息条数", ("条", "件"), r"主动公开"),
    IndicatorDef("disclosure_requests", "依申请公开件数", ("件",), r"申请公开|依申请"),
    IndicatorDef("services_onsite", "政务服务进驻事项数", ("项",), r"进驻"),
    IndicatorDef("petition_cases_resolved", "信访化解案件数", ("件",), r"信访|化解重点", None, r"排定|排查|梳理|交办"),
    IndicatorDef("forensic_institutions", "司法鉴定机构数", ("家",), r"鉴定机构"),
)

# Topic words, longest first; the nearest one before a number is the sentence topic.
_TOPICS: tuple[tuple[str, str], ...] = (
    ("行政复议", "复议"), ("复议", "复议"), ("行政诉讼", "诉讼"), ("行政应诉", "诉讼"), ("应诉", "诉讼"), ("诉讼", "诉讼"),
    ("人民调解", "调解"), ("调解", "调解"), ("调处", "调解"), ("矛盾纠纷", "调解"),
    ("法律援助", "法律援助"), ("公证", "公证"), ("普法", "普法"), ("宣传", "普法"), ("执法", "执法"),
    ("学法", "学法"), ("考试", "学法"), ("公开", "公开"),
)
_TOPIC_RE = re.compile("|".join(re.escape(w) for w, _ in _TOPICS))
_TOPIC_OF = dict(_TOPICS)
_SUBJECT_RE = re.compile(r"行政复议|行政诉讼|行政应诉|人民调解|法律援助")

_UNITS = (
    "个百分点|百分点|%|％|万元|亿元|元|人次|人|名|场次|场|次|期|堂|件|宗|起|案|份|条|项|个|家|卷|册|本|部|轮"
)
_NUM_RE = re.compile(
    r"(?P<q>近|约|超过|超|逾|达到|达|共|累计|为|是)?"
    r"(?P<n>\d[\d,]*(?:\.\d+)?|[一二两三四五六七八九十百千]+(?=[万亿]?[余多]))"
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
_NEGATIVE_CHANGE = ("下降", "减少", "降低", "压缩", "缩短", "降幅")


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


def _topic_before(sentence: str, start: int, label: str, lead: str = "") -> str | None:
    """The sentence topic: its first topic word before the label, else the label's own.

    Reports open a sentence with the subject ("贯彻落实新修订的行政复议法，…新收案件1516件，
    经调解结案182件") and then list counts whose labels repeat only the verb.
    """
    subject = _SUBJECT_RE.search(label)
    if subject:  # the label names its own subject: "新增行政诉讼案件24件"
        return _TOPIC_OF[subject.group(0)]
    head = sentence[: max(0, start - len(label))]
    hit = _TOPIC_RE.search(head) or _TOPIC_RE.search(lead) or _TOPIC_RE.search(label)
    return _TOPIC_OF[hit.group(0)] if hit else None


def _is_slogan(sentence: str, m: re.Match[str]) -> bool:
    """1+7+N, “133”, 12348 热线, 7×24, 〔2020〕131号, years and dates."""
    before, after = sentence[max(0, m.start("n") - 1) : m.start("n")], sentence[m.end() : m.end() + 2]
    if before in ("+", "×", "*", "〔", "[", "“", "\"", "‘", "-", "—", "／", "/") or after[:1] in ("+", "×", "*", "〕", "”", "\"", "’", "号"):
        return True
    n = m.group("n")
    if re.fullmatch(r"1234[58]|12315|110|120|119", n):
        return True
    return bool(re.fullmatch(r"(19|20)\d{2}", n) and not m.group("u"))


def _value(m: re.Match[str]) -> float | None:
    raw = m.group("n")
    value = parse_arabic(raw) if raw[0].isdigit() else parse_cn_number(raw)
    if value is None:
        return None
    if m.group("m"):
        value *= MAGNITUDES[m.group("m")]
    return value


def _unit(m: re.Match[str]) -> str:
    unit = (m.group("u") or "").replace("％", "%")
    if unit in ("万元", "亿元"):  # money is normalized to 元 with the magnitude multiplied out
        return "元"
    return "个百分点" if unit == "百分点" else unit


def _money_factor(m: re.Match[str]) -> float:
    return {"万元": 10_000.0, "亿元": 100_000_000.0}.get(m.group("u") or "", 1.0)


def _change(label: str, m: re.Match[str], unit: str) -> dict[str, object] | None:
    cm = _CHANGE_RE.search(label)
    if not cm:
        return None
    value = _value(m)
    if value is None:
        return None
    sign = -1.0 if cm.group(1) in _NEGATIVE_CHANGE else 1.0
    kind = {"%": "pct", "个百分点": "pp"}.get(unit, "abs")
    return {"kind": kind, "value": sign * value, "unit": unit, "text": cm.group(0) + m.group(0)}


def _in_plan(offset: int, sections: list[Section]) -> bool:
    return any(s.kind == "plan" and s.start <= offset < s.end for s in sections)


def _sentence_indicators(sentence: str, lead: str = "") -> list[Indicator]:
    """Indicators of one sentence; ``lead`` is the sentence it continues (after a ；), whose subject
    still applies ("行政复议新收…；经调解和解结案96件" counts 复议 cases)."""
    found: list[Indicator] = []
    for m in _NUM_RE.finditer(sentence):
        unit = _unit(m)
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
        topic = _topic_before(sentence, m.start(), label, lead)
        following = _clause_after(sentence, m.end())
        clause = _label_before(sentence, m.start(), _STRONG_SEP, 40)
        # A phrase right after the number names it more precisely ("261名社区矫正和1495名安置帮教对象").
        definition = next((d for d in REGISTRY if d.after and d.matches("", unit, topic, following, clause)), None)
        definition = definition or next(
            (d for d in REGISTRY if d.matches(label, unit, topic, following, clause)), None
        )
        if definition is None:
            continue
        approx = bool(m.group("a") or m.group("after") in ("以上", "左右", "多") or m.group("q") in ("近", "约", "超过", "超", "逾"))
        found.append(
            Indicator(
                key=definition.key, value=round(value * _money_factor(m), 4), unit=unit, text=sentence.strip(),
                label=definition.label, approx=approx, scope=_nearest(_SCOPE_RE, sentence[: m.start()]),
                period=_nearest(_PERIOD_RE, sentence[: m.start()]),
            )
        )
    return found


def _nearest(rx: re.Pattern[str], text: str) -> str:
    hits = rx.findall(text)
    return hits[-1] if hits else ""


def extract_indicators(text: str, sections: list[Section] | None = None) -> list[Indicator]:
    """All indicators of a report text in order of appearance (plan-section targets skipped)."""
    out: list[Indicator] = []
    lead = ""
    for sm in _SENT_RE.finditer(text or ""):
        sentence = sm.group(0)
        if not (_in_plan(sm.start(), sections or []) or _TARGET_RE.search(sentence)):
            out.extend(_sentence_indicators(sentence, lead))
        lead = sentence if sentence.endswith(("；", ";")) else ""
    return out


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

    def is_notable(self, old: float, new: float, unit: str) -> bool:
        delta = abs(new - old)
        if unit == "%":
            return delta >= self.points
        return delta >= self.absolute and delta >= self.ratio * abs(old)


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
    fields = {f: float(extra[f]) for f in ("points", "ratio", "absolute") if f in extra}
    return ChangeRule(**{**base.__dict__, **fields})


def label_of(key: str) -> str:
    return next((d.label for d in REGISTRY if d.key == key), key)
