"""Exceptions raised by storage. Each names what happened; the CLI turns them into one clear line."""

from __future__ import annotations


class StorageError(Exception):
    """Base class of storage errors a user can act on."""


class DatabaseUnavailable(StorageError):
    """The database URL is invalid or the server does not answer."""


class UnknownSite(StorageError):
    """No site has the given id."""


class UnknownSubscription(StorageError):
    """No subscription has the given id."""


class UnknownReport(StorageError):
    """No report has the given id."""


class SchemaMismatch(StorageError):
    """The database schema is older or newer than this version of fzwatch; only `fzwatch db upgrade`
    migrates, so a newer CLI never migrates under a running older daemon."""
