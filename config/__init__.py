"""Schemas of every configuration a user writes (site registry, subscriptions YAML, FZWATCH_* settings).

A pure package: it imports pydantic, PyYAML and APScheduler only, never another fzwatch package, so every
layer (cli, web, scheduler, storage, crawler) may import it. Problems are reported in Chinese, all at once,
with the YAML line of each.
"""

from config.errors import ConfigError, Problem
from config.settings import FzwatchSettings, check_environment
from config.sites import SiteEntry, SiteOptions, parse_duration, site_entry_problems
from config.subscriptions import subscription_document_problems
from config.yamlsrc import LineMap, load_yaml

__all__ = [
    "ConfigError",
    "FzwatchSettings",
    "LineMap",
    "Problem",
    "SiteEntry",
    "SiteOptions",
    "check_environment",
    "load_yaml",
    "parse_duration",
    "site_entry_problems",
    "subscription_document_problems",
]
