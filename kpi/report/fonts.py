"""The CJK font every picture and document of the report is drawn with, found on this machine — never downloaded.

Debian's ``fonts-wqy-microhei`` (1.6 MB, installed by scripts/test.sh) is preferred; ``fonts-noto-cjk`` or another
installed Simplified Chinese font is used when it is missing. Without any, Chinese would come out as empty boxes, so
the report refuses with a Chinese message saying what to install instead.

The PDF embeds the font through reportlab, which reads TrueType outlines only: WenQuanYi Micro Hei has them, the Noto
CJK collections (CFF outlines) do not, so ``pdf_font`` may differ from ``font`` and may be missing when ``font`` is not.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path

# Preferred families first. Matched against matplotlib's font list, which is built from the system font folders.
FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Droid Sans Fallback",
            "AR PL UMing CN", "Microsoft YaHei", "SimHei")
# Where Debian puts them, for a matplotlib font cache built before the font was installed.
KNOWN_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
               "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
               "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
PROBE = "民政月报"  # characters a usable font must have
INSTALL_HINT = "请安装中文字体后重试（Debian/Ubuntu：sudo apt-get install fonts-wqy-microhei）。"


class FontMissing(RuntimeError):
    """No usable CJK font on this machine; the message says what to install, in Chinese."""


@dataclass(frozen=True)
class CjkFont:
    family: str
    path: Path
    index: int  # the face within a .ttc collection


def _faces(path: Path, data: bytes):
    from fontTools.ttLib import TTCollection, TTFont

    if path.suffix.lower() in (".ttc", ".otc"):
        return list(TTCollection(io.BytesIO(data), lazy=True).fonts)
    return [TTFont(io.BytesIO(data), lazy=True)]


def _usable(path: Path, family: str, truetype_only: bool) -> CjkFont | None:
    """The face of ``family`` in ``path`` if it has the probe characters (and TrueType outlines when asked)."""
    try:
        faces = _faces(path, path.read_bytes())
    except Exception:  # unreadable or not a font: not this one
        return None
    for index, face in enumerate(faces):
        names = {face["name"].getDebugName(1), face["name"].getDebugName(16)}
        if family not in names:
            continue
        cmap = face.getBestCmap() or {}
        if not all(ord(ch) in cmap for ch in PROBE):
            continue
        if truetype_only and "glyf" not in face:
            continue
        return CjkFont(family, path, index)
    return None


def _candidates() -> list[tuple[str, Path]]:
    from matplotlib import font_manager

    known = {f.name: Path(f.fname) for f in font_manager.fontManager.ttflist}
    found = [(family, known[family]) for family in FAMILIES if family in known]
    if not found:
        for path in map(Path, KNOWN_FILES):
            if path.exists():
                font_manager.fontManager.addfont(str(path))
                found.append((font_manager.FontProperties(fname=str(path)).get_name(), path))
    return found


def _first(truetype_only: bool) -> CjkFont | None:
    for family, path in _candidates():
        if (usable := _usable(path, family, truetype_only)) is not None:
            return usable
    return None


@functools.cache
def font() -> CjkFont:
    """The CJK font the pictures are drawn with (matplotlib); FontMissing when there is none."""
    if (found := _first(truetype_only=False)) is None:
        raise FontMissing("未找到中文字体，无法生成月报图片和文档。" + INSTALL_HINT)
    return found


@functools.cache
def pdf_font() -> CjkFont:
    """A CJK font reportlab can embed in the PDF (TrueType outlines); FontMissing when there is none."""
    if (found := _first(truetype_only=True)) is None:
        raise FontMissing("未找到可嵌入PDF的中文字体（需要 TrueType 字体，如文泉驿微米黑），无法生成PDF。" + INSTALL_HINT)
    return found
