"""List idioms: each turns a channel's items into list pages (and article URLs in its platform's shape).

Written from the domain notes (section 3, "CMS platforms" and "More list idioms to expect"), each in
several variants chosen at random per channel. Every renderer first places the channel's articles
(``b.place_articles``) and then writes its list pages.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from tests.portals.generated.channels import Channel, query_key
from tests.portals.generated.model import Item
from tests.portals.generated.pages import esc
from tests.portals.generated.texts import DEPARTMENTS

if TYPE_CHECKING:
    from tests.portals.generated.compose import Builder

HTML_STYLES = ["trs", "post", "uuid", "shtml"]

_TRS_JS = """<script>
function createPageHTML(a, b, c, d, e) {
  var pages = a, cur = b, name = c, ext = d;
  if (typeof e !== "undefined") { pages = b; cur = c; name = d; ext = e; }
  if (pages <= 1) { return; }
  function url(i) { return i == 0 ? name + "." + ext : name + "_" + i + "." + ext; }
  var out = "<span>共" + pages + "页</span> ";
  if (cur > 0) { out += "<a href='" + url(0) + "'>首页</a> <a href='" + url(cur - 1) + "'>上一页</a> "; }
  if (cur < pages - 1) { out += "<a href='" + url(cur + 1) + "'>下一页</a> <a href='" + url(pages - 1) + "'>尾页</a>"; }
  document.write(out);
}
var createPage = createPageHTML;
</script>"""


def _trs(b: Builder, chan: Channel, counted: bool) -> None:
    ext = b.rng.choice(["html", "html", "shtml"])
    b.place_articles(chan, "trs")
    chunks = chan.chunks()
    n = len(chunks)
    call = b.rng.randrange(3) if not counted else 0
    chan.variant = f"{'countpage' if counted else ['pages', 'records', 'createPage'][call]}/{ext}"
    for i, items in enumerate(chunks):
        if counted:
            script = (
                f"<script>var countPage = {n};//共多少页\nvar currentPage = {i};//当前页\n"
                f'createPageHTML(countPage, currentPage, "index", "{ext}");</script>'
            )
        elif call == 0:
            script = f'<script>createPageHTML({n}, {i}, "index", "{ext}");</script>'
        elif call == 1:
            script = f'<script>createPageHTML({len(chan.items)}, {n}, {i}, "index", "{ext}");</script>'
        else:
            script = f'<script>createPage({n}, {i}, "index","{ext}");</script>'
        path = chan.dir + ("index." + ext if i == 0 else f"index_{i}.{ext}")
        b.write(path, b.list_page(chan, items, f'<div class="page">{script}</div>', _TRS_JS))
    chan.entry = chan.dir + "index." + ext


def trs_createpage(b: Builder, chan: Channel) -> None:
    _trs(b, chan, counted=False)


def trs_countpage(b: Builder, chan: Channel) -> None:
    _trs(b, chan, counted=True)


def _numbered(urls: list[str], i: int, variant: str) -> str:
    """下一页/尾页 pager: ``full`` numbers every page, ``nextlast`` 下一页+尾页, ``next`` 下一页 only."""
    n = len(urls)
    parts = []
    if variant == "full":
        parts += [
            f'<a href="{esc(u)}">{k + 1}</a>' if k != i else f"<b>{k + 1}</b>" for k, u in enumerate(urls)
        ]
    if i > 0:
        parts.insert(0, f'<a href="{esc(urls[i - 1])}">上一页</a>')
    if i < n - 1:
        parts.append(f'<a href="{esc(urls[i + 1])}">下一页</a>')
        if variant != "next":
            parts.append(f'<a href="{esc(urls[-1])}">尾页</a>')
    return f'<div class="pagination">{" ".join(parts)} <span>共{n}页</span></div>'


def _paged(b: Builder, chan: Channel, keys: list[str], hrefs: list[str], pager: str) -> None:
    for i, items in enumerate(chan.chunks()):
        b.write(keys[i], b.list_page(chan, items, _numbered(hrefs, i, pager)))
    chan.entry = hrefs[0]


def nextpage(b: Builder, chan: Channel) -> None:
    """``?page=N`` with 下一页/尾页 links."""
    b.place_articles(chan, b.rng.choice(HTML_STYLES))
    base = chan.dir + b.rng.choice(["index.html", "list.html", ""])
    pager = b.rng.choice(["full", "nextlast", "next"])
    param = b.rng.choice(["page", "p", "pageIndex"])
    chan.variant = f"{pager}/{param}"
    n = len(chan.chunks())
    keys = [base if i == 0 else query_key(base, {param: i + 1}) for i in range(n)]
    _paged(b, chan, keys, keys, pager)


def pageno(b: Builder, chan: Channel) -> None:
    """``list.do?channelId=C&pageNo=N``: the first page already carries a query."""
    b.place_articles(chan, b.rng.choice(HTML_STYLES))
    base = chan.dir + b.rng.choice(["list.do", "list.jsp", "column.html"])
    cid = b.unique(1, 1000)
    sized = b.rng.random() < 0.5
    chan.variant = "pageSize" if sized else "pageNo"
    n = len(chan.chunks())

    def key(i: int) -> str:
        params: dict[str, object] = {"channelId": cid, "pageNo": i + 1}
        if sized:
            params["pageSize"] = chan.page_size
        return query_key(base, params)

    first = query_key(base, {"channelId": cid})
    keys = [first] + [key(i) for i in range(1, n)]
    _paged(b, chan, keys, keys, b.rng.choice(["full", "nextlast"]))


def path_n(b: Builder, chan: Channel) -> None:
    """``tzgg.html``, ``tzgg_2.html``, …"""
    b.place_articles(chan, b.rng.choice(HTML_STYLES))
    ext = b.rng.choice(["html", "shtml"])
    chan.variant = ext
    n = len(chan.chunks())
    keys = [
        f"{chan.dir}{chan.token}.{ext}" if i == 0 else f"{chan.dir}{chan.token}_{i + 1}.{ext}"
        for i in range(n)
    ]
    _paged(b, chan, keys, keys, b.rng.choice(["full", "nextlast", "next"]))


def list_n(b: Builder, chan: Channel) -> None:
    """``list_1.html``…``list_N.html``; ``index.html`` repeats page 1 under another URL in one variant."""
    b.place_articles(chan, b.rng.choice(HTML_STYLES))
    n = len(chan.chunks())
    keys = [f"{chan.dir}list_{i + 1}.html" for i in range(n)]
    twin = b.rng.random() < 0.5
    chan.variant = "index_twin" if twin else "plain"
    _paged(b, chan, keys, keys, b.rng.choice(["full", "nextlast"]))
    if twin:
        b.write(chan.dir + "index.html", b.list_page(chan, chan.chunks()[0], _numbered(keys, 0, "full")))
        chan.entry = chan.dir + "index.html"


def n_html(b: Builder, chan: Channel) -> None:
    """``/tzgg/1.html``, ``/tzgg/2.html``, …"""
    b.place_articles(chan, b.rng.choice(["post", "uuid"]))
    n = len(chan.chunks())
    keys = [f"{chan.dir}{i + 1}.html" for i in range(n)]
    chan.variant = b.rng.choice(["full", "nextlast"])
    _paged(b, chan, keys, keys, chan.variant)


def vsb(b: Builder, chan: Channel) -> None:
    """VSB 博达: ``xxx.htm`` is the newest page, ``xxx/N.htm`` older ones numbered downwards (1 = oldest);
    article links ``info/COL/ID.htm`` relative to the page; titles split by <br>."""
    col = b.unique(1000, 10000)
    parent = chan.dir.rstrip("/").rsplit("/", 1)[0] + "/"
    for item in chan.items:  # one column lists many departments' documents
        if item.kind == "news" and b.rng.random() < 0.5:
            item.title = f"【{b.rng.choice(DEPARTMENTS)}】{item.title}"
    b.place_articles(chan, "vsb", vsb=(parent, col))
    chunks = chan.chunks()
    n = len(chunks)
    split = b.rng.random() < 0.6
    chan.variant = "br" if split else "plain"
    entry = parent + chan.token + ".htm"
    for i, items in enumerate(chunks):
        number = n - i  # the entry page is number n; the oldest is 1
        path = entry if i == 0 else f"{parent}{chan.token}/{number}.htm"
        prefix = "" if i == 0 else "../"
        rows = "".join(_vsb_row(item, parent, prefix, split) for item in items)
        pager = [f"<span>共{len(chan.items)}条&nbsp;&nbsp;{i + 1}/{n}</span>"]
        if i > 0:
            newer = f"../{chan.token}.htm" if i == 1 else f"{number + 1}.htm"
            pager.append(f'<a href="../{chan.token}.htm">首页</a> <a href="{newer}">上页</a>')
        if i < n - 1:
            older = number - 1
            href = f"{chan.token}/{older}.htm" if i == 0 else f"{older}.htm"
            last = f"{chan.token}/1.htm" if i == 0 else "1.htm"
            pager.append(f'<a href="{href}" class="Next">下页</a> <a href="{last}">尾页</a>')
        b.write(
            path,
            b.list_page(
                chan,
                [],
                f'<ul class="vsb-list">{rows}</ul><div class="pb_sys_common">' + " ".join(pager) + "</div>",
                raw_rows=True,
            ),
        )
    chan.entry = entry


def _vsb_row(item: Item, parent: str, prefix: str, split: bool) -> str:
    href = prefix + item.href[len(parent) :] if item.href.startswith(parent) else item.href
    title = esc(item.title)
    if split and len(item.title) > 14:
        cut = len(item.title) // 2
        title = esc(item.title[:cut]) + "<br>" + esc(item.title[cut:])
    return f'<li><a href="{esc(href)}" target="_blank">{title}</a><span>{item.date}</span></li>'


def select_jump(b: Builder, chan: Channel) -> None:
    """Pages reachable only through ``<select onchange=…>`` options."""
    b.place_articles(chan, b.rng.choice(HTML_STYLES))
    n = len(chan.chunks())
    keys = [chan.dir + ("index.html" if i == 0 else f"index_{i}.html") for i in range(n)]
    by_value = b.rng.random() < 0.5
    chan.variant = "url_values" if by_value else "goPage"
    for i, items in enumerate(chan.chunks()):
        if by_value:
            options = "".join(
                f'<option value="{keys[k].rsplit("/", 1)[1]}"{" selected" if k == i else ""}>第{k + 1}页</option>'
                for k in range(n)
            )
            pager = f'<select onchange="window.location.href=this.value">{options}</select>'
        else:
            options = "".join(
                f'<option value="{k + 1}"{" selected" if k == i else ""}>{k + 1}</option>' for k in range(n)
            )
            pager = (
                "<script>function goPage(n){n=parseInt(n,10);window.location.href=(n<=1?'index.html':"
                f"'index_'+(n-1)+'.html');}}</script>转到<select onchange=\"goPage(this.value)\">{options}</select>页"
            )
        b.write(keys[i], b.list_page(chan, items, f'<div class="page">共{n}页 {pager}</div>'))
    chan.entry = keys[0]


def page_text(b: Builder, chan: Channel) -> None:
    """``第N页/共M页`` text with a 下一页 link, or with a JavaScript turnPage(n) only."""
    b.place_articles(chan, b.rng.choice(HTML_STYLES))
    n = len(chan.chunks())
    linked = b.rng.random() < 0.5
    chan.variant = "link" if linked else "turnPage"
    base = chan.dir + "index.html"
    keys = [base if i == 0 else query_key(base, {"page": i + 1}) for i in range(n)]
    for i, items in enumerate(chan.chunks()):
        text = f"第{i + 1}页/共{n}页"
        if linked:
            nxt = f' <a href="{esc(keys[i + 1])}">下一页</a>' if i < n - 1 else ""
            pager = text + nxt
        else:
            pager = (
                "<script>function turnPage(n){window.location.href='index.html'+(n>1?'?page='+n:'');}</script>"
                f'{text} <a href="javascript:turnPage({min(i + 2, n)})">下一页</a> '
                f'<a href="javascript:turnPage({n})">末页</a>'
            )
        b.write(keys[i], b.list_page(chan, items, f'<div class="page">{pager}</div>'))
    chan.entry = base


def index_nolink(b: Builder, chan: Channel) -> None:
    """``index_N.html`` exists but no page links it: the count is only in a script that builds the pager."""
    b.place_articles(chan, b.rng.choice(HTML_STYLES))
    n = len(chan.chunks())
    kind = b.rng.randrange(3)
    chan.variant = ["pageCount", "totalPage", "Pager"][kind]
    for i, items in enumerate(chan.chunks()):
        config = [
            f"var pageCount = {n}; var pageIndex = {i};",
            f"var totalPage={n},curPage={i + 1};var pageCount=totalPage,pageIndex=curPage-1;",
            (
                f'var cfg = {{"total": {n}, "current": {i}, "prefix": "index", "ext": "html"}};'
                "var pageCount=cfg.total,pageIndex=cfg.current;"
            ),
        ][kind]
        script = (
            '<div id="pager"></div><script>'
            + config
            + "(function(){var h='';for(var k=0;k<pageCount;k++){var u=k==0?'index.html':'index_'+k+'.html';"
            "h+=k==pageIndex?'<b>'+(k+1)+'</b> ':'<a href=\"'+u+'\">'+(k+1)+'</a> ';}"
            "document.getElementById('pager').innerHTML=h;})();</script>"
        )
        path = chan.dir + ("index.html" if i == 0 else f"index_{i}.html")
        b.write(path, b.list_page(chan, items, script))
    chan.entry = chan.dir + "index.html"


def hanweb(b: Builder, chan: Channel) -> None:
    """Hanweb JCMS column: first group inline in <script type="text/xml">, later groups only via dataproxy.jsp."""
    col = b.unique(3000, 10000)
    b.place_articles(chan, "hanweb", col=col)
    per_page = b.rng.choice([15, 15, 20])
    group = b.rng.choice([1, 3])  # pages per dataproxy group
    post_only = b.rng.random() < 0.35
    chan.variant = f"{'post' if post_only else 'get'}/{'object' if b.rng.random() < 0.5 else 'vars'}/g{group}"
    unitid, webid = b.new_id(), 1 + b.new_id() % 90
    records = [
        f'<li><a href="{esc(i.href)}" title="{esc(i.title)}" target="_blank">{esc(i.title)}</a>'
        f"<span>{i.date}</span></li>"
        for i in chan.items
    ]
    inline = records[: per_page * group]
    nextgroup = (
        f'<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid={webid}&path=/&columnid={col}'
        f'&unitid={unitid}&webname={esc(b.chrome.site_name)}&permissiontype=0"></a>'
    )
    xml = (
        '<script type="text/xml"><datastore><nextgroup><![CDATA['
        + nextgroup
        + "]]></nextgroup><recordset>"
        + "".join(f"<record><![CDATA[{r}]]></record>" for r in inline)
        + "</recordset></datastore></script>"
    )
    params = {
        "col": 1,
        "appid": 1,
        "webid": webid,
        "path": "/",
        "columnid": col,
        "sourceContentType": 1,
        "unitid": unitid,
        "webname": b.chrome.site_name,
        "permissiontype": 0,
    }
    ajax = "post" if post_only else "get"
    if chan.variant.split("/")[1] == "object":
        config = (
            f"$('#{unitid}').jpage({{totalRecord: {len(records)}, perPage: {per_page}, groupSize: {group}, "
            f"proxyUrl: '/module/web/jpage/dataproxy.jsp', ajaxType: '{ajax}', dataBefore: '<ul>', "
            f"dataAfter: '</ul>', urlParams: {json.dumps(params, ensure_ascii=False)}}});"
        )
    else:
        config = (
            f"var totalRecord = {len(records)}; var perPage = {per_page}; var columnid = {col};"
            f" var unitid = {unitid}; var webid = {webid}; var ajaxType = '{ajax}';"
        )
    body = (
        f'<div id="{unitid}">{xml}</div><script src="/module/jslib/jquery/jpage/jquery.page.min.js"></script>'
        f"<script>{config}</script>"
    )
    path = f"/col/col{col}/index.html"
    b.write(path, b.list_page(chan, [], body, raw_rows=True))
    b.jpage_column(col, records, post_only)
    chan.entry = path


def gkmlpt(b: Builder, chan: Channel) -> None:
    """Guangdong 政府信息公开目录: /gkmlpt/index with window._CONFIG, rows only from the JSON API."""
    b.place_articles(chan, "gkmlpt")
    cat = 100 + b.new_id() % 900
    sid = f"GK{b.new_id()}"
    size = b.rng.choice([10, 20, 100])
    chan.variant = f"size{size}"
    articles = [
        {
            "id": int(i.href.rsplit("_", 1)[1].split(".")[0]),
            "title": i.title,
            "url": i.href,
            "date": _epoch(i.date),
            "display_publish_time": _epoch(i.date),
            "identifier": f"1144{b.new_id()}/{i.date[:4]}-{b.new_id() % 100000:05d}",
            "publisher": b.agency.name,
            "document_number": "",
            "attachment": _attachments(b, i),
            "is_expired": False,
            "is_abolished": False,
        }
        for i in chan.items
    ]
    tree = [{"id": cat, "name": chan.name, "parent": 0}, {"id": cat + 1, "name": "机构职能", "parent": 0}]
    config = {"SID": sid, "TREE": tree, "SITE_NAME": b.chrome.site_name}
    script = (
        "<script>window._CONFIG = " + json.dumps(config, ensure_ascii=False) + ";</script>"
        '<div id="gkml"></div><script>(function(){var c=window._CONFIG.TREE[0].id;'
        "fetch('/gkmlpt/api/all/'+c+'?page=1&sid='+window._CONFIG.SID).then(function(r){return r.json();})"
        ".then(function(d){document.getElementById('gkml').innerHTML=d.articles.map(function(a){"
        "return '<li><a href=\"'+a.url+'\">'+a.title+'</a></li>';}).join('');});})();</script>"
    )
    b.write("/gkmlpt/index", b.list_page(chan, [], script, raw_rows=True))
    b.portal.dynamic.append(
        {
            "kind": "gkmlpt",
            "path": "/gkmlpt/api/all/*",
            "sid": sid,
            "category": str(cat),
            "page_size": size,
            "articles": articles,
        }
    )
    chan.entry = "/gkmlpt/index"


def _attachments(b: Builder, item: Item) -> list[dict[str, object]]:
    if not item.file:
        return []
    mime = {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
    return [
        {
            "name": f"{item.title}.{item.attachment}",
            "mime": mime[item.attachment],
            "size": len(b.portal.pages[item.file].body),
            "url": item.file,
        }
    ]


def _epoch(date: str) -> int:
    """10:00 Beijing time on ``date`` as epoch seconds (gkmlpt dates are integers)."""
    y, m, d = (int(x) for x in date.split("-"))
    return calendar.timegm((y, m, d, 2, 0, 0))


def dedecms(b: Builder, chan: Channel) -> None:
    """DedeCMS ``/plus/list.php?tid=N`` then ``&TotalResult=T&PageNo=N``; articles ``/a/<dir>/YYYYMMDD/ID.html``."""
    b.place_articles(chan, "dede")
    tid = b.unique(1, 200)
    total = len(chan.items)
    n = len(chan.chunks())
    keys = [query_key("/plus/list.php", {"tid": tid})] + [
        query_key("/plus/list.php", {"tid": tid, "TotalResult": total, "PageNo": i + 1}) for i in range(1, n)
    ]
    hrefs = [f"/plus/list.php?tid={tid}"] + [
        f"/plus/list.php?tid={tid}&TotalResult={total}&PageNo={i + 1}" for i in range(1, n)
    ]
    chan.variant = "plain"
    for i, items in enumerate(chan.chunks()):
        pager = _numbered(hrefs, i, "full").replace(
            "</div>",
            f' <span class="pageinfo">共 <strong>{n}</strong>页<strong>{total}</strong>条记录</span></div>',
        )
        b.write(keys[i], b.list_page(chan, items, pager))
    chan.entry = hrefs[0]


def jsp_session(b: Builder, chan: Channel) -> None:
    """JSP portal: ``;jsessionid=…`` on every link until the cookie comes back."""
    b.place_articles(chan, "jsp")
    jsid = hashlib.md5(f"{b.portal.seed}{chan.dir}".encode()).hexdigest()[:24].upper()
    base = chan.dir + "list.jsp"
    n = len(chan.chunks())
    keys = [base if i == 0 else query_key(base, {"pageNo": i + 1}) for i in range(n)]
    hrefs = [f"{base};jsessionid={jsid}" + ("" if i == 0 else f"?pageNo={i + 1}") for i in range(n)]
    for item in chan.items:
        if "content.jsp?" in item.href:
            item.href = item.href.replace("content.jsp?", f"content.jsp;jsessionid={jsid}?")
    chan.variant = "jsessionid"
    for i, items in enumerate(chan.chunks()):
        b.write(keys[i], b.list_page(chan, items, _numbered(hrefs, i, "nextlast")))
    b.portal.dynamic.append({"kind": "jsessionid", "path": chan.dir, "jsid": jsid})
    chan.entry = hrefs[0]


_API_VARIANTS = [
    # (client call, URL template, page param, size param, rows path, date key)
    ("fetch", "/api/cms/channel/{cid}/articles", "page", "size", "data.records", "publishDate"),
    ("axios", "/api/content/list", "pageNo", "pageSize", "data.list", "pubDate"),
    ("ajax", "/api/article/page", "current", "size", "rows", "createTime"),
    ("get", "/api/info/{cid}/articles", "page", "size", "data", "date"),
]


def js_shell(b: Builder, chan: Channel) -> None:
    """A page with almost no text; /static/js/app.<hash>.js calls a JSON list API and renders the list."""
    by_id = b.rng.random() < 0.4
    b.place_articles(chan, "idpage" if by_id else b.rng.choice(["trs", "post"]))
    client, template, page_param, size_param, rows_path, date_key = b.rng.choice(_API_VARIANTS)
    cid = 10 + b.new_id() % 90
    api = template.replace("{cid}", str(cid))
    size = 20
    chan.variant = f"{client}/{'id' if by_id else 'url'}"
    rows = []
    for item in chan.items:
        row: dict[str, object] = {"title": item.title, date_key: item.date + " 10:00:00"}
        if by_id:
            row["id"] = int(item.href.rsplit("/", 1)[1].split(".")[0])
        else:
            row["url"] = item.href
        rows.append(row)
    detail = f"'{chan.dir}detail/' + row.id + '.html'" if by_id else "row.url"
    code = _app_js(client, api, page_param, size_param, rows_path, date_key, detail, cid, size)
    digest = hashlib.md5(code.encode()).hexdigest()[:8]
    app, vendors = f"/static/js/app.{digest}.js", f"/static/js/chunk-vendors.{digest[::-1]}.js"
    b.write(app, code, "application/javascript")
    b.write(vendors, _VENDORS_JS, "application/javascript")
    shell = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{esc(chan.name)}</title>'
        f'<link href="{app}" rel="preload" as="script"></head><body><noscript>请开启JavaScript</noscript>'
        f'<div id="app"></div><script src="{vendors}"></script><script src="{app}"></script></body></html>'
    )
    b.write(chan.dir + "index.html", shell, raw=True)
    b.portal.dynamic.append(
        {
            "kind": "json_api",
            "path": api,
            "page_param": page_param,
            "size_param": size_param,
            "rows_path": rows_path,
            "rows": rows,
        }
    )
    chan.entry = chan.dir + "index.html"


_VENDORS_JS = """/* chunk-vendors: tiny axios / jQuery stand-ins (what the bundle needs) */
(function(w){
  function qs(p){return Object.keys(p||{}).map(function(k){return encodeURIComponent(k)+'='+encodeURIComponent(p[k]);}).join('&');}
  w.axios={get:function(u,o){var q=qs((o||{}).params);return fetch(u+(q?(u.indexOf('?')<0?'?':'&')+q:''))
    .then(function(r){return r.json();}).then(function(d){return {data:d};});}};
  w.$=w.jQuery={ajax:function(o){var q=qs(o.data);fetch(o.url+(q?'?'+q:'')).then(function(r){return r.json();})
    .then(o.success);},get:function(u,d,cb){w.$.ajax({url:u,data:d,success:cb});}};
})(window);
"""


def _app_js(
    client: str,
    api: str,
    page_param: str,
    size_param: str,
    rows_path: str,
    date_key: str,
    detail: str,
    cid: int,
    size: int,
) -> str:
    pick = "d" + "".join(f"['{k}']" for k in rows_path.split("."))
    calls = {
        "fetch": f"fetch('{api}?{page_param}=' + p + '&{size_param}={size}').then(function(r){{return r.json();}})"
        f".then(function(d){{render({pick}, p);}});",
        "axios": f"axios.get('{api}', {{params: {{channelId: {cid}, {page_param}: p, {size_param}: {size}}}}})"
        f".then(function(res){{var d = res.data; render({pick}, p);}});",
        "ajax": f"$.ajax({{url: '{api}', data: {{columnId: {cid}, {page_param}: p, {size_param}: {size}}}, "
        f"success: function(d){{render({pick}, p);}}}});",
        "get": f"$.get('{api}', {{{page_param}: p, {size_param}: {size}}}, function(d){{render({pick}, p);}});",
    }
    return (
        "(function(){\n"
        "var app = document.getElementById('app');\n"
        "function render(rows, p){\n"
        "  var h = '<ul class=\"list\">';\n"
        f"  rows.forEach(function(row){{ h += '<li><a href=\"' + ({detail}) + '\">' + row.title + '</a><span>'"
        f" + String(row['{date_key}']).slice(0, 10) + '</span></li>'; }});\n"
        "  h += '</ul>';\n"
        f'  if (rows.length === {size}) {{ h += \'<a href="#" id="more">下一页</a>\'; }}\n'
        "  app.innerHTML = h;\n"
        "  var more = document.getElementById('more');\n"
        "  if (more) { more.onclick = function(e){ e.preventDefault(); load(p + 1); }; }\n"
        "}\n"
        f"function load(p){{ {calls[client]} }}\n"
        "load(1);\n"
        "})();\n"
    )


LIST_IDIOMS: dict[str, Callable[[Builder, Channel], None]] = {
    "trs_createpage": trs_createpage,
    "trs_countpage": trs_countpage,
    "nextpage": nextpage,
    "pageno": pageno,
    "path_n": path_n,
    "list_n": list_n,
    "n_html": n_html,
    "vsb": vsb,
    "select_jump": select_jump,
    "page_text": page_text,
    "index_nolink": index_nolink,
    "hanweb": hanweb,
    "gkmlpt": gkmlpt,
    "dedecms": dedecms,
    "jsp_session": jsp_session,
    "js_shell": js_shell,
}
ONCE_PER_PORTAL = {"gkmlpt", "js_shell"}  # fixed paths (/gkmlpt/, one bundle)
OWN_ROWS = {"hanweb", "gkmlpt", "js_shell", "vsb"}  # render their rows themselves (no row styles)
ABSOLUTE_LINKS = set(LIST_IDIOMS) - {
    "vsb",
    "js_shell",
    "gkmlpt",
    "jsp_session",
}  # may link through a redirect
