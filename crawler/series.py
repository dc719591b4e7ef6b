"""What one crawl knows about the pages of each list (a *series*): which rows its pages have shown, and
whether one of them said where the list ends. The spider uses it to end a series at a page that adds no
new rows, and to try the page after a productive one when the list never said where it ends
(`parsers.listing.following_page`). See docs/crawler.md, "List idioms"."""

from __future__ import annotations

from parsers.listing import Listing, following_page


class ListSeries:
    """Rows seen per list (keyed by its first page, the `root` of its pagination requests)."""

    def __init__(self) -> None:
        self.rows_seen: dict[str, set[str]] = {}
        self.known_ends: set[str] = set()  # lists one of whose pages named its end (尾页, 共M页, a count)

    def read(self, listing: Listing, root: str) -> bool:
        """Note this page's rows; True when it shows rows no earlier page of the same list showed."""
        if listing.last_page_known:
            self.known_ends.add(root)
        rows = {link.url for link in listing.links} - set(listing.pagination) - {listing.url, root}
        seen = self.rows_seen.setdefault(root, set())
        new = rows - seen
        seen |= rows
        return bool(new)

    def page_after(self, listing: Listing, root: str, step: int) -> str | None:
        """The page after this productive one, when no link names it and the list never said where it ends."""
        if root in self.known_ends:
            return None
        target = following_page(listing.url, step)
        return None if target is None or target in listing.pagination else target
