"""Scrapy settings for fzwatch. Our own settings carry the FZWATCH_ prefix and a comment each."""

from __future__ import annotations

import os

BOT_NAME = "fzwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Identify ourselves: a government webmaster seeing us in the logs can find who we are.
USER_AGENT = "fzwatch/0.1 (+https://github.com/fzwatch/fzwatch; law-based government report monitor)"

# Politeness: obey robots.txt (also for attachments), at most 2 requests in flight per site,
# AutoThrottle adapts the delay to the server's latency.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = float(os.environ.get("FZWATCH_DOWNLOAD_DELAY", "0.5"))
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = DOWNLOAD_DELAY
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# AutoThrottle is CrawlDelayThrottle: robots.txt Crawl-delay is the floor of a host's delay (crawler/politeness.py).
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.politeness.CrawlDelayThrottle": 0,
}
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
# Hard cap for any download; pages and attachments have their own, smaller caps below.
DOWNLOAD_MAXSIZE = 40 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = True  # cookie 302-to-self shells need a cookie jar
TELNETCONSOLE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("FZWATCH_LOG_LEVEL", "INFO")

# Item log lines name the URL only: page items carry raw bodies.
LOG_FORMATTER = "crawler.logformatter.QuietItemsLogFormatter"

ITEM_PIPELINES = {"crawler.pipelines.StoragePipeline": 300}
# Response path runs high to low: cookies are stored (700) before a cookie 302-to-self is retried (650),
# which happens before Scrapy's redirect (600) would drop it as a duplicate; a redirect back into its own
# chain is cut (640); the network policy (50) sees every request first; Retry-After (560) is honoured before Scrapy's plain retries.
DOWNLOADER_MIDDLEWARES = {
    "crawler.politeness.OriginSlotMiddleware": 40,  # one downloader slot per origin (host:port)
    "crawler.netguard.NetworkPolicyMiddleware": 50,  # first on every request, every redirect hop
    # After robots (100): a disallowed request takes no slot. One shared per-host slot across processes.
    "crawler.host_politeness.HostPolitenessMiddleware": 120,
    "crawler.middlewares.CookieRedirectMiddleware": 650,
    "crawler.middlewares.RedirectLoopMiddleware": 640,
    "crawler.middlewares.RetryAfterMiddleware": 560,
}

