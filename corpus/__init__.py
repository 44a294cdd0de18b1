"""Source text → clean, line-traceable cases."""

from .model import PARTS, Case, Collection, Paragraph, Part, SectionLabel
from .parse import CorpusError, parse_file

__all__ = ["PARTS", "Case", "Collection", "CorpusError", "Paragraph", "Part", "SectionLabel", "parse_file"]
