"""`fzwatch web`: the researchers' web app and HTTP API."""

from __future__ import annotations

import os
import secrets

import click

from cli.context import Ctx, pass_ctx, user_errors


@click.command("web")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="监听地址；非本机地址须先设置 FZWATCH_WEB_TOKEN"
)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="工作线程数")
@pass_ctx
@user_errors
def web(ctx: Ctx, host: str, port: int, threads: int) -> None:
    """启动网页与 HTTP API：报告检索、版本差异、覆盖情况、指标、事件、站点、订阅。"""
    # Imported here, not at the top: pydantic/spectree models cost ~1 s, which every other command would pay.
    from web.app import create_app, serve
    from web.security import is_loopback

    token = os.environ.get("FZWATCH_WEB_TOKEN") or None
    if not is_loopback(host) and not token:
        raise click.ClickException(
            f"拒绝在 {host} 上提供服务：未配置访问令牌。请设置环境变量 FZWATCH_WEB_TOKEN（长随机串）后重试，"
            "或只监听 127.0.0.1。"
        )
    if token is None:
        # Loopback without a configured token: a one-off token, so writes still need a login.
        token = secrets.token_urlsafe(18)
        click.echo(f"本次登录令牌（写操作需要；可用 FZWATCH_WEB_TOKEN 固定）：{token}", err=True)
    app = create_app(ctx.db, token=token, bind_host=host, secret=os.environ.get("FZWATCH_WEB_SECRET"))
    click.echo(f"网页地址：http://{host}:{port}/ · API 文档：http://{host}:{port}/api/openapi.json", err=True)
    try:
        serve(app, host, port, threads=threads)
    except OSError as exc:
        raise click.ClickException(f"无法监听 {host}:{port}：{exc.strerror}") from None
    except KeyboardInterrupt:
        pass


def register(cli: click.Group) -> None:
    cli.add_command(web)
