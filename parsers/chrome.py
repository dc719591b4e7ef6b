"""Catalog of government-portal page chrome and the line filter that removes it.

The catalog follows domain.md §3 ("Chrome to strip"). Chrome can sit outside the content
container (header/footer) *or inside it* (TRS/Hanweb templates put the print bar, the
font-size switch and the share bar in the same div as the text), so extraction always runs
this filter on its output. Rules are line-based and conservative: a line is only removed
when it is *entirely* chrome, and the tail is only cut when no body paragraph follows,
so a body paragraph is never lost.
"""

from __future__ import annotations

import re

# Strings a user checks for in the clean text (tests and the eval scorer count these).
CHROME_STRINGS: tuple[str, ...] = (
    "打印本页",
    "关闭窗口",
    "字体：大中小",
    "扫一扫在手机打开",
    "上一篇",
    "下一篇",
    "您当前所在的位置",
    "当前位置",
    "分享到",
    "累计次数",
    "浏览次数",
    "浏览量",
    "回到顶部",
    "相关附件",
    "相关链接",
    "网站地图",
    "版权所有",
    "ICP备",
    "公网安备",
    "网站标识码",
    "主办单位",
    "技术支持",
    "责任编辑",
    "发布时间",
    "|",
)

# Tokens that make up print / font / share bars. A line made only of these (plus brackets,
# colons and spaces) is chrome. Longest first so that 打印本页 wins over 打印.
_BAR_TOKENS = sorted(
    [
        "打印本页",
        "打印此页",
        "打印文章",
        "打印",
        "关闭窗口",
        "关闭本页",
        "关闭",
        "收藏本页",
        "收藏",
        "加入收藏",
        "字体",
        "字号",
        "大",
        "中",
        "小",
        "默认",
        "分享到",
        "分享",
        "返回顶部",
        "回到顶部",
        "返回首页",
        "返回页首",
        "返回",
        "顶部",
        "\\",
        "发表评论",
        "打印本文",
        "发送给朋友",
        "扫一扫在手机打开当前页面",
        "扫一扫在手机打开当前页",
        "扫一扫",
        "微信",
        "微博",
        "新浪微博",
        "腾讯微博",
        "QQ空间",
        "QQ好友",
        "朋友圈",
        "纠错",
        "我要纠错",
        "上一篇",
        "下一篇",
        "上一条",
        "下一条",
        "无",
        "没有了",
        "保存",
        "繁体",
        "简体",
        "无障碍",
        "视力保护色",
        "长者模式",
        "【",
        "】",
        "[",
        "]",
        "(",
        ")",
        "（",
        "）",
        "|",
        "｜",
        ":",
        "：",
        "/",
        "-",
        "»",
        ">",
        "●",
        "·",
        "、",
        "_",
        "：",
        "\u3000",
    ],
    key=len,
    reverse=True,
)
_BAR_RE = re.compile("|".join(re.escape(t) for t in _BAR_TOKENS))

# Breadcrumbs: 您当前所在的位置 / 当前位置 / 首页 > 政务公开 > ...
_BREADCRUMB_RE = re.compile(
    r"^\s*(?:您?(?:当前|现在)?(?:所在)?的?位置|当前位置|所在位置|您的位置|您现在的位置|当前页面)\s*[:：]"
    r"|^\s*(?:首页|网站首页|主页)\s*[>»›/＞]"
)

# Meta lines (来源 / 发布时间 / 浏览次数 ...). Removed when the line is short and carries no
# sentence: a body sentence that merely mentions 来源 keeps its 。 and its length.
_META_LABELS = (
    r"(?:文章|信息|稿件|新闻|内容)?来源|发布时间|发布日期|发表时间|更新时间|时间|日期|作者|编辑|"
    r"浏览次数|累计次数|浏览量|点击数|点击量|阅读次数|阅读量|访问量|访问次数|字体|字号|发布机构|"
    r"信息提供|发布人|供稿|撰稿|审核|签发|责任编辑|文字|摄影"
)
_META_LINE_RE = re.compile(rf"^\s*[【\[(（]?\s*(?:{_META_LABELS})\s*[:：]")
_META_ANY_RE = re.compile(
    r"(?:来源|发布时间|发布日期|更新时间|浏览次数|累计次数|浏览量|点击数|阅读次数|访问量)\s*[:：]"
)