# FZWATCH_HOST_POLITENESS=0 turns off the per-host slot shared across processes (crawler/host_politeness.py).
FZWATCH_HOST_POLITENESS = os.environ.get("FZWATCH_HOST_POLITENESS", "1") != "0"
# FZWATCH_DB: SQLAlchemy URL of the store (default: SQLite file in FZWATCH_DATA, see storage.database).
FZWATCH_DB = os.environ.get("FZWATCH_DB")
# FZWATCH_PAGE_BUDGET: most pages one crawl of one site may fetch (a site's `options.page_budget` overrides).
FZWATCH_PAGE_BUDGET = 400
# FZWATCH_MAX_DEPTH: how many list/channel hops from a start URL (a site's `options.max_depth` overrides).
FZWATCH_MAX_DEPTH = 4
# FZWATCH_EXTRA_HOPS: pages per crawl fetched beyond the plain rules (unnamed links and non-candidate articles
# of report channels), so a report one click from them is still reached (a site's `options.extra_hops` overrides).
FZWATCH_EXTRA_HOPS = 30
# FZWATCH_DECISIONS_CAP: most URLs whose crawl decision (fetched/skipped, why) is kept for `fzwatch explain`.
FZWATCH_DECISIONS_CAP = 5000
# FZWATCH_MAX_PER_PATTERN: most pages with one URL shape (digits masked) per crawl: bounds calendars and traps.
FZWATCH_MAX_PER_PATTERN = 60
# FZWATCH_MAX_CALENDAR: most calendar/date-archive list pages (?month=, /calendar/, …) per crawl.
FZWATCH_MAX_CALENDAR = 10
# FZWATCH_PAGE_MAXSIZE: a list or HTML page larger than this is cut (a 5 MB trap page is not a list).
FZWATCH_PAGE_MAXSIZE = 3 * 1024 * 1024
# FZWATCH_ATTACHMENT_MAXSIZE: largest report attachment (PDF/DOCX/…) or directly linked document fetched.
FZWATCH_ATTACHMENT_MAXSIZE = 30 * 1024 * 1024
# FZWATCH_LIST_REVISIT_DAYS: a list page that never led to a report is re-checked about this often.
FZWATCH_LIST_REVISIT_DAYS = 7.0
# FZWATCH_DETAIL_REVISIT_DAYS: a candidate page judged not to be a report is re-checked about this often.
FZWATCH_DETAIL_REVISIT_DAYS = 30.0
# FZWATCH_DEAD_REVISIT_DAYS: a 404, oversized or binary page is asked for again about this often.
FZWATCH_DEAD_REVISIT_DAYS = 30.0
# FZWATCH_RETRY_AFTER_MAX: longest Retry-After (seconds) waited out within a crawl; longer ones end the try.
FZWATCH_RETRY_AFTER_MAX = 120.0
# FZWATCH_RETRY_AFTER_TIMES: how often one request is retried after a 429/503 with Retry-After.
FZWATCH_RETRY_AFTER_TIMES = 2
# FZWATCH_CRAWL_TIMEOUT: seconds one crawl may run (the daemon's --crawl-timeout; its runner passes it on).
# The one staleness rule for crawl runs: a 'running' run whose process died, or that started longer ago
# than this, is abandoned (storage.sites.running_elsewhere / abandon_stale_runs).
FZWATCH_CRAWL_TIMEOUT = float(os.environ.get("FZWATCH_CRAWL_TIMEOUT", "3600"))
# FZWATCH_CRAWL_DELAY_MAX: longest robots.txt Crawl-delay (seconds) honoured; a larger one is capped here.
FZWATCH_CRAWL_DELAY_MAX = 60.0
# FZWATCH_ESCALATION_DAYS: after an escalation found nothing, it runs again only after this many days
# unless the normal walk's result changed (crawler/escalation.py).
FZWATCH_ESCALATION_DAYS = 7.0
# FZWATCH_ESCALATION_RENDER_BUDGET: most pages rendered through Chromium by escalation tier 1.
FZWATCH_ESCALATION_RENDER_BUDGET = 30
# FZWATCH_ESCALATION_BFS_BUDGET, FZWATCH_ESCALATION_BFS_DEPTH: escalation tier 2, a breadth-first pass
# over every in-site link: its own page budget and link depth.
FZWATCH_ESCALATION_BFS_BUDGET = int(os.environ.get("FZWATCH_ESCALATION_BFS_BUDGET", "150"))
FZWATCH_ESCALATION_BFS_DEPTH = 3
# FZWATCH_JS_RENDER: set by crawler.run when Chromium (and scrapy-playwright) are available: JavaScript shells
# are then rendered, and `render: js` sites have every list page rendered.
FZWATCH_JS_RENDER = False
# FZWATCH_SHELL_SCRIPTS: most same-site scripts fetched from one JavaScript shell page to read its list API.
FZWATCH_SHELL_SCRIPTS = 4
# FZWATCH_SCRIPT_MAXSIZE: largest script (bundle) fetched for that.
FZWATCH_SCRIPT_MAXSIZE = 2 * 1024 * 1024
# FZWATCH_SEASON_MONTHS: months (Beijing time) in which channel and notice lists fall due after ~12 h
# instead of FZWATCH_LIST_REVISIT_DAYS, because reports are due by 4月1日 and most appear Feb–June.
FZWATCH_SEASON_MONTHS = [
    m for m in os.environ.get("FZWATCH_SEASON_MONTHS", "1,2,3,4,5,6").split(",") if m.strip()
]
# FZWATCH_PARSE_WORKERS: processes parsing pages off the reactor thread (crawler/parsepool.py); 0 parses inline.
FZWATCH_PARSE_WORKERS = int(os.environ.get("FZWATCH_PARSE_WORKERS", "1"))
# FZWATCH_PARSE_TIMEOUT: seconds one page (or attachment) may take to parse; over it, it is that page's error.
FZWATCH_PARSE_TIMEOUT = float(os.environ.get("FZWATCH_PARSE_TIMEOUT", "60"))
# FZWATCH_PARSE_MEMORY_MB: memory one parse worker may map above its start (RLIMIT_AS); over it, the page's error.
FZWATCH_PARSE_MEMORY_MB = int(os.environ.get("FZWATCH_PARSE_MEMORY_MB", "1024"))
