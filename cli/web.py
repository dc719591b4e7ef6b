"""`fzwatch web`: the read-only dashboard."""

from __future__ import annotations

import click

from cli.context import Ctx, pass_ctx, user_errors


@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@pass_ctx
@user_errors
def web(ctx: Ctx, host: str, port: int) -> None:
    """启动只读网页面板：站点健康、报告、版本差异、指标趋势。"""
    from web.app import serve

    click.echo(f"面板地址：http://{host}:{port}/", err=True)
    try:
        serve(ctx.db, host, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    except KeyboardInterrupt:
        pass


def register(cli: click.Group) -> None:
    cli.add_command(web)
