"""Synthetic street scenes: a deterministic pair of shifted domains for the embedded demo.

No files and no downloads: every sample is drawn by dareg with numpy/OpenCV primitives, in the
spirit of the GTA5 -> Cityscapes benchmark of AdaptSegNet (Tsai et al., CVPR 2018), where a
segmentor trained on rendered street scenes loses much of its accuracy on real ones.

Scene geometry is drawn from ONE distribution for both domains: a horizon and a vanishing point,
a road and two sidewalks in perspective, building facades (with windows) and trees along both
sides, far buildings and vegetation at the horizon, and poles, persons and cars whose size grows
with their distance below the horizon. Only the appearance differs:

* ``"source"`` (game-like): sunny blue sky, saturated colours, clean textures, sharp edges;
* ``"target"`` (real-like): overcast grey sky, muted and colour-cast palette, reddish pavement,
  darker vegetation, vignetting and illumination gradients, stronger sensor noise and blur.

``vegetation_layout`` chooses how roadside vegetation is placed. ``"facade"`` (the default) draws it
into the same slots as building facades, so the label layout alone does not tell the two classes
apart. ``"hedge"`` draws it as low hedges and trees along the sidewalk, below the facades' height,
as in street photographs. Output-space adaptation (AdaptSegNet) relies on such layout cues.

Labels use a documented 8-class subset of the Cityscapes label space, numbered ``0..7`` (see
:data:`SYNTHETIC_CLASSES`; ``METAINFO["cityscapes_train_ids"]`` gives each class's Cityscapes train
id), so a demo model needs only 8 outputs.

Samples depend only on ``(seed, domain, split, index)``: the train and val splits draw from
different seed streams and never share a sample, and generated splits are cached in memory per
process.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from dareg.datasets.base import BaseImageDataset
from dareg.datasets.cityscapes_labels import CITYSCAPES_CLASSES, CITYSCAPES_PALETTE
from dareg.registry import DATASETS

#: The 8 classes of the synthetic scenes, in label order (a subset of Cityscapes' 19).
SYNTHETIC_CLASSES: tuple[str, ...] = ("road", "sidewalk", "building", "pole", "vegetation", "sky", "person", "car")
ROAD, SIDEWALK, BUILDING, POLE, VEGETATION, SKY, PERSON, CAR = range(len(SYNTHETIC_CLASSES))

#: Cityscapes train id of each synthetic class.
SYNTHETIC_TO_CITYSCAPES: tuple[int, ...] = tuple(CITYSCAPES_CLASSES.index(name) for name in SYNTHETIC_CLASSES)

DOMAINS = ("source", "target")
#: How roadside vegetation is placed (see the module docstring).
VEGETATION_LAYOUTS = ("facade", "hedge")
SPLITS = ("train", "val")

# Appearance of each domain (BGR colours on the 0..255 scale). ``*_colors`` are alternatives drawn
# per instance; ``texture`` is the amplitude of the blotchy texture per class; the rest is global.
_APPEARANCE: dict[str, dict[str, Any]] = {
    "source": dict(
        sky_top=(225, 150, 80),
        sky_horizon=(250, 215, 170),
        road=(88, 88, 92),
        sidewalk=(175, 180, 185),
        building_colors=((150, 190, 225), (70, 90, 170), (200, 200, 205), (120, 160, 200), (95, 130, 150)),
        window=(60, 50, 40),
        vegetation=(40, 150, 55),
        pole=(125, 125, 125),
        car_colors=((30, 30, 210), (200, 80, 20), (20, 200, 230), (240, 240, 240), (40, 40, 40), (30, 140, 30)),
        clothes=((40, 40, 200), (200, 120, 30), (30, 30, 30), (180, 180, 40), (120, 60, 160)),
        skin=(130, 160, 215),
        lane=(235, 235, 235),
        texture=(6, 6, 10, 4, 28, 2, 6, 4),
        color_jitter=25.0,
        contrast=1.0,
        brightness=0.0,
        cast=(1.0, 1.0, 1.0),
        gradient=0.05,
        vignette=0.0,
        noise=2.0,
        blur=0.0,
    ),
    "target": dict(
        sky_top=(205, 175, 150),
        sky_horizon=(228, 220, 212),
        road=(105, 100, 98),
        sidewalk=(130, 140, 168),
        building_colors=((110, 115, 120), (85, 95, 105), (140, 140, 135), (95, 100, 120), (120, 125, 110)),
        window=(70, 75, 70),
        vegetation=(55, 95, 70),
        pole=(95, 100, 100),
        car_colors=((60, 60, 60), (180, 180, 180), (90, 60, 40), (30, 30, 30), (150, 150, 160), (60, 70, 120)),
        clothes=((60, 50, 130), (120, 90, 60), (30, 30, 35), (150, 140, 120), (90, 60, 110)),
        skin=(120, 140, 175),
        lane=(185, 185, 180),
        texture=(14, 12, 16, 6, 34, 5, 8, 6),
        color_jitter=18.0,
        contrast=0.85,
        brightness=-6.0,
        cast=(1.06, 1.0, 0.92),
        gradient=0.2,
        vignette=0.3,
        noise=6.0,
        blur=0.8,
    ),
}


class _Canvas:
    """An image and its label map, drawn together."""

    def __init__(self, height: int, width: int) -> None:
        self.height, self.width = height, width
        self.image = np.zeros((height, width, 3), dtype=np.float32)
        self.label = np.zeros((height, width), dtype=np.uint8)

    def polygon(self, points: Sequence[Sequence[float]], label: int | None, color: Sequence[float]) -> None:
        pts = np.round(np.asarray(points, dtype=np.float64)).astype(np.int32).reshape(-1, 1, 2)
        cv2.fillPoly(self.image, [pts], tuple(float(c) for c in color))
        if label is not None:
            cv2.fillPoly(self.label, [pts], int(label))

    def rectangle(self, x0: float, y0: float, x1: float, y1: float, label: int | None, color) -> None:
        self.polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], label, color)

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, label: int | None, color) -> None:
        center, axes = (round(cx), round(cy)), (max(1, round(rx)), max(1, round(ry)))
        cv2.ellipse(self.image, center, axes, 0, 0, 360, tuple(float(c) for c in color), -1)
        if label is not None:
            cv2.ellipse(self.label, center, axes, 0, 0, 360, int(label), -1)


def _jitter(rng: np.random.Generator, color: Sequence[float], amount: float) -> np.ndarray:
    return np.clip(np.asarray(color, dtype=np.float32) + rng.normal(0.0, amount, 3), 0, 255)


def _pick(rng: np.random.Generator, colors: Sequence[Sequence[float]]) -> Sequence[float]:
    return colors[int(rng.integers(len(colors)))]


def _smooth_noise(rng: np.random.Generator, height: int, width: int, cell: int) -> np.ndarray:
    """Zero-mean, unit-scale blotchy noise (bilinearly upsampled from a coarse grid)."""
    coarse = rng.standard_normal((max(2, height // cell + 2), max(2, width // cell + 2))).astype(np.float32)
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR)


def render_street_scene(
    rng: np.random.Generator,
    image_size: tuple[int, int] = (64, 128),
    domain: str = "source",
    vegetation_layout: str = "facade",
) -> tuple[np.ndarray, np.ndarray]:
    """Draw one street scene.

    Args:
        rng: The generator every random choice is drawn from (geometry first, then appearance).
        image_size: ``(height, width)``.
        domain: ``"source"`` or ``"target"``: the appearance (the geometry distribution is shared).
        vegetation_layout: ``"facade"`` (roadside vegetation in the facades' slots) or ``"hedge"``
            (low hedges and trees along the sidewalk). Both draw the same random numbers, so a scene
            differs between the two only in its roadside vegetation.

    Returns:
        A BGR ``H x W x 3`` uint8 image and an ``H x W`` uint8 label map (:data:`SYNTHETIC_CLASSES`).
    """
    if domain not in _APPEARANCE:
        raise ValueError(f"Unknown synthetic domain {domain!r}; choose one of {DOMAINS}")
    if vegetation_layout not in VEGETATION_LAYOUTS:
        raise ValueError(f"vegetation_layout must be one of {VEGETATION_LAYOUTS}, got {vegetation_layout!r}")
    look = _APPEARANCE[domain]
    height, width = int(image_size[0]), int(image_size[1])
    canvas = _Canvas(height, width)
    jit = look["color_jitter"]

    # Sky: a vertical gradient from the zenith colour to the horizon colour.
    horizon = rng.uniform(0.36, 0.52) * height
    vanish_x = rng.uniform(0.35, 0.65) * width
    ramp = np.clip(np.arange(height, dtype=np.float32) / max(horizon, 1.0), 0, 1)[:, None, None]
    top, bottom = np.asarray(look["sky_top"], np.float32), np.asarray(look["sky_horizon"], np.float32)
    canvas.image[:] = top * (1 - ramp) + bottom * ramp
    canvas.label[:] = SKY

    def ground_y(x: float, side: int, depth_at_edge: float) -> float:
        """y of a line through the vanishing point that reaches ``depth_at_edge`` at the image edge."""
        edge = 0.0 if side < 0 else float(width)
        t = (x - vanish_x) / (edge - vanish_x)
        return horizon + (depth_at_edge - horizon) * t

    # Far band at the horizon: a skyline of low buildings and tree tops.
    x = 0.0
    while x < width:
        seg = rng.uniform(0.06, 0.2) * width
        top_y = horizon - rng.uniform(0.02, 0.12) * height
        if rng.random() < 0.6:
            canvas.rectangle(
                x, top_y, x + seg, height, BUILDING, _jitter(rng, _pick(rng, look["building_colors"]), jit)
            )
        else:
            color = _jitter(rng, look["vegetation"], jit * 0.5)
            canvas.rectangle(x, horizon - 0.02 * height, x + seg, height, VEGETATION, color)
            canvas.ellipse(x + seg / 2, top_y + 0.03 * height, seg / 2, 0.05 * height, VEGETATION, color)
        x += seg

    # Facades (or rows of trees) on both sides, each side a few segments, with perspective tops.
    for side in (-1, 1):
        if rng.random() < 0.12:
            continue
        far_x = vanish_x + side * rng.uniform(0.06, 0.2) * width
        edge_x = 0.0 if side < 0 else float(width)
        cuts = np.sort(rng.uniform(0, 1, int(rng.integers(0, 3))))
        bounds = [edge_x, *(edge_x + (far_x - edge_x) * c for c in cuts), far_x]
        for x0, x1 in zip(bounds[:-1], bounds[1:]):
            top_at_edge = rng.uniform(-0.4, 0.2) * height
            bottom_at_edge = height * 1.3
            tops = [ground_y(x0, side, top_at_edge), ground_y(x1, side, top_at_edge)]
            bottoms = [ground_y(x0, side, bottom_at_edge), ground_y(x1, side, bottom_at_edge)]
            if rng.random() < 0.75:
                color = _jitter(rng, _pick(rng, look["building_colors"]), jit)
                canvas.polygon([(x0, tops[0]), (x1, tops[1]), (x1, bottoms[1]), (x0, bottoms[0])], BUILDING, color)
                # windows: image only, a perspective grid between the top and the ground lines
                window = _jitter(rng, look["window"], jit * 0.4)
                rows, cols = int(rng.integers(2, 6)), int(rng.integers(2, 6))
                for i in range(cols):
                    for j in range(rows):
                        u0, u1 = (i + 0.25) / cols, (i + 0.7) / cols
                        v0, v1 = (j + 0.2) / (rows + 1), (j + 0.6) / (rows + 1)
                        xa, xb = x0 + (x1 - x0) * u0, x0 + (x1 - x0) * u1
                        quad = []
                        for xx, vv in ((xa, v0), (xb, v0), (xb, v1), (xa, v1)):
                            yt, yb = ground_y(xx, side, top_at_edge), ground_y(xx, side, bottom_at_edge)
                            quad.append((xx, yt + (yb - yt) * vv * 0.75))
                        canvas.polygon(quad, None, window)
            else:
                color = _jitter(rng, look["vegetation"], jit * 0.5)
                if vegetation_layout == "hedge":
                    # the same draw, mapped below the horizon: a hedge whose top meets the image edge
                    # between 55% and 80% of the height (facades reach above the image top)
                    low = (0.55 + 0.25 * (top_at_edge / height + 0.4) / 0.6) * height
                    tops = [ground_y(x0, side, low), ground_y(x1, side, low)]
                    top_at_edge = low
                canvas.polygon([(x0, tops[0]), (x1, tops[1]), (x1, bottoms[1]), (x0, bottoms[0])], VEGETATION, color)
                for _ in range(3):
                    cx = rng.uniform(min(x0, x1), max(x0, x1))
                    cy = ground_y(cx, side, top_at_edge)
                    r = abs(x1 - x0) * rng.uniform(0.2, 0.5)
                    canvas.ellipse(cx, cy, r, r * 0.8, VEGETATION, color)

    # Road and sidewalks: trapezoids from the vanishing point to the bottom edge.
    road_left = rng.uniform(-0.35, 0.15) * width
    road_right = rng.uniform(0.85, 1.35) * width
    walk_left = road_left - rng.uniform(0.12, 0.4) * width
    walk_right = road_right + rng.uniform(0.12, 0.4) * width
    apex = [(vanish_x - 0.5, horizon), (vanish_x + 0.5, horizon)]
    walk_color = _jitter(rng, look["sidewalk"], jit * 0.5)
    canvas.polygon([apex[0], apex[1], (walk_right, height), (walk_left, height)], SIDEWALK, walk_color)
    road_color = _jitter(rng, look["road"], jit * 0.3)
    canvas.polygon([apex[0], apex[1], (road_right, height), (road_left, height)], ROAD, road_color)

    def on_line(bottom_x: float, depth: float) -> tuple[float, float]:
        """Point at relative depth ``depth`` (0 horizon, 1 bottom) of the line from the apex to ``bottom_x``."""
        return vanish_x + (bottom_x - vanish_x) * depth, horizon + (height - horizon) * depth

    # Dashed centre line (image only).
    centre = 0.5 * (road_left + road_right) + rng.uniform(-0.1, 0.1) * width
    for start in np.arange(0.05, 1.0, 0.2):
        (xa, ya), (xb, yb) = on_line(centre, start), on_line(centre, start + 0.09)
        wa, wb = 0.004 * width + start * 0.012 * width, 0.004 * width + (start + 0.09) * 0.012 * width
        canvas.polygon([(xa - wa, ya), (xa + wa, ya), (xb + wb, yb), (xb - wb, yb)], None, look["lane"])

    # Objects, far to near: poles and persons on the sidewalks, cars on the road.
    objects = []
    for _ in range(int(rng.integers(1, 5))):
        objects.append(("pole", rng.uniform(0.1, 1.0), int(rng.choice([-1, 1])), rng.uniform(0.2, 0.8)))
    for _ in range(int(rng.integers(0, 5))):
        objects.append(("person", rng.uniform(0.15, 1.0), int(rng.choice([-1, 1])), rng.uniform(0.15, 0.85)))
    for _ in range(int(rng.integers(0, 5))):
        objects.append(("car", rng.uniform(0.1, 0.95), 0, rng.uniform(0.1, 0.9)))
    objects.sort(key=lambda item: item[1])
    for kind, depth, side, offset in objects:
        if kind == "car":
            xl, y = on_line(road_left, depth)
            xr, _ = on_line(road_right, depth)
            cx = xl + (xr - xl) * offset
            car_w = 0.5 * width * depth * rng.uniform(0.8, 1.1)
            car_h = car_w * rng.uniform(0.45, 0.6)
            color = _jitter(rng, _pick(rng, look["car_colors"]), jit * 0.6)
            canvas.rectangle(cx - car_w / 2, y - car_h * 0.55, cx + car_w / 2, y - car_h * 0.08, CAR, color)
            cabin = [
                (cx - car_w * 0.36, y - car_h * 0.55),
                (cx - car_w * 0.26, y - car_h),
                (cx + car_w * 0.26, y - car_h),
                (cx + car_w * 0.36, y - car_h * 0.55),
            ]
            canvas.polygon(cabin, CAR, color)
            glass = [(px * 0.85 + cx * 0.15, py * 0.85 + (y - car_h * 0.55) * 0.15) for px, py in cabin]
            canvas.polygon(glass, None, look["window"])
            for wx in (cx - car_w * 0.32, cx + car_w * 0.32):
                canvas.ellipse(wx, y - car_h * 0.1, car_w * 0.1, car_h * 0.12, CAR, (25, 25, 25))
        else:
            inner, outer = (road_left, walk_left) if side < 0 else (road_right, walk_right)
            xi, y = on_line(inner, depth)
            xo, _ = on_line(outer, depth)
            cx = xi + (xo - xi) * offset
            if kind == "pole":
                pole_h = 1.4 * height * depth * rng.uniform(0.8, 1.1)
                half = max(0.5, 0.012 * width * depth)
                canvas.rectangle(cx - half, y - pole_h, cx + half, y, POLE, _jitter(rng, look["pole"], jit * 0.3))
            else:
                person_h = 0.55 * height * depth * rng.uniform(0.85, 1.1)
                body = _jitter(rng, _pick(rng, look["clothes"]), jit * 0.5)
                legs = _jitter(rng, _pick(rng, look["clothes"]), jit * 0.5)
                half = person_h * 0.13
                canvas.rectangle(cx - half, y - person_h * 0.45, cx - half * 0.1, y, PERSON, legs)
                canvas.rectangle(cx + half * 0.1, y - person_h * 0.45, cx + half, y, PERSON, legs)
                canvas.rectangle(
                    cx - half * 1.2, y - person_h * 0.82, cx + half * 1.2, y - person_h * 0.43, PERSON, body
                )
                canvas.ellipse(cx, y - person_h * 0.9, half * 0.75, person_h * 0.09, PERSON, look["skin"])

    return _finish(rng, canvas, look), canvas.label


def _finish(rng: np.random.Generator, canvas: _Canvas, look: dict) -> np.ndarray:
    """Textures, lighting, colour cast, blur and sensor noise of a domain."""
    height, width = canvas.height, canvas.width
    image = canvas.image
    amplitude = np.asarray(look["texture"], dtype=np.float32)[canvas.label]
    texture = 0.6 * _smooth_noise(rng, height, width, 3) + 0.4 * rng.standard_normal((height, width)).astype(np.float32)
    image += (amplitude * texture)[..., None]
    mean = image.mean(axis=(0, 1), keepdims=True)
    image = (image - mean) * look["contrast"] + mean + look["brightness"]
    image *= np.asarray(look["cast"], dtype=np.float32)
    if look["gradient"]:
        angle = rng.uniform(0, 2 * np.pi)
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        ramp = (np.cos(angle) * (xx / width - 0.5) + np.sin(angle) * (yy / height - 0.5)) * 2
        image *= (1 + look["gradient"] * rng.uniform(0.5, 1.0) * ramp)[..., None]
    if look["vignette"]:
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        dist = ((xx / width - 0.5) ** 2 + (yy / height - 0.5) ** 2) * 2
        image *= (1 - look["vignette"] * dist)[..., None]
    if look["blur"]:
        image = cv2.GaussianBlur(image, (0, 0), look["blur"])
    image += rng.normal(0.0, look["noise"], image.shape).astype(np.float32)
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


_CACHE: dict[tuple, list[tuple[np.ndarray, np.ndarray]]] = {}


def generate_street_scenes(
    domain: str,
    split: str,
    num_samples: int,
    image_size: tuple[int, int],
    seed: int = 0,
    vegetation_layout: str = "facade",
) -> list[tuple[np.ndarray, np.ndarray]]:
    """All ``(image, label)`` pairs of one domain and split, cached per process.

    Sample ``i`` is drawn from ``np.random.default_rng([seed, domain_id, split_id, i])``: growing
    ``num_samples`` keeps the first samples, and train and val never overlap.
    """
    if domain not in DOMAINS:
        raise ValueError(f"SyntheticStreetDataset: domain must be one of {DOMAINS}, got {domain!r}")
    if split not in SPLITS:
        raise ValueError(f"SyntheticStreetDataset: split must be one of {SPLITS}, got {split!r}")
    size = (int(image_size[0]), int(image_size[1]))
    if min(size) < 16:
        raise ValueError(f"SyntheticStreetDataset: image_size (height, width) must be at least 16, got {image_size}")
    key = (domain, split, int(num_samples), size, int(seed), vegetation_layout)
    if key not in _CACHE:
        domain_id, split_id = DOMAINS.index(domain), SPLITS.index(split)
        _CACHE[key] = [
            render_street_scene(
                np.random.default_rng([int(seed), domain_id, split_id, index]), size, domain, vegetation_layout
            )
            for index in range(int(num_samples))
        ]
    return _CACHE[key]


@DATASETS.register_module()
class SyntheticStreetDataset(BaseImageDataset):
    """Procedurally generated street scenes in two domains, for the embedded AdaptSegNet demo.

    Items carry the image in ``results["img"]`` (BGR uint8) and the label map in
    ``results["gt_seg"]`` (uint8, :data:`SYNTHETIC_CLASSES`), so the pipeline needs no loading
    step: ``[dict(type="RandomFlip"), dict(type="PackInputs")]`` for training,
    ``[dict(type="PackInputs")]`` for evaluation. See the module docstring for what differs between
    the domains.

    Args:
        domain: ``"source"`` (game-like) or ``"target"`` (real-like). Defaults to ``"source"``.
        split: ``"train"`` or ``"val"`` (disjoint). Defaults to ``"train"``.
        num_samples: Number of samples. Defaults to 200.
        image_size: ``(height, width)``. Defaults to ``(64, 128)``.
        seed: Seed of the scene generator. Defaults to 0.
        vegetation_layout: ``"facade"`` or ``"hedge"`` (see the module docstring). Defaults to
            ``"facade"``.
        pipeline: Transforms. Defaults to ``[dict(type="PackInputs")]``.
        **kwargs: Forwarded to :class:`~dareg.datasets.base.BaseImageDataset`.

    Examples:
        >>> data = SyntheticStreetDataset(domain="target", split="val", num_samples=2, image_size=(32, 64))
        >>> item = data[0]
        >>> tuple(item["inputs"].shape), tuple(item["data_samples"]["gt_seg"].shape)
        ((3, 32, 64), (32, 64))
        >>> data.metainfo["classes"][:3]
        ('road', 'sidewalk', 'building')
    """

    METAINFO = dict(
        classes=SYNTHETIC_CLASSES,
        palette=tuple(CITYSCAPES_PALETTE[i] for i in SYNTHETIC_TO_CITYSCAPES),
        cityscapes_train_ids=SYNTHETIC_TO_CITYSCAPES,
    )

    embedded_data = True

    def __init__(
        self,
        domain: str = "source",
        split: str = "train",
        num_samples: int = 200,
        image_size: Sequence[int] = (64, 128),
        seed: int = 0,
        vegetation_layout: str = "facade",
        pipeline: list | None = None,
        **kwargs: Any,
    ) -> None:
        if vegetation_layout not in VEGETATION_LAYOUTS:
            raise ValueError(
                f"SyntheticStreetDataset: vegetation_layout must be one of {VEGETATION_LAYOUTS}, "
                f"got {vegetation_layout!r}"
            )
        self.vegetation_layout = vegetation_layout
        if domain not in DOMAINS:
            raise ValueError(f"SyntheticStreetDataset: domain must be one of {DOMAINS}, got {domain!r}")
        if split not in SPLITS:
            raise ValueError(f"SyntheticStreetDataset: split must be one of {SPLITS}, got {split!r}")
        if int(num_samples) <= 0:
            raise ValueError(f"SyntheticStreetDataset: num_samples must be positive, got {num_samples}")
        self.domain, self.split = domain, split
        self.num_samples, self.seed = int(num_samples), int(seed)
        self.image_size = (int(image_size[0]), int(image_size[1]))
        kwargs.setdefault("serialize_data", False)
        super().__init__(pipeline=[dict(type="PackInputs")] if pipeline is None else pipeline, **kwargs)

    def load_data_list(self) -> list[dict]:
        samples = generate_street_scenes(
            self.domain, self.split, self.num_samples, self.image_size, self.seed, self.vegetation_layout
        )
        return [
            dict(img=image, gt_seg=label, ori_shape=image.shape[:2], img_shape=image.shape[:2], domain=self.domain)
            for image, label in samples
        ]
