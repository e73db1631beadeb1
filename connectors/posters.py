"""QR codes and printable A4 posters for village notice boards: each code opens the mobile web chat with its
division preset (`<public URL>/chat?v=<code>`). segno draws the QR code; fpdf2 lays out the poster and embeds
the subset of Noto Sans CJK it uses, so the PDF prints the same anywhere. The poster's words are in
connectors/data/poster.yaml."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import segno
import yaml
from fpdf import FPDF
from pydantic import BaseModel, ConfigDict

WORDING = Path(__file__).with_name("data") / "poster.yaml"
# Debian's fonts-noto-cjk (installed by `make browser`); the collection's index 2 is Simplified Chinese.
FONT_FILES = (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
              Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"))
SIMPLIFIED_CHINESE = 2


class PosterError(RuntimeError):
    """What stops a poster being made, in words an operator can act on."""


class PosterWording(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str
    place: str
    about: list[str]
    promises: list[str]
    how_to_scan: str
    hotline: str
    danger: str


@dataclass(frozen=True)
class Poster:
    code: str
    place: str          # "任城区 许庄街道"
    url: str


def chat_url(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/chat?{urlencode({'v': code})}"


def qr_png(url: str, scale: int = 12) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def load_wording(path: Path = WORDING) -> PosterWording:
    return PosterWording.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def cjk_pdf(fonts: tuple[Path, Path] = FONT_FILES) -> FPDF:
    """An A4 document with Noto Sans CJK SC as "cjk" (regular and "B"), embedded so that it prints anywhere."""
    missing = [str(f) for f in fonts if not f.is_file()]
    if missing:
        raise PosterError(f"the CJK font is missing ({', '.join(missing)}): install Debian's fonts-noto-cjk "
                          "(make browser does)")
    pdf = FPDF(format="A4")
    pdf.add_font("cjk", "", str(fonts[0]), collection_font_number=SIMPLIFIED_CHINESE)
    pdf.add_font("cjk", "B", str(fonts[1]), collection_font_number=SIMPLIFIED_CHINESE)
    return pdf


def poster_pdf(poster: Poster, wording: PosterWording, fonts: tuple[Path, Path] = FONT_FILES) -> bytes:
    """One A4 page: title, place, what 济时救 is, the promises, how to scan, the QR code, 12345 and 110/120/119."""
    pdf = cjk_pdf(fonts)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    width = pdf.w - 2 * pdf.l_margin

    def line(text: str, size: float, style: str = "", height: float = 11, color: tuple[int, int, int] = (0, 0, 0)) -> None:
        pdf.set_font("cjk", style, size)
        pdf.set_text_color(*color)
        pdf.multi_cell(width, height, text, align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.set_y(16)
    line(wording.title, 34, "B", 16, (11, 92, 173))
    line(wording.place.format(place=poster.place), 22, "B", 13)
    pdf.ln(3)
    for text in wording.about:
        line(text, 14, "", 8)
    pdf.ln(2)
    for text in wording.promises:
        line(text, 18, "B", 10, (179, 38, 30))
    pdf.ln(2)
    line(wording.how_to_scan, 15, "", 9)
    size = 92
    pdf.image(io.BytesIO(qr_png(poster.url)), x=(pdf.w - size) / 2, y=pdf.get_y() + 2, w=size, h=size)
    pdf.set_y(pdf.get_y() + size + 6)
    line(wording.hotline, 16, "B", 10)
    line(wording.danger, 16, "B", 10, (179, 38, 30))
    line(poster.url, 9, "", 6, (90, 90, 90))
    return bytes(pdf.output())
