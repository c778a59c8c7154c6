"""The report's CJK font is found on this machine (scripts/test.sh installs fonts-wqy-microhei), and without one the
report refuses with a Chinese message instead of drawing boxes."""

from __future__ import annotations

import pytest

from kpi.report import fonts


@pytest.fixture
def no_cached_font():
    fonts.font.cache_clear()
    fonts.pdf_font.cache_clear()
    yield
    fonts.font.cache_clear()
    fonts.pdf_font.cache_clear()


def test_a_cjk_font_is_installed(no_cached_font):
    found = fonts.font()
    assert found.path.exists() and found.family in fonts.FAMILIES
    assert fonts.pdf_font().path.exists()


def test_no_cjk_font_is_a_clear_chinese_error(no_cached_font, monkeypatch):
    monkeypatch.setattr(fonts, "_candidates", lambda: [])
    with pytest.raises(fonts.FontMissing, match="未找到中文字体.*sudo apt-get install fonts-wqy-microhei"):
        fonts.font()
    with pytest.raises(fonts.FontMissing, match="未找到可嵌入PDF的中文字体"):
        fonts.pdf_font()
