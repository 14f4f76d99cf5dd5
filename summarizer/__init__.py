"""summarizer: news articles in, validated event JSON and short briefs out.

>>> from summarizer import summarize
>>> result = summarize(open("seeds/articles/iraq-baaj-offensive.txt").read())
>>> result.headline, [event.event_type for event in result.events]
"""

from summarizer.article import Article
from summarizer.backends import Backend, get_backend
from summarizer.cache import ResultCache
from summarizer.errors import (
    BackendError,
    ConfigurationError,
    DatasetError,
    InputError,
    InvalidOutputError,
    SummarizerError,
)
from summarizer.pipeline import Pipeline, asummarize, summarize
from summarizer.schema import (
    ArticleSummary,
    Event,
    EventType,
    Extraction,
    FatalityRange,
    Location,
    Usage,
)

__all__ = [
    "Article",
    "ArticleSummary",
    "Backend",
    "BackendError",
    "ConfigurationError",
    "DatasetError",
    "Event",
    "EventType",
    "Extraction",
    "FatalityRange",
    "InputError",
    "InvalidOutputError",
    "Location",
    "Pipeline",
    "ResultCache",
    "SummarizerError",
    "Usage",
    "asummarize",
    "get_backend",
    "summarize",
]
