"""jishijiu qr: a QR code and an A4 poster per division, the CJK font embedded, rendered by poppler and not blank."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from connectors.posters import FONT_FILES, chat_url
from jishijiu.cli import main

pytestmark = pytest.mark.skipif(not all(f.is_file() for f in FONT_FILES) or not shutil.which("pdftoppm"),
                                reason="fonts-noto-cjk and poppler-utils are installed by `make test` (make browser)")
PUBLIC = "https://jishijiu.example.cn"


def test_a_township_gets_a_qr_code_and_a_poster_that_prints_anywhere(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("JISHIJIU_PUBLIC_URL", PUBLIC)
    assert main(["qr", "--township", "370811002", "--out", str(tmp_path)]) == 0
    pdf, png = tmp_path / "370811002-许庄街道.pdf", tmp_path / "370811002-许庄街道.png"
    assert png.stat().st_size > 500 and Image.open(png).size[0] >= 300
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "NotoSansCJK" in fonts and all(" yes " in row for row in fonts.splitlines()[2:])     # embedded
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "任城区 许庄街道" in text and "12345" in text and "2小时内" in text and "24小时内" in text
    assert chat_url(PUBLIC, "370811002") in text.replace("\n", "")
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    page = Image.open(tmp_path / "page.png").convert("L")
    dark = page.point(lambda p: 255 if p < 128 else 0).histogram()[255] / (page.width * page.height)
    assert 0.05 < dark < 0.6, dark                                          # text and a QR code, not a blank page


def test_a_county_gets_its_townships_and_a_poster_needs_the_public_address(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("JISHIJIU_PUBLIC_URL", raising=False)
    assert main(["qr", "--county", "370871", "--out", str(tmp_path / "none")]) == 2     # where would they point?
    monkeypatch.setenv("JISHIJIU_PUBLIC_URL", PUBLIC)
    assert main(["qr", "--county", "370871", "--out", str(tmp_path)]) == 0             # 济宁高新区: 5 townships
    pdfs = sorted(p.name for p in tmp_path.glob("*.pdf"))
    assert pdfs[0] == "370871-济宁高新区.pdf" and len(pdfs) == 6 and len(list(tmp_path.glob("*.png"))) == 6
    assert main(["qr", "--township", "370899999", "--out", str(tmp_path)]) == 2         # no such division
