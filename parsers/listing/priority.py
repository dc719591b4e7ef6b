"""How promising a link is for reaching reports (``link_priority`` and the ``PRIORITY_*`` scale)."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from parsers.classify import classify_title
from parsers.listing.links import _is_attachment
from parsers.listing.types import Link
from parsers.listing.urls import _site_key

PRIORITY_REPORT = 100  # anchor text is a report title
PRIORITY_REPORT_CHANNEL = 90  # 法治政府建设年度报告 channel (fzzfjsndbg, …)
PRIORITY_FZZF_CHANNEL = 70  # 法治政府建设 / 依法行政 channels
PRIORITY_DISCLOSURE_CHANNEL = 50  # 政务公开, 信息公开, 工作报告, 部门文件, …
PRIORITY_NEWS_CHANNEL = 40  # 通知公告 / 新闻中心
PRIORITY_DETAIL = 20  # an article page whose title is not a report
PRIORITY_OTHER = 0  # any other same-site page


_SKIP_EXTENSIONS = (
    ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".svg", ".ico", ".webp", ".css", ".js",
    ".mp4", ".mp3", ".flv", ".avi", ".swf", ".exe", ".apk",
)  # fmt: skip


_REPORT_CHANNEL_WORDS = ("法治政府建设年度报告", "年度报告")
_REPORT_CHANNEL_TOKENS = ("fzzfjsndbg", "fzzfndbg", "fzzfjsqkndbg")
_FZZF_WORDS = ("法治政府建设", "法治政府", "依法行政", "法治建设")
_FZZF_TOKENS = ("fzzfjs", "fzzfgzbg", "fzzf", "yfxz")
_DISCLOSURE_WORDS = (
    "政务公开", "信息公开", "法定主动公开内容", "其他法定公开信息", "工作报告", "部门文件",
    "重点公开", "年度计划工作总结", "公开目录", "主动公开",
)  # fmt: skip
_DISCLOSURE_TOKENS = ("fdzdgknr", "qtfdgkxx", "gzbg", "xxgk", "zwgk", "zfxxgk", "bmwj", "gkml", "ndjhgzzj")
_NEWS_WORDS = ("通知公告", "新闻中心", "公示公告", "通知", "公告")
_NEWS_TOKENS = ("tzgg", "gggs", "xwzx")
_DETAIL_RES = (
    re.compile(r"/\d{6}/t\d{8}_\d+\.s?html?$"),
    re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$"),
    re.compile(r"/content/post_\d+\.html$"),
    re.compile(r"/content_\d+\.s?html?$"),
    re.compile(r"/\d{8}/\d+\.html$"),
    re.compile(
        r"/info/\d+/\d+\.s?html?$"
    ),  # VSB 博达 (domain.md §3): else /xwzx/info/… reads as a news channel
)
# An article named by its id inside a channel's folder (/tzgg/202501/52435.shtml, /info/1021/58659.htm,
# /detail/73145.html, /20230305/<md5>.html, content.jsp?id=45863): its path still carries the channel's
# token, so without this a long-titled notice would be followed as a 通知公告 channel (and every notice of
# the column fetched as a list, crowding report links out of the URL-shape quota).
_ARTICLE_ID_RE = re.compile(
    r"/(?:t?\d{8}_)?(?:\d{4,}|[0-9a-f]{16,})\.s?html?$|/(?:content|detail|article|show|view)"
    r"\.(?:jsp|php|aspx?|do|html?)$"
)
_ARTICLE_QUERY_RE = re.compile(r"(?:^|&)(?:id|articleid|contentid|docid|infoid)=\d+", re.IGNORECASE)
_CHANNEL_NAME_MAX = 14  # longer anchor text is an article title, not a channel name
_SKIP_URL_RE = re.compile(
    r"login|logout|register|passport|/print|print\.|printpage|/rss|rss\.|\.rss|feed|/sso/|"
    r"/member/|/search|jrobot|was5|/igs/|/english/|/en/|/wza|/share",
    re.IGNORECASE,
)
_SKIP_TEXT = (
    "登录", "注册", "打印", "关闭", "RSS", "rss", "订阅", "无障碍", "长者模式", "English", "繁體", "繁体",
    "网站地图", "收藏", "分享", "设为首页", "加入收藏", "微博", "微信", "返回顶部", "回到顶部",
)  # fmt: skip


def link_priority(link: Link, site: str | None = None) -> int | None:
    """How promising ``link`` is for reaching reports; None when it is not worth following.

    ``site`` is a URL (or host) of the portal; by default the page the link was found on.
    Higher is better: see the ``PRIORITY_*`` constants.
    """
    parts = urlsplit(link.url)
    if parts.scheme not in ("http", "https") or _skip(link):
        return None
    home = site if site and "//" in site else f"http://{site}/" if site else link.source
    if home and _site_key(link.url) != _site_key(home):
        return None
    path = unquote(parts.path).lower()
    is_detail = any(regex.search(path) for regex in _DETAIL_RES) or _titled_article(
        link.text, path, parts.query
    )
    is_document = is_detail or _is_attachment(link.url) or re.search(r"(19|20)\d{2}", link.text)
    if is_document and _is_report_title(link.text):
        return PRIORITY_REPORT
    if _is_attachment(link.url):
        return None
    if is_detail:
        return PRIORITY_DETAIL
    return _channel_priority(link.text.replace(" ", ""), path)


def _titled_article(text: str, path: str, query: str) -> bool:
    """A long title on a URL named by an article id: an article, whatever channel folder it sits in."""
    if len(re.sub(r"\s+", "", text)) <= _CHANNEL_NAME_MAX or not _ARTICLE_ID_RE.search(path):
        return False
    return not path.endswith((".jsp", ".php", ".asp", ".aspx", ".do")) or bool(
        _ARTICLE_QUERY_RE.search(query)
    )


def _skip(link: Link) -> bool:
    path = urlsplit(link.url).path.lower()
    if path.endswith(_SKIP_EXTENSIONS) or _SKIP_URL_RE.search(link.url.split("?")[0]):
        return True
    text = link.text.strip()
    return bool(text) and len(text) <= 8 and any(word in text for word in _SKIP_TEXT)


def _channel_priority(text: str, path: str) -> int:
    tokens = set(re.split(r"[/_.\-]", path))
    short = text if len(text) <= _CHANNEL_NAME_MAX else ""
    tiers = (
        (PRIORITY_REPORT_CHANNEL, _REPORT_CHANNEL_WORDS, _REPORT_CHANNEL_TOKENS),
        (PRIORITY_FZZF_CHANNEL, _FZZF_WORDS, _FZZF_TOKENS),
        (PRIORITY_DISCLOSURE_CHANNEL, _DISCLOSURE_WORDS, _DISCLOSURE_TOKENS),
        (PRIORITY_NEWS_CHANNEL, _NEWS_WORDS, _NEWS_TOKENS),
    )
    for priority, words, path_tokens in tiers:
        if any(word in short for word in words) or any(_has_token(tokens, t) for t in path_tokens):
            return priority
    return PRIORITY_OTHER


def _has_token(tokens: set[str], token: str) -> bool:
    return any(part == token or re.fullmatch(rf"{token}(_?\w{{0,4}}\d*)", part) for part in tokens)


def _is_report_title(text: str) -> bool:
    """The one report classifier (``parsers.classify``)."""
    return bool(text) and classify_title(text).is_report
