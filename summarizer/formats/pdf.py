"""A PDF's text, page by page, through pypdfium2 (PDFium, the PDF engine of Chromium)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from summarizer.errors import InputError
from summarizer.formats import need_extra

READING = "PDF files (.pdf)"
# A line that ends a paragraph: after a sentence's end, shorter than this share of the
# page's longest line; without one (a heading), shorter than this share.
_SHORT_AFTER_SENTENCE = 0.85
_SHORT_HEADING = 0.6
_SENTENCE_ENDS = (".", "!", "?", ":", '"', "\u201d", "\u2019", ")", "\u3002")


@dataclass(frozen=True)
class PdfText:
    """The text of each page (an empty string for a page without text), and the title
    the document's metadata gives."""

    pages: list[str]
    title: str | None


def read_pdf(data: bytes, source: str) -> PdfText:
    """Each page's text; an InputError for a file PDFium cannot open, or one with no
    text layer (a scan). A ConfigurationError (exit 2) without pypdfium2."""
    pdfium = need_extra("pypdfium2", READING)
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise InputError(f"{source}: not a PDF that can be read ({error})") from None
    try:
        pages = [_page_text(document[index]) for index in range(len(document))]
        title = document.get_metadata_dict().get("Title", "")
    finally:
        document.close()
    if not any(pages):
        raise InputError(
            f"{source}: the PDF has no text layer (a scan?); run OCR on it first, "
            "e.g. ocrmypdf --sidecar out.txt in.pdf out.pdf, and summarize the text"
        )
    return PdfText(pages=pages, title=" ".join(title.split()) or None)


def _page_text(page: Any) -> str:
    textpage = page.get_textpage()
    try:
        text: str = textpage.get_text_range()
    finally:
        textpage.close()
        page.close()
    # PDFium ends lines with CRLF; control characters stand for glyphs it could not map.
    text = "".join(char for char in text.replace("\r\n", "\n") if char == "\n" or char >= " ")
    return paragraphs(text.replace("\r", "\n"))


def paragraphs(page: str) -> str:
    r"""A page's lines as laid out, with a blank line after each line that ends a
    paragraph, which a PDF does not mark: one that stops well short of the page's
    full lines, after a sentence's end (or, with no end mark, a heading's).

    Wrapped lines fill the width but for a word; a break the rule puts at a sentence's
    end inside a paragraph is harmless.

    >>> paragraphs("Bridge shut\nThe river rose on Monday and the bridge\nwas shut.\nIt reopens.")
    'Bridge shut\n\nThe river rose on Monday and the bridge\nwas shut.\n\nIt reopens.'
    """
    lines = [" ".join(line.split()) for line in page.split("\n")]
    full = max(map(len, lines), default=0)
    out: list[str] = []
    for line in lines:
        if not line:
            if out and out[-1]:
                out.append("")
            continue
        out.append(line)
        ends_sentence = line.endswith(_SENTENCE_ENDS)
        if len(line) < full * (_SHORT_AFTER_SENTENCE if ends_sentence else _SHORT_HEADING):
            out.append("")
    return "\n".join(out).strip()
