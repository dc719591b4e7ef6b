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
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
# Never keep a 5 MB page (or a binary served as text/html) in memory for long.
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = True  # cookie 302-to-self shells need a cookie jar
TELNETCONSOLE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("FZWATCH_LOG_LEVEL", "INFO")

ITEM_PIPELINES = {"crawler.pipelines.StoragePipeline": 300}

# FZWATCH_DB: SQLAlchemy URL of the store (default: SQLite file in FZWATCH_DATA, see storage.database).
FZWATCH_DB = os.environ.get("FZWATCH_DB")
# FZWATCH_PAGE_BUDGET: most pages one crawl of one site may fetch (a site's `options.page_budget` overrides).
FZWATCH_PAGE_BUDGET = 400
# FZWATCH_MAX_DEPTH: how many list/channel hops from a start URL (a site's `options.max_depth` overrides).
FZWATCH_MAX_DEPTH = 4
# FZWATCH_MAX_PER_PATTERN: most pages with one URL shape (digits masked) per crawl: bounds calendars and traps.
FZWATCH_MAX_PER_PATTERN = 60
