"""Colour emoji glyphs as images, for matplotlib figures.

matplotlib cannot draw colour bitmap fonts as text (DejaVu Sans has no emoji;
Noto Color Emoji is a CBDT bitmap font that its text engine does not render). So
each glyph is drawn to an RGBA image with Pillow, from the font's 109-pixel
strikes with ``embedded_color=True``, and placed on the figure as an image
(``OffsetImage`` / ``AnnotationBbox``).

The font is Debian's ``fonts-noto-color-emoji``
(``/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf``; ``make`` installs it), or
the file named by the ``CROWDPULSE_EMOJI_FONT`` environment variable, or one
given explicitly. When no usable font is found, figures draw emoji *names* as
text instead and a :class:`GlyphFallbackWarning` says so. A single emoji the
font cannot draw (a blank glyph) also falls back to its name.

Sequences (flags, skin tones, ZWJ sequences such as ❤️‍🔥) need text shaping:
with Pillow's Raqm layout (libraqm, present in Pillow's wheels) each sequence is
one glyph; without it a sequence may show as its parts side by side, squeezed
into the glyph's square.
"""

from __future__ import annotations

import functools
import logging
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

__all__ = [
    "BITMAP_SIZE",
    "DEFAULT_FONT",
    "FONT_ENV",
    "GlyphFallbackWarning",
    "GlyphRenderer",
    "find_emoji_font",
    "glyph_renderer",
]

logger = logging.getLogger(__name__)

DEFAULT_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
FONT_ENV = "CROWDPULSE_EMOJI_FONT"
BITMAP_SIZE = 109
"""The pixel size of Noto Color Emoji's bitmap strike (the only size it loads at)."""


class GlyphFallbackWarning(UserWarning):
    """No colour emoji font could be used: figures show emoji names instead."""


_KNOWN_FONTS = (
    DEFAULT_FONT,
    Path("/usr/share/fonts/noto/NotoColorEmoji.ttf"),
    Path("/usr/share/fonts/google-noto-emoji/NotoColorEmoji.ttf"),
)


def _fontconfig_emoji_font() -> Path | None:
    """Ask fontconfig (``fc-list``) where Noto Color Emoji is, if it is installed."""
    import shutil
    import subprocess

    if not shutil.which("fc-list"):
        return None
    try:
        listing = subprocess.run(
            ["fc-list", ":family=Noto Color Emoji", "file"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in listing.splitlines():
        found = Path(line.split(":")[0].strip())
        if found.is_file():
            return found
    return None


def find_emoji_font(path: str | Path | None = None) -> Path | None:
    """Locate the colour emoji font.

    Args:
        path: An explicit font file; when given, only it is considered.

    Returns:
        The font file, or None when it does not exist. Without ``path``: the file
        named by ``$CROWDPULSE_EMOJI_FONT`` if set, else :data:`DEFAULT_FONT` or another
        usual location of Noto Color Emoji, else what fontconfig knows.
    """
    if path is None:
        env = os.environ.get(FONT_ENV)
        if env:
            path = env
        else:
            known = next((font for font in _KNOWN_FONTS if font.is_file()), None)
            return known or _fontconfig_emoji_font()
    candidate = Path(path)
    return candidate if candidate.is_file() else None


class GlyphRenderer:
    """Draws emojis as square RGBA images with a colour emoji font.

    Args:
        font_path: The font file, or None for :func:`find_emoji_font`'s choice.
        size: Side of the square images, in pixels.

    Attributes:
        font_path: The font used, or None when none could be loaded.
        available: True when colour glyphs can be drawn.
    """

    def __init__(self, font_path: str | Path | None = None, *, size: int = 136) -> None:
        self.size = size
        self._font: FreeTypeFont | None = None
        self.font_path = find_emoji_font(font_path)
        self.problem: str | None = None
        if self.font_path is None:
            wanted = font_path or os.environ.get(FONT_ENV) or DEFAULT_FONT
            self.problem = f"colour emoji font not found at {wanted}"
        else:
            try:
                from PIL import ImageFont, features

                layout = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
                self._font = ImageFont.truetype(
                    str(self.font_path), BITMAP_SIZE, layout_engine=layout
                )
            except (OSError, ValueError) as exc:
                self.problem = f"cannot load the colour emoji font {self.font_path}: {exc}"
                self.font_path = None
        self._cache: dict[str, np.ndarray | None] = {}

    @property
    def available(self) -> bool:
        """True when a colour emoji font is loaded."""
        return self._font is not None

    def warn_if_unavailable(self, *, stacklevel: int = 2) -> None:
        """Emit a :class:`GlyphFallbackWarning` when no font is loaded.

        Args:
            stacklevel: Passed to :func:`warnings.warn` (2: the caller's line).
        """
        if not self.available:
            message = (
                f"{self.problem}; drawing emoji names instead of glyphs "
                "(install Debian's fonts-noto-color-emoji or set CROWDPULSE_EMOJI_FONT)"
            )
            warnings.warn(message, GlyphFallbackWarning, stacklevel=stacklevel + 1)
            logger.warning(message)

    def render(self, emoji_text: str) -> np.ndarray | None:
        """Draw one emoji.

        Args:
            emoji_text: The emoji (a full sequence).

        Returns:
            A ``size x size x 4`` uint8 RGBA array, transparent around the glyph,
            or None when no font is loaded or the font draws nothing for it.
        """
        if emoji_text in self._cache:
            return self._cache[emoji_text]
        image = self._draw(emoji_text) if self._font is not None else None
        self._cache[emoji_text] = image
        return image

    def _draw(self, emoji_text: str) -> np.ndarray | None:
        from PIL import Image, ImageDraw

        font = self._font
        if font is None:
            return None
        try:
            _, _, right, bottom = font.getbbox(emoji_text)
        except (OSError, ValueError):
            return None
        width, height = max(int(right), 1), max(int(bottom), 1)
        canvas = Image.new("RGBA", (width + 8, height + 8), (0, 0, 0, 0))
        try:
            ImageDraw.Draw(canvas).text((4, 4), emoji_text, font=font, embedded_color=True)
        except (OSError, ValueError):
            return None
        box = canvas.getbbox()
        if box is None:
            return None
        glyph = canvas.crop(box)
        scale = self.size / max(glyph.size)
        new_size = (max(1, round(glyph.size[0] * scale)), max(1, round(glyph.size[1] * scale)))
        glyph = glyph.resize(new_size, Image.Resampling.LANCZOS)
        square = Image.new("RGBA", (self.size, self.size), (0, 0, 0, 0))
        square.alpha_composite(
            glyph, ((self.size - new_size[0]) // 2, (self.size - new_size[1]) // 2)
        )
        return np.asarray(square, dtype=np.uint8).copy()


@functools.lru_cache(maxsize=8)
def _cached_renderer(font_key: str | None) -> GlyphRenderer:
    return GlyphRenderer(font_key)


def glyph_renderer(font_path: str | Path | None = None) -> GlyphRenderer:
    """A shared :class:`GlyphRenderer` for a font (glyphs are drawn once per process).

    Args:
        font_path: The font file, or None for :func:`find_emoji_font`'s choice.

    Returns:
        The renderer.
    """
    key = str(font_path) if font_path is not None else os.environ.get(FONT_ENV)
    return _cached_renderer(key)
