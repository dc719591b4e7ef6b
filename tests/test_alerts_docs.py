"""docs/alerts.md stays true: every example re-renders identically, every kind is documented,
and the YAML example loads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from alerting.filters import parse_subscriptions
from alerting.messages import EVENT_KINDS, render_digest, render_event

DOC = Path(__file__).resolve().parent.parent / "docs" / "alerts.md"
TEXT = DOC.read_text(encoding="utf-8")

_EXAMPLE = re.compile(
    r"<!-- (?P<what>example|digest-example): (?P<args>[^>]*?) -->\n```json\n(?P<payload>.*?)\n```\n\n"
    r"```(?P<fmt>\w+)\n(?P<title>[^\n]*)\n\n(?P<body>.*?)\n```",
    re.DOTALL,
)
EXAMPLES = list(_EXAMPLE.finditer(TEXT))


def test_examples_were_found() -> None:
    kinds = {m.group("args").split()[0] for m in EXAMPLES if m.group("what") == "example"}
    assert kinds == set(EVENT_KINDS)
    assert any(m.group("what") == "digest-example" for m in EXAMPLES)


@pytest.mark.parametrize("match", EXAMPLES, ids=lambda m: m.group("args"))
def test_example_matches_renderer(match: re.Match[str]) -> None:
    declared_fmt = match.group("args").split()[1 if match.group("what") == "example" else 0]
    assert declared_fmt == match.group("fmt")
    assert _render(match) == (match.group("title"), match.group("body")), (
        "docs/alerts.md is stale: run `python -m tests.test_alerts_docs`"
    )


def test_every_kind_in_the_table() -> None:
    for kind, label in EVENT_KINDS.items():
        assert f"| `{kind}` | {label} |" in TEXT


def test_yaml_example_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    block = TEXT.split("<!-- yaml-example -->\n```yaml\n", 1)[1].split("\n```", 1)[0]
    for name in ("DINGTALK_SECRET", "DINGTALK_TOKEN", "QQ_MAIL_AUTH_CODE", "WECOM_BOT_KEY"):
        monkeypatch.setenv(name, "abc123")
    subs = parse_subscriptions(yaml.safe_load(block), "docs/alerts.md")
    assert [s["name"] for s in subs] == ["大连司法局", "浙江复议指标周报", "运维"]
    assert subs[1]["mode"] == "digest" and subs[1]["digest"]["weekday"] == "mon"


def _render(match: re.Match[str]) -> tuple[str, str]:
    data, fmt = json.loads(match.group("payload")), match.group("fmt")
    if match.group("what") == "example":
        msg = render_event(match.group("args").split()[0], data, fmt)  # type: ignore[arg-type]
    else:
        period = match.group("args").split(maxsplit=1)[1]
        msg = render_digest([tuple(x) for x in data], fmt, period)  # type: ignore[arg-type, misc]
    return msg.title, msg.body


def regenerate() -> None:
    """Rewrite every rendered example in docs/alerts.md from its payload: `python -m tests.test_alerts_docs`."""

    def fix(match: re.Match[str]) -> str:
        title, body = _render(match)
        start, end = match.start("title") - match.start(), match.end("body") - match.start()
        whole = match.group(0)
        return whole[:start] + f"{title}\n\n{body}" + whole[end:]

    DOC.write_text(_EXAMPLE.sub(fix, TEXT), encoding="utf-8")


if __name__ == "__main__":
    regenerate()
