"""climatekg: a bilingual knowledge graph and semantic search over the 2023 China Corporate Climate Action cases."""

__version__ = "0.1.0"