# Footer lines; they also mark where the tail starts.
_FOOTER_RE = re.compile(
    r"版权所有|版权声明|著作权声明|禁止商业转载|未经授权.{0,8}转载|转载请注明|ICP备|ICP证|公网安备|网站标识码|网站识别码|主办单位|承办单位|主办[:：]|承办[:：]|"
    r"技术支持|网站地图|联系我们|Copyright|©|建议使用.{0,20}浏览器|分辨率|网站纠错|政府网站找错"
)
_TAIL_ANCHOR_RE = re.compile(
    r"^\s*[【\[]?\s*(?:上一篇|下一篇|上一条|下一条|扫一扫|相关附件|相关链接|相关稿件|相关解读|相关文章|"
    r"相关新闻|相关阅读|相关信息|打印本页|关闭窗口|回到顶部|返回顶部)"
)
# Pagers of multi-page articles and lists: 第1页/共3页, << 上一页 | 下一页 >>, 首页 尾页, 【1】【2】【3】.
# A line made only of these (with page numbers) is chrome; a pager word is required, so a table
# row of bare numbers stays.
_PAGER_WORD_RE = re.compile(r"上一页|下一页|首页|尾页|末页|前一页|后一页|第\s*\d+\s*页|共\s*\d+\s*页")
_PAGE_BOX_RE = re.compile(r"[【\[]\s*\d+\s*[】\]]")
_PAGER_LINE_RE = re.compile(
    r"(?:上一页|下一页|首页|尾页|末页|前一页|后一页|当前|第\s*\d+\s*页|共\s*\d+\s*(?:页|条)|\d+|[【】\[\]<>«»《》|｜/\\:：\s-]|跳转|转到|GO|go)+"
)
# Link prompts: 点击进入“…”>>, 更多>>, 点击看大图.
_PROMPT_RE = re.compile(r"^(?:点击|更多|查看|进入)\S{0,30}?(?:>>|》》|»|＞＞|>|大图|原图)$")
_EDITOR_RE = re.compile(r"[（(【\[]?\s*(?:责任编辑|责编|编辑)\s*[:：][^）)】\]\n]{0,20}[）)】\]]?\s*$")
_SENTENCE_END = "。！？；"


def is_footer_line(line: str) -> bool:
    """A site footer notice (copyright, ICP record, 主办单位 …), however long."""
    return bool(_FOOTER_RE.search(line))


def is_bar_line(line: str) -> bool:
    """Only print/font/share/pager tokens and punctuation (e.g. ``【字体：大 中 小】【打印】``)."""
    if not line.strip():
        return False
    return not _BAR_RE.sub("", line).strip()


def is_pager_line(line: str) -> bool:
    """Only pager tokens (``第1页/共1页``, ``<< 上一页 | 下一页 >>``, ``【1】【2】【3】``)."""
    s = line.strip()
    if not s or not _PAGER_LINE_RE.fullmatch(s):
        return False
    return bool(_PAGER_WORD_RE.search(s)) or len(_PAGE_BOX_RE.findall(s)) >= 2


def _is_body_like(line: str) -> bool:
    return len(line) >= 40 and any(p in line for p in _SENTENCE_END)


def is_chrome_line(line: str) -> bool:
    """True when the whole line is page chrome (never a body sentence)."""
    s = line.strip()
    if not s:
        return False
    if is_bar_line(s) or _BREADCRUMB_RE.search(s) or is_pager_line(s):
        return True
    if len(s) <= 40 and _PROMPT_RE.match(s):
        return True
    short = len(s) < 120 and not any(p in s for p in "。！？")
    if (
        len(s) < 300
        and _FOOTER_RE.search(s)
        and s.count("。") <= 1
        and re.search(r"版权|ICP|公网安备|Copyright|©", s)
    ):
        return True
    if short and (_META_LINE_RE.search(s) or _META_ANY_RE.search(s) or _FOOTER_RE.search(s)):
        return True
    if short and _TAIL_ANCHOR_RE.search(s):
        return True
    return bool(short and re.fullmatch(r"[（(【\[]?\s*(?:责任编辑|责编)\s*[:：].*", s))


def _clean_inline(line: str) -> str:
    """Remove chrome fragments glued to body lines: table pipes, 【打印本页】, trailing 责任编辑."""
    line = re.sub(r"\s*[|｜]\s*", " ", line)  # table pipes from text renderers / seeds
    line = re.sub(
        r"[【\[]\s*(?:打印本页|打印此页|打印|关闭窗口|关闭|收藏|字体[:：]?\s*(?:大\s*中\s*小)?|"
        r"字号[:：]?\s*(?:大\s*中\s*小)?)\s*[】\]]",
        "",
        line,
    )
    line = _EDITOR_RE.sub("", line) if len(line) > 20 else line
    return line.strip()


def _tail_start(lines: list[str]) -> int:
    """Index where the footer starts: the first tail anchor after which no body paragraph follows."""
    for i, line in enumerate(lines):
        s = line.strip()
        is_anchor = bool(_TAIL_ANCHOR_RE.search(s) or _FOOTER_RE.search(s)) and len(s) < 120
        if is_anchor and not any(_is_body_like(x) for x in lines[i + 1 :]):
            return i
    return len(lines)


def strip_chrome(text: str) -> str:
    """Remove chrome lines and fragments; keep every body paragraph. Idempotent."""
    lines = [_clean_inline(x) for x in text.split("\n")]
    lines = [x for x in lines if x]
    lines = lines[: _tail_start(lines)]
    return "\n".join(x for x in lines if not is_chrome_line(x))
