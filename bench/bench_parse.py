"""CPU time of the whole parse (parse_page: decode, extraction, metadata, classification, sections,
indicators) against plain ``trafilatura.extract`` on the same bytes.

    python bench/bench_parse.py [--rounds 3] [--big-mb 5]

Interleaved in one process: every page is parsed by both, one after the other, in alternating order,
and only CPU time (``time.process_time``) is summed, so load from other processes and drift over the
run hit both sides alike. Two workloads: the labeled pages (parser fixtures + ../shared/realpages
when present) and one generated page of ``--big-mb`` MB (a report with many paragraphs and tables
in a layout without a known CMS container, plus navigation, side bar and footer). Also prints how
many times lxml builds an HTML tree per page (target: one).
Prints the ratio trafilatura time / our time: >= 1.00x means the whole parse is at least as fast.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Self

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lxml.etree
import lxml.html
import trafilatura

from parsers import parse_page
from tests.eval.corpus import fixture_cases, realpage_cases

Page = tuple[str, bytes]

_PARAGRAPHS = (
    (
        "一年来，我局坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻习近平法治思想，"
        "全面推进法治政府建设，各项工作取得明显成效。"
    ),
    "全年共审查行政规范性文件104件，审查合同254件，合法性审查率达到100%。",
    "全年收到行政复议申请105件，办结106件，直接纠错29件，纠错率27%。",
    "组织行政执法人员培训6期，参训650人次，新增执法证件102本。",
    "调解各类矛盾纠纷3117件，调解成功3110件，成功率99.78%，涉及金额2.78亿元。",
)


def big_page(megabytes: float) -> Page:
    """A report page of about ``megabytes`` MB: chrome around a long body of paragraphs and tables."""
    nav = "".join(f'<li><a href="/col/col{i}/index.html">栏目{i}</a></li>' for i in range(40))
    side = "".join(
        f'<li><a href="/art/2024/3/{i % 28 + 1}/art_{i}.html">相关新闻标题{i}</a></li>' for i in range(30)
    )
    row = "<tr><td>行政复议</td><td>105</td><td>106</td><td>27%</td></tr>"
    block = "".join(f"<p>{p}</p>" for p in _PARAGRAPHS) + f"<table><tbody>{row * 4}</tbody></table>"
    head = (
        "<html><head><meta charset='utf-8'><title>泰顺县司法局2023年法治政府建设年度报告_泰顺县人民政府</title>"
        f"</head><body><div class='header'><ul>{nav}</ul></div><div class='crumb'>当前位置：首页 &gt; 法治政府</div>"
        "<div class='main'><div class='left'><h1>泰顺县司法局2023年法治政府建设年度报告</h1>"
        "<div class='info'>发布时间：2024-03-28 14:58 来源：泰顺县司法局</div><div class='article'>"
    )
    tail = (
        f"</div></div><div class='right'><ul>{side}</ul></div></div>"
        "<div class='footer'>版权所有：泰顺县人民政府 浙ICP备05000000号</div></body></html>"
    )
    target = int(megabytes * 1024 * 1024)
    unit = len(block.encode("utf-8"))
    count = max(1, (target - len((head + tail).encode("utf-8"))) // unit)
    return "http://127.0.0.1/art/2024/3/28/art_1_2.html", (head + block * count + tail).encode("utf-8")


def _cpu(fn: Callable[[], object]) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def interleaved(pages: list[Page], rounds: int) -> tuple[float, float]:
    """CPU seconds (ours, trafilatura) over ``rounds`` passes, alternating which side goes first."""
    ours = traf = 0.0
    for r in range(rounds):
        for i, (url, body) in enumerate(pages):
            run_ours = partial(parse_page, url, body)
            run_traf = partial(trafilatura.extract, body, url=url)
            if (r + i) % 2:
                traf += _cpu(run_traf)
                ours += _cpu(run_ours)
            else:
                ours += _cpu(run_ours)
                traf += _cpu(run_traf)
    return ours, traf


class ParseCounter:
    """Counts tree builds through lxml's parser entry points (ours, trafilatura's, htmldate's); a call
    made from inside another counted call (``lxml.html.fromstring`` -> ``etree.fromstring``) counts once."""

    def __init__(self) -> None:
        self.count = 0
        self._depth = 0
        self._saved: list[tuple[object, str, object]] = []

    def __enter__(self) -> Self:
        for module, name in (
            (lxml.html, "document_fromstring"),
            (lxml.html, "fromstring"),
            (lxml.etree, "fromstring"),
            (lxml.etree, "HTML"),
        ):
            original = getattr(module, name)
            self._saved.append((module, name, original))
            setattr(module, name, self._counting(original))
        return self

    def _counting(self, original: Callable[..., object]) -> Callable[..., object]:
        def counted(*args: object, **kwargs: object) -> object:
            self.count += self._depth == 0
            self._depth += 1
            try:
                return original(*args, **kwargs)
            finally:
                self._depth -= 1

        return counted

    def __exit__(self, *exc: object) -> None:
        for module, name, original in self._saved:
            setattr(module, name, original)


def parses_per_page(pages: list[Page]) -> float:
    with ParseCounter() as counter:
        for url, body in pages:
            parse_page(url, body)
    return counter.count / len(pages)


def _report(label: str, pages: list[Page], rounds: int) -> None:
    ours, traf = interleaved(pages, rounds)
    print(f"{label}: {len(pages)} page(s) x {rounds} round(s), CPU time")
    print(f"  fzwatch parse_page:   {ours:8.2f} s")
    print(f"  trafilatura.extract:  {traf:8.2f} s")
    print(f"  ratio trafilatura/ours: {traf / ours:.2f}x  (>= 1.00x: the whole parse is at least as fast)")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--big-mb", type=float, default=5.0)
    args = parser.parse_args()
    pages = [(c.url, c.body) for c in list(fixture_cases()) + list(realpage_cases())]
    parse_page(*pages[0])  # warm up lazy imports (OpenCC dictionaries, htmldate)
    trafilatura.extract(pages[0][1])
    print(f"HTML parses per page (labeled pages): {parses_per_page(pages):.2f}")
    _report("labeled pages", pages, args.rounds)
    big = big_page(args.big_mb)
    print(f"HTML parses (generated {len(big[1]) / 1e6:.1f} MB page): {parses_per_page([big]):.0f}")
    _report(f"generated {len(big[1]) / 1e6:.1f} MB page", [big], 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
