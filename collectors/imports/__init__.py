"""File imports: exports of closed platforms and of other tools, read row by row."""

from collectors.imports.parsers import parse_payload
from collectors.imports.run import FORMATS, import_file

__all__ = ["FORMATS", "import_file", "parse_payload"]
