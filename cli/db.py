"""`fzwatch db upgrade`: the one command that migrates the schema."""

from __future__ import annotations

import click

from cli.context import Ctx, pass_ctx, user_errors
from storage.database import Database, check_connection, prepare_sqlite_file
from storage.migrate import current_revision, head_revision
from storage.secrets import key_source
from storage.subscriptions import count_subscription_targets, seal_plaintext_subscriptions


@click.group("db")
def db_group() -> None:
    """数据库维护。"""


@db_group.command("upgrade")
@click.option("--create", is_flag=True, help="SQLite 数据库目录或文件不存在时新建（默认视为路径写错并报错）")
@pass_ctx
@user_errors
def upgrade(ctx: Ctx, create: bool) -> None:
    """把数据库结构升级到本程序的版本（升级前请先停止旧版本的守护进程）。"""
    prepare_sqlite_file(ctx.db_url, create_dir=create, create_file=True)
    db = Database(ctx.db_url)
    try:
        check_connection(db.engine)
        before = current_revision(db.engine)
        db.migrate()
        after = current_revision(db.engine)
        with db.transaction() as session:
            sealed = seal_plaintext_subscriptions(session)
            count_subscription_targets(session)
    finally:
        db.dispose()
    if sealed:
        click.echo(f"已加密 {sealed} 个订阅的通知地址（密钥：{key_source()}）")
    if before == after:
        click.echo(f"数据库结构已是最新（版本 {after}）：{db.url}")
    else:
        click.echo(f"数据库结构已升级：{before or '空库'} → {after}（{db.url}）")


@db_group.command("status")
@pass_ctx
@user_errors
def status(ctx: Ctx) -> None:
    """显示数据库结构版本与本程序所需版本。"""
    prepare_sqlite_file(ctx.db_url)
    db = Database(ctx.db_url)
    try:
        check_connection(db.engine)
        current = current_revision(db.engine)
    finally:
        db.dispose()
    head = head_revision()
    state = "一致" if current == head else "需要运行 `fzwatch db upgrade`" if current else "未初始化"
    click.echo(f"数据库 {db.url}：结构版本 {current or '-'}，程序需要 {head}（{state}）")
    if current != head:
        raise SystemExit(1)


def register(cli: click.Group) -> None:
    cli.add_command(db_group)
