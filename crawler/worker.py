"""A long-lived crawl worker: many site crawls at once in one reactor (issue 14).

    python -m crawler.worker            # FZWATCH_DB in the environment

Reads one JSON job a line on stdin, ``{"site": ID, "run_id": N, "trigger": T, "timeout": SECONDS}`` (the run is
already open in the database), and writes one JSON line a finished site on stdout, ``{"event": "done",
"site_id", "run_id", "status", "pid", "rss_mb", "crawls", ...the crawl summary}``; ``{"event": "ready"}`` first.

Each site is its own Scrapy Crawler (own downloader slots, robots.txt and Crawl-delay, page budget); pages are
parsed in the process's parse pool (crawler/parsepool.py), not on the reactor thread. A crawl still running
after its timeout is closed (``engine.close_spider_async``) and recorded as cut, without touching the others.
Stdin closed: running crawls finish, then the process exits — that is how scheduler/runner.py recycles a
worker after N crawls or M MB. SIGTERM: running crawls stop as Scrapy stops on a signal (``interrupted``).
Starting one Python process per site cost ~1.8 CPU-seconds a crawl (issue 14); here it is paid once.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from dataclasses import asdict
from typing import Any

from scrapy.utils.reactor import install_reactor

install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")

from scrapy.crawler import CrawlerRunner  # imported after the reactor is chosen
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.log import configure_logging
from scrapy.utils.project import get_project_settings
from twisted.internet import reactor
from twisted.internet.task import LoopingCall

from crawler.logformatter import install_one_line_filter
from crawler.parsepool import close_shared_pool
from crawler.render import js_render_settings
from crawler.run import TIMEOUT_REASON, finish_crawl
from crawler.stopping import stop_crawl, stop_downloads
from storage.database import shared_database
from storage.sites import finish_run

logger = logging.getLogger(__name__)

ORPHAN_GRACE_SECONDS = 15  # after the daemon died: how long running crawls get to stop on their own


def rss_mb() -> float:
    """This process's resident memory (Linux /proc; no psutil needed for one number)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class CrawlWorker:
    def __init__(self) -> None:
        os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
        self.settings = get_project_settings()
        self.settings.setdict(js_render_settings(warn=False) or {}, priority="cmdline")
        self.db_url = self.settings.get("FZWATCH_DB")
        self.db = shared_database(self.db_url)
        self.runner = CrawlerRunner(self.settings)
        self.active: dict[int, Any] = {}  # run id -> Crawler
        self.site_of: dict[int, str] = {}  # run id -> site id
        self.crawls = 0
        self.input_closed = False
        self.stopping = False
        self.orphaned = False

    # -- input -----------------------------------------------------------------------------------

    def read_stdin(self) -> None:
        """On its own thread: each line is handed to the reactor."""
        for line in sys.stdin:
            if line.strip():
                reactor.callFromThread(self.on_line, line)
        reactor.callFromThread(self.on_input_closed)

    def on_line(self, line: str) -> None:
        try:
            job = json.loads(line)
            site_id, run_id = str(job["site"]), int(job["run_id"])
        except (ValueError, KeyError, TypeError) as exc:
            logger.error("bad job line %r: %s", line[:200], exc)
            return
        if self.stopping:
            reason = "worker stopping: crawl not started"
            self._close_run(site_id, run_id, "interrupted", reason)
            self._report(
                run_id, {"site_id": site_id, "run_id": run_id, "status": "interrupted", "error": reason}
            )
            return
        self.start_crawl(site_id, run_id, job.get("trigger", "schedule"), float(job.get("timeout") or 3600))

    def on_input_closed(self) -> None:
        """Closed by the runner (recycling): running crawls finish. Closed because the daemon died: they stop
        now, so no orphan crawl races the restarted daemon. (PR_SET_PDEATHSIG, as crawler/run.py uses, fires
        when the daemon *thread* that started us ends, which for a worker is not the daemon's end.)"""
        self.input_closed = True
        self.check_parent()
        self._exit_if_idle()

    def check_parent(self) -> None:
        """Called every second and at EOF: a dying daemon's pipe closes *before* the kernel reparents us, so
        the EOF alone cannot tell a recycling from a daemon's death; the parent pid, checked again, can."""
        parent = os.environ.get("FZWATCH_PARENT_PID")
        if self.orphaned or not parent or os.getppid() == int(parent):
            return
        self.orphaned = True
        logger.warning("daemon %s gone: stopping %d crawls", parent, len(self.active))
        self.stop()
        # A crawl that does not stop in time (a parse in its budget, a request in flight) would keep its
        # run open under a live pid, and the restarted daemon would skip the site as "crawled elsewhere".
        reactor.callLater(ORPHAN_GRACE_SECONDS, self._abandon)

    def _abandon(self) -> None:
        """The daemon is gone and some crawls did not stop within the grace: close their runs and exit, with
        this process group (the parse pool), now."""
        for run_id in list(self.active):
            self._close_run(
                self.site_of[run_id], run_id, "interrupted", "daemon gone: crawl cut by its worker"
            )
        logger.warning("daemon gone: %d crawls did not stop in time; worker exits", len(self.active))
        self.db.dispose()
        sys.stdout.flush()
        os.killpg(os.getpid(), signal.SIGKILL)

    # -- crawls ----------------------------------------------------------------------------------

    def start_crawl(self, site_id: str, run_id: int, trigger: str, timeout: float) -> None:
        crawler = self.runner.create_crawler("portal")
        self.active[run_id] = crawler
        self.site_of[run_id] = site_id
        timer = reactor.callLater(timeout, self._cut, crawler, site_id, timeout)
        try:
            done = self.runner.crawl(crawler, site=site_id, db=self.db_url, run_id=str(run_id))
        except Exception as exc:  # noqa: BLE001 - a site that cannot start is that site's failure
            done = None
            self._crawl_failed(site_id, run_id, timer, exc)
        if done is not None:
            done.addCallbacks(
                lambda _: self._finished(site_id, run_id, crawler, timer),
                lambda failure: self._crawl_failed(site_id, run_id, timer, failure.value),
            )
        logger.info("crawl of %s started (run %d, trigger %s)", site_id, run_id, trigger)

    def _cut(self, crawler: Any, site_id: str, timeout: float) -> None:
        """The crawl's timeout: close this site's spider only; the other crawls go on."""
        if crawler.engine is None or crawler.spider is None:
            return
        crawler.stats.set_value("fzwatch/timeout_seconds", timeout)
        logger.warning("crawl of %s cut after its timeout", site_id)
        deferred_from_coro(crawler.engine.close_spider_async(reason=TIMEOUT_REASON))
        stop_downloads(crawler)

    def _finished(self, site_id: str, run_id: int, crawler: Any, timer: Any) -> None:
        if timer.active():
            timer.cancel()
        try:
            with self.db.transaction() as session:
                summary = finish_crawl(session, site_id, run_id, crawler)
            line = asdict(summary) | {"stats": {}}
        except Exception as exc:  # the database is away: say so for this run, go on
            logger.exception("could not close run %d of %s", run_id, site_id)
            line = {"site_id": site_id, "run_id": run_id, "status": "failed", "error": str(exc)[:300]}
        self._report(run_id, line)

    def _crawl_failed(self, site_id: str, run_id: int, timer: Any, exc: BaseException) -> None:
        if timer.active():
            timer.cancel()
        reason = f"crawl failed in the worker: {type(exc).__name__}: {str(exc)[:200]}"
        logger.error("%s (%s)", reason, site_id)
        status = "interrupted" if self.stopping else "failed"
        self._close_run(site_id, run_id, status, reason)
        self._report(run_id, {"site_id": site_id, "run_id": run_id, "status": status, "error": reason})

    def _close_run(self, site_id: str, run_id: int, status: str, reason: str) -> None:
        try:
            with self.db.transaction() as session:
                finish_run(session, run_id, status, {}, reason)
        except Exception:  # the runner closes it from our missing answer
            logger.exception("could not close run %d of %s", run_id, site_id)

    def _report(self, run_id: int, line: dict[str, Any]) -> None:
        self.active.pop(run_id, None)
        self.site_of.pop(run_id, None)
        self.crawls += 1
        self._write(
            {"event": "done", **line, "pid": os.getpid(), "rss_mb": round(rss_mb(), 1), "crawls": self.crawls}
        )
        self._exit_if_idle()

    @staticmethod
    def _write(line: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
        sys.stdout.flush()

    # -- stopping --------------------------------------------------------------------------------

    def on_signal(self, signum: int, _frame: Any) -> None:
        reactor.callFromThread(self.stop)

    def stop(self) -> None:
        """Running crawls stop as on Scrapy's own SIGTERM (finish_reason shutdown -> interrupted)."""
        if self.stopping:
            return
        self.stopping = True
        self.input_closed = True
        logger.info("stopping: %d crawls interrupted", len(self.active))
        for crawler in list(self.active.values()):
            stop_crawl(crawler)
        self._exit_if_idle()

    def _exit_if_idle(self) -> None:
        if not (self.input_closed and not self.active):
            return
        if reactor.running:
            reactor.stop()
        else:  # a SIGTERM before the reactor ran: stop it once it does
            reactor.callWhenRunning(reactor.stop)


def main() -> None:
    worker = CrawlWorker()
    configure_logging(worker.settings)
    install_one_line_filter()
    for noisy in ("scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    signal.signal(signal.SIGTERM, worker.on_signal)
    signal.signal(signal.SIGINT, worker.on_signal)
    threading.Thread(target=worker.read_stdin, name="jobs", daemon=True).start()
    LoopingCall(worker.check_parent).start(1.0, now=False)
    worker._write({"event": "ready", "pid": os.getpid()})
    reactor.run(installSignalHandlers=False)
    close_shared_pool()
    worker.db.dispose()
    sys.stdout.flush()
    # Every run is closed and reported: exit now. An interpreter exit can wait on threads left by libraries
    # (seen: an orphaned worker alive minutes after its crawls ended), and the runner counts on our EOF.
    os._exit(0)


if __name__ == "__main__":
    main()
