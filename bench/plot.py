"""A log-log line chart as a PNG, drawn with Pillow (already a dependency of Odoo)."""

import itertools
import math

from PIL import Image, ImageDraw, ImageFont

COLORS = [(31, 119, 180), (214, 39, 40), (127, 127, 127), (44, 160, 44)]


def _font(size):
    for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default()


def _decades(low, high):
    return list(range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1))


def line_chart(path, series, *, title, x_label, y_label, size=(960, 600)):
    """Draw ``series`` (``[(label, [(x, y), ...], dashed)]``) on log-log axes into ``path``."""
    width, height = size
    left, right, top, bottom = 90, 30, 60, 70
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font, small = _font(16), _font(13)
    points = [point for _label, values, _dashed in series for point in values]
    x_decades = _decades(min(p[0] for p in points), max(p[0] for p in points))
    y_decades = _decades(min(p[1] for p in points), max(p[1] for p in points))

    def to_px(x, y):
        fx = (math.log10(x) - x_decades[0]) / (x_decades[-1] - x_decades[0] or 1)
        fy = (math.log10(y) - y_decades[0]) / (y_decades[-1] - y_decades[0] or 1)
        return left + fx * (width - left - right), height - bottom - fy * (height - top - bottom)

    # Grid and ticks at every decade.
    for exponent in x_decades:
        x, _ = to_px(10**exponent, 10 ** y_decades[0])
        draw.line([(x, top), (x, height - bottom)], fill=(225, 225, 225))
        draw.text(
            (x, height - bottom + 8), f"{10**exponent:g}", font=small, fill="black", anchor="mt"
        )
    for exponent in y_decades:
        _, y = to_px(10 ** x_decades[0], 10**exponent)
        draw.line([(left, y), (width - right, y)], fill=(225, 225, 225))
        draw.text((left - 8, y), f"{10**exponent:g}", font=small, fill="black", anchor="rm")
    draw.rectangle([(left, top), (width - right, height - bottom)], outline="black")
    draw.text((width / 2, 20), title, font=font, fill="black", anchor="mt")
    draw.text((width / 2, height - 25), x_label, font=font, fill="black", anchor="mt")
    label_image = Image.new("RGB", (300, 24), "white")
    ImageDraw.Draw(label_image).text((150, 12), y_label, font=font, fill="black", anchor="mm")
    image.paste(label_image.rotate(90, expand=True), (8, (height - 300) // 2))

    # Series, each with markers and a legend entry.
    for index, (label, values, dashed) in enumerate(series):
        color = COLORS[index % len(COLORS)]
        pixels = [to_px(x, y) for x, y in sorted(values)]
        for start, end in itertools.pairwise(pixels):
            if dashed:
                steps = max(1, int(math.dist(start, end) // 8))
                for step in range(0, steps, 2):
                    a = step / steps
                    b = min(1, (step + 1) / steps)
                    draw.line(
                        [
                            (
                                start[0] + (end[0] - start[0]) * a,
                                start[1] + (end[1] - start[1]) * a,
                            ),
                            (
                                start[0] + (end[0] - start[0]) * b,
                                start[1] + (end[1] - start[1]) * b,
                            ),
                        ],
                        fill=color,
                        width=3,
                    )
            else:
                draw.line([start, end], fill=color, width=3)
        for x, y in pixels:
            draw.ellipse([(x - 5, y - 5), (x + 5, y + 5)], fill=color)
        legend_y = top + 15 + index * 24
        draw.line([(left + 20, legend_y), (left + 50, legend_y)], fill=color, width=3)
        draw.text((left + 58, legend_y), label, font=small, fill="black", anchor="lm")
    image.save(path)
