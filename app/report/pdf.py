"""The report as a PDF: its HTML page laid out by WeasyPrint (A4, the page's own styles)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_pdf"]


def write_pdf(html: str, path: Path) -> None:
    """Write the report page ``html`` as a PDF file at ``path``.

    Only ``data:`` URLs are fetched (the charts inside the page), so that making the PDF never
    reaches the network.
    """
    import weasyprint

    fetcher = weasyprint.URLFetcher(allowed_protocols=["data"])
    weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(path)
