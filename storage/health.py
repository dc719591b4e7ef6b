"""Honest site health: besides ok/failing/blocked, a verdict on whether a crawl may have missed reports.

After every ok crawl the run's escalation record (crawler/escalation.py, kept in `CrawlRun.stats`) is
judged:

- **no_reports** (未发现报告): the crawl worked, but no report was ever found for the site;
- **suspect** (可能遗漏): fewer known reports confirmed than known (and not gone with a 404); a report-like
  channel that never led to a report; pages that are JavaScript shells; or escalation found reports the
  normal walk missed;
- **ok**: none of these.

Each verdict carries a Chinese reason. A site entering no_reports/suspect raises one `site_suspect` per
episode (like `site_blocked`); the episode ends when a crawl is fine again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.events import emit_event
from storage.models import Report, Site, utcnow

SUSPECT_VERDICTS = ("no_reports", "suspect")
VERDICT_LABELS = {"ok": "正常", "no_reports": "未发现报告", "suspect": "可能遗漏"}
# A site's state as shown to users (display_state below): its crawl state, or a working site's verdict.
STATE_LABELS = {
    "invalid": "配置无效",
    "new": "未抓取",
    "ok": "正常",
    "failing": "故障",
    "blocked": "被拦截",
    **VERDICT_LABELS,
}
TIER_LABELS = {"render": "浏览器渲染", "bfs": "全站遍历", "search": "站内搜索"}
SKIP_LABELS = {
    "no_browser": "无可用浏览器",
    "no_search_engine": "未找到站内搜索",
    "search_off_site": "站内搜索不在本站",
    "nothing_to_render": "无可渲染页面",
    "no_shells": "页面不是脚本生成，无需渲染",
    "already_rendered": "常规抓取已经渲染",
    "nothing_to_walk": "无可遍历页面",
}
BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass
class Verdict:
    verdict: str  # ok | no_reports | suspect
    reasons: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str | None:
        return "；".join(self.reasons) or None


def judge(escalation: dict[str, Any], reports_ever: int) -> Verdict:
    """The verdict for one ok crawl from its escalation record and the site's stored report count."""
    suspect = _missing_known(escalation) + _trigger_reasons(escalation) + _escalation_found(escalation)
    if suspect:
        if reports_ever == 0:
            suspect.insert(0, "本站尚未发现任何报告")
        return Verdict("suspect", suspect + _escalation_without_result(escalation))
    if reports_ever == 0:
        return Verdict(
            "no_reports",
            ["抓取成功，但本站尚未发现任何法治政府建设年度报告", *_escalation_without_result(escalation)],
        )
    return Verdict("ok")


def _missing_known(esc: dict[str, Any]) -> list[str]:
    known, confirmed, gone = (
        int(esc.get(k) or 0) for k in ("known_reports", "known_confirmed", "known_gone")
    )
    if known and confirmed + gone < known:
        return [
            f"已知报告 {known} 份，本次只确认 {confirmed} 份" + (f"（{gone} 份已不存在）" if gone else "")
        ]
    return []


def _trigger_reasons(esc: dict[str, Any]) -> list[str]:
    triggers = esc.get("triggers") or []
    reasons = []
    channels = [t["url"] for t in triggers if t.get("kind") == "silent_channel"]
    if channels:
        more = f" 等 {len(channels)} 个" if len(channels) > 2 else ""
        reasons.append(f"报告类栏目未发现报告：{'、'.join(channels[:2])}{more}")
    for t in triggers:
        if t.get("kind") == "shells":
            reasons.append(f"页面是脚本空壳（{t.get('pages')}/{t.get('of')} 个列表页），不经渲染读不到内容")
    return reasons


def _escalation_found(esc: dict[str, Any]) -> list[str]:
    tiers = [t for t in esc.get("tiers") or [] if t.get("reports")]
    if not tiers:
        return []
    names = "、".join(TIER_LABELS.get(t["tier"], t["tier"]) for t in tiers)
    reason = f"升级抓取（{names}）发现了常规抓取遗漏的 {sum(t['reports'] for t in tiers)} 份报告"
    if any(t["tier"] == "render" for t in tiers):
        reason += "，建议在站点登记表中设置 options.render: js"
    return [reason]


def _escalation_without_result(esc: dict[str, Any]) -> list[str]:
    if esc.get("ran") and not esc.get("found"):
        return [f"升级抓取未发现报告（{_tiers_text(esc.get('tiers') or [])}）"]
    if esc.get("bounded_since") and not esc.get("ran"):
        when = _beijing(esc["bounded_since"])
        return [f"升级抓取已于 {when}（北京时间）运行且未发现报告，一周内不重复"]
    return []


def _tiers_text(tiers: list[dict[str, Any]]) -> str:
    parts = []
    for t in tiers:
        label = TIER_LABELS.get(t["tier"], t["tier"])
        if t.get("skipped"):
            parts.append(f"{label}：未运行，{SKIP_LABELS.get(t['skipped'], t['skipped'])}")
        else:
            parts.append(f"{label}：{t.get('pages', 0)} 页")
    return "，".join(parts)


def _beijing(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def judge_site(session: Session, site: Site, stats: dict[str, Any]) -> Verdict:
    """Judge an ok crawl, store the verdict on the site, keep the escalation bookkeeping, and raise
    `site_suspect` once per episode."""
    escalation = stats.get("escalation") or {}
    reports_ever = session.scalar(select(func.count(Report.id)).where(Report.site_id == site.id)) or 0
    verdict = judge(escalation, int(reports_ever))
    site.verdict, site.verdict_reason = verdict.verdict, verdict.reason
    _remember_escalation(session, site, escalation)
    if verdict.verdict not in SUSPECT_VERDICTS:
        site.suspect_since = None
        return verdict
    if site.suspect_since is None:
        site.suspect_since = utcnow()
        since = site.suspect_since.isoformat()
        payload = {
            "site_id": site.id,
            "site_name": site.name,
            "region": site.region,
            "since": since,
            "verdict": verdict.verdict,
            "verdict_label": VERDICT_LABELS[verdict.verdict],
            "reason": verdict.reason,
        }
        emit_event(session, "site_suspect", site, payload, dedup_key=f"site_suspect:{site.id}:{since}")
    return verdict


def _remember_escalation(session: Session, site: Site, escalation: dict[str, Any]) -> None:
    if escalation.get("ran"):
        site.escalated_at, site.escalation_key = utcnow(), escalation.get("key")
    channels = escalation.get("report_channels") or []
    if set(channels) - set(site.report_channels or []):
        site.report_channels = sorted(set(site.report_channels or []) | set(channels))


def display_state(state: str, verdict: str | None) -> str:
    """The state shown to users: a working site's verdict when it is not plainly ok."""
    return verdict if state == "ok" and verdict in SUSPECT_VERDICTS else state
