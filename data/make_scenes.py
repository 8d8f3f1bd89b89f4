"""Make data/caption_scenes.npz: a small image-captioning data set of Fashion-MNIST scenes.

    python data/make_scenes.py [OUTPUT]          # default: caption_scenes.npz next to this script
    python data/make_scenes.py --measure         # also print the "guess without looking" BLEU (needs nltk)

A scene is a 64×64 greyscale canvas (black background) holding one, two or three
Fashion-MNIST items.  Each item has a class (one of the ten), a size (large: the
28×28 image as it is; small: shrunk to 14×14 by averaging 2×2 blocks), a shade
(dark or light: the item's foreground is rescaled to a mean grey of 70 or 210)
and a place (left, right, top, bottom, centre).  The layouts:

    one item     centre, left, right, top or bottom
    two items    left and right, or top and bottom
    three items  top above left and right, or left and right above bottom

Every scene has FIVE reference captions, as COCO images do.  They say the same
thing (each item's size, shade, class and place) in different word orders
("a small dark bag on the left and a big white sneaker on the right", "a large
light shoe to the right of a tiny black handbag", ...) and with synonyms; as
people favour the common word, the first of a few synonyms is said 60% of the
time.
Captions are lower case words separated by single spaces, without punctuation,
so `caption.split()` tokenises them.

Splits: train 6000, validation 500, test 500 scenes.  The subset's 10 000
training images are divided once: 9 000 feed the train scenes, the other 1 000
the validation scenes; the test scenes use only the subset's 2 000 test images.
So no item of a validation or test scene was ever seen in a train scene.

The script is deterministic (one seeded generator; the .npz is written with fixed
zip timestamps), so running it again gives the same arrays, and the same bytes
with the same zlib.  Only numpy is needed (nltk for --measure).
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a source checkout: use its checker/

from checker.datasets import FASHION_MNIST_SUBSET, load_fashion_mnist_arrays  # noqa: E402

SEED = 20261204
CANVAS = 64
SPLITS = {"train": 6000, "validation": 500, "test": 500}
VALIDATION_ITEMS = 1000  # of the subset's 10 000 training images, kept for validation scenes
MAX_ITEMS = 3
REFERENCES = 5

POSITIONS = ("left", "right", "top", "bottom", "centre")
SIZES = ("small", "large")
SHADES = ("dark", "light")
SHADE_MEAN = {"dark": 70.0, "light": 210.0}  # mean grey of an item's foreground
FOREGROUND = 40  # a pixel at least this bright belongs to the item (when measuring its shade)

# Where the centre of each item goes, per layout (x, y in pixels), and by how much it may move.
LAYOUTS = {
    "centre": {"centre": (32, 32)},
    "left": {"left": (16, 32)},
    "right": {"right": (48, 32)},
    "top": {"top": (32, 16)},
    "bottom": {"bottom": (32, 48)},
    "horizontal": {"left": (16, 32), "right": (48, 32)},
    "vertical": {"top": (32, 16), "bottom": (32, 48)},
    "apex_top": {"top": (32, 15), "left": (15, 47), "right": (49, 47)},
    "apex_bottom": {"left": (15, 17), "right": (49, 17), "bottom": (32, 49)},
}
LAYOUTS_BY_COUNT = {
    1: ("centre", "left", "right", "top", "bottom"),
    2: ("horizontal", "vertical"),
    3: ("apex_top", "apex_bottom"),
}
JITTER = {1: 3, 2: 3, 3: 2}

# ------------------------------------------------------------------ the words

NOUNS = {
    0: ("top", "tee", "short sleeved top"),
    1: ("trousers", "pants"),  # said as "a pair of ... trousers"
    2: ("pullover", "sweater", "jumper"),
    3: ("dress", "frock"),
    4: ("coat", "jacket", "overcoat"),
    5: ("sandal", "strappy sandal"),
    6: ("shirt", "blouse", "button shirt"),
    7: ("sneaker", "trainer", "shoe"),
    8: ("bag", "handbag", "purse"),
    9: ("ankle boot", "boot"),
}
PAIR_OF = {1}  # classes named as "a pair of ..."
SIZE_WORDS = {"small": ("small", "little", "tiny"), "large": ("large", "big")}
SHADE_WORDS = {"dark": ("dark", "black"), "light": ("light", "white", "bright")}
PLACE_WORDS = {
    "left": ("on the left", "at the left", "to the left"),
    "right": ("on the right", "at the right", "to the right"),
    "top": ("at the top", "near the top", "up top"),
    "bottom": ("at the bottom", "near the bottom", "down below"),
    "centre": ("in the centre", "in the middle", "at the centre"),
}

# Templates per layout: {X} is an item ("a small dark bag"), {X@} its place ("on the left"),
# {X1} the item said with "a single".  Each scene's five references use five different templates.
TEMPLATES = {
    1: (
        "{A} {A@}",
        "there is {A} {A@}",
        "{A@} there is {A}",
        "{A} is {A@}",
        "a picture of {A} {A@}",
        "{A1} {A@}",
    ),
    "horizontal": (
        "{left} {left@} and {right} {right@}",
        "{right} {right@} and {left} {left@}",
        "{left} to the left of {right}",
        "{right} to the right of {left}",
        "{left} and {right} side by side",
        "there is {left} {left@} and {right} {right@}",
        "two things with {left} {left@} and {right} {right@}",
    ),
    "vertical": (
        "{top} {top@} and {bottom} {bottom@}",
        "{bottom} {bottom@} and {top} {top@}",
        "{top} above {bottom}",
        "{bottom} below {top}",
        "{bottom} under {top}",
        "there is {top} {top@} and {bottom} {bottom@}",
        "two things with {top} {top@} and {bottom} {bottom@}",
    ),
    "apex_top": (
        "{top} {top@} with {left} {left@} and {right} {right@}",
        "{left} {left@} and {right} {right@} with {top} above them",
        "{left} and {right} below {top}",
        "{top} above {left} and {right}",
        "{left} {left@} and {right} {right@} and {top} {top@}",
        "three things with {top} {top@} and {left} and {right} below it",
    ),
    "apex_bottom": (
        "{bottom} {bottom@} with {left} {left@} and {right} {right@}",
        "{left} {left@} and {right} {right@} with {bottom} below them",
        "{left} and {right} above {bottom}",
        "{bottom} below {left} and {right}",
        "{left} {left@} and {right} {right@} and {bottom} {bottom@}",
        "three things with {bottom} {bottom@} and {left} and {right} above it",
    ),
}


COMMON_WORD = 0.6  # how often the first (commonest) of several synonyms is said; the others share the rest


def choose(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    """One of `options`, uniformly."""
    return options[int(rng.integers(len(options)))]


def say(rng: np.random.Generator, words: tuple[str, ...]) -> str:
    """One of several synonyms: the first COMMON_WORD of the time, as people favour the common word."""
    if len(words) == 1 or rng.random() < COMMON_WORD:
        return words[0]
    return words[1 + int(rng.integers(len(words) - 1))]


def item_phrase(label: int, size: str, shade: str, rng: np.random.Generator, article: str = "a") -> str:
    """"a small dark bag", "a pair of big white pants", "a single tiny black boot"."""
    adjectives = f"{say(rng, SIZE_WORDS[size])} {say(rng, SHADE_WORDS[shade])}"
    noun = say(rng, NOUNS[label])
    if label in PAIR_OF:
        return f"{article} pair of {adjectives} {noun}"
    return f"{article} {adjectives} {noun}"


def scene_captions(layout: str, items: list[dict], rng: np.random.Generator) -> list[str]:
    """The five reference captions of one scene: five different templates, synonyms drawn afresh for each."""
    templates = TEMPLATES[1] if len(items) == 1 else TEMPLATES[layout]
    chosen = rng.choice(len(templates), REFERENCES, replace=False)
    captions = []
    for t in chosen:
        fields = {}
        for item in items:
            place = item["position"]
            key = "A" if len(items) == 1 else place
            fields[key] = item_phrase(item["label"], item["size"], item["shade"], rng)
            fields[key + "1"] = item_phrase(item["label"], item["size"], item["shade"], rng, article="a single")
            fields[key + "@"] = say(rng, PLACE_WORDS[place])
        captions.append(templates[t].format(**fields))
    return captions


# ------------------------------------------------------------------ the pictures

def render_item(image: np.ndarray, size: str, shade: str) -> np.ndarray:
    """One 28×28 uint8 item, shrunk (small) and rescaled to its shade, as uint8."""
    x = image.astype(np.float64)
    if size == "small":
        x = x.reshape(14, 2, 14, 2).mean(axis=(1, 3))
    foreground = x >= FOREGROUND
    mean = x[foreground].mean() if foreground.any() else max(x.max(), 1.0)
    x = np.clip(np.rint(x * (SHADE_MEAN[shade] / mean)), 0, 255)
    return x.astype(np.uint8)


def make_split(n: int, images: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """`n` scenes whose items are drawn from `images` (uint8 (M, 28, 28)) with their `labels`."""
    by_class = [np.flatnonzero(labels == c) for c in range(10)]
    canvas = np.zeros((n, CANVAS, CANVAS, 1), dtype=np.uint8)
    layout_ids = np.zeros(n, dtype=np.int8)
    meta = {key: np.full((n, MAX_ITEMS), -1, dtype=np.int8) for key in ("labels", "positions", "sizes", "shades")}
    sources = np.full((n, MAX_ITEMS), -1, dtype=np.int32)
    boxes = np.full((n, MAX_ITEMS, 4), -1, dtype=np.int16)
    captions = []
    layout_names = list(LAYOUTS)
    for s in range(n):
        count = int(rng.integers(1, MAX_ITEMS + 1))
        layout = choose(rng, LAYOUTS_BY_COUNT[count])
        layout_ids[s] = layout_names.index(layout)
        items = []
        for k, (place, (cx, cy)) in enumerate(LAYOUTS[layout].items()):
            label = int(rng.integers(10))
            source = int(by_class[label][rng.integers(len(by_class[label]))])
            size, shade = choose(rng, SIZES), choose(rng, SHADES)
            patch = render_item(images[source], size, shade)
            side = patch.shape[0]
            jx, jy = rng.integers(-JITTER[count], JITTER[count] + 1, size=2)
            x0 = int(np.clip(cx + jx - side // 2, 0, CANVAS - side))
            y0 = int(np.clip(cy + jy - side // 2, 0, CANVAS - side))
            region = canvas[s, y0:y0 + side, x0:x0 + side, 0]
            np.maximum(region, patch, out=region)
            meta["labels"][s, k], meta["positions"][s, k] = label, POSITIONS.index(place)
            meta["sizes"][s, k], meta["shades"][s, k] = SIZES.index(size), SHADES.index(shade)
            sources[s, k] = source
            boxes[s, k] = (x0, y0, x0 + side, y0 + side)
            items.append({"label": label, "position": place, "size": size, "shade": shade})
        captions.append(scene_captions(layout, items, rng))
    width = max(len(c) for caps in captions for c in caps)
    return {
        "images": canvas,
        "captions": np.array(captions, dtype=f"<U{width}"),
        "layouts": layout_ids,
        **meta,
        "boxes": boxes,
        "sources": sources,
    }


def make_scenes(subset: dict[str, np.ndarray] | None = None, seed: int = SEED) -> dict[str, np.ndarray]:
    """Every split, as flat `{split}_{key}` arrays (the .npz layout)."""
    subset = subset if subset is not None else load_fashion_mnist_arrays(HERE / FASHION_MNIST_SUBSET)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(subset["x_train"]))
    validation, train = order[:VALIDATION_ITEMS], np.sort(order[VALIDATION_ITEMS:])
    validation = np.sort(validation)
    pools = {
        "train": (subset["x_train"][train], subset["y_train"][train], train),
        "validation": (subset["x_train"][validation], subset["y_train"][validation], validation),
        "test": (subset["x_test"], subset["y_test"], np.arange(len(subset["x_test"]))),
    }
    arrays: dict[str, np.ndarray] = {}
    for split, n in SPLITS.items():
        images, labels, index = pools[split]
        scenes = make_split(n, images, labels, rng)
        # `sources` point into the subset's own split (x_train for train and validation, x_test for test).
        scenes["sources"] = np.where(scenes["sources"] >= 0, index[np.maximum(scenes["sources"], 0)], -1).astype(np.int32)
        arrays.update({f"{split}_{key}": value for key, value in scenes.items()})
    arrays["layout_names"] = np.array(list(LAYOUTS))
    arrays["position_names"] = np.array(POSITIONS)
    return arrays


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like np.savez_compressed, but with fixed zip timestamps (reproducible bytes with the same zlib)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


# ------------------------------------------------------------------ how guessable is a caption?

def blind_bleu(arrays: dict[str, np.ndarray], seed: int = 0, candidates: int = 3000) -> dict[str, float]:
    """BLEU-4 (nltk, corpus level, five references per test scene) of captions made WITHOUT looking.

    - `constant`: the best single caption said for every test scene, searched among the
      `candidates` most frequent training captions plus as many random ones;
    - `random_train`: for each test scene, a training caption drawn at random (the caption
      distribution, no image), mean of five draws;
    and, for contrast, captions made LOOKING (knowing each test scene's items):
    - `sixth_reference`: a sixth caption of each test scene drawn from the same generator
      (a sixth annotator);
    - `canonical`: each scene's caption with the first template and the commonest words
      (what a captioner that sees everything and says the likeliest words gets).
    """
    from nltk.translate.bleu_score import corpus_bleu

    references = [[c.split() for c in caps] for caps in arrays["test_captions"].tolist()]
    train = [c for caps in arrays["train_captions"].tolist() for c in caps]
    rng = np.random.default_rng(seed)
    frequent = [c for c, _ in Counter(train).most_common(candidates)]
    pool = list(dict.fromkeys(frequent + [train[i] for i in rng.choice(len(train), candidates, replace=False)]))
    tables = _reference_tables(references)
    best = max(pool, key=lambda c: _constant_bleu(c.split(), tables))
    draws = [
        corpus_bleu(references, [train[i].split() for i in rng.choice(len(train), len(references))])
        for _ in range(5)
    ]
    sixth = sixth_references(arrays)
    canonical = [canonical_caption(layout, items) for layout, items in scene_items(arrays, "test")]
    return {
        "constant": corpus_bleu(references, [best.split()] * len(references)),
        "constant_caption": best,
        "random_train": float(np.mean(draws)),
        "sixth_reference": corpus_bleu(references, [c.split() for c in sixth]),
        "canonical": corpus_bleu(references, [c.split() for c in canonical]),
    }


def _reference_tables(references: list[list[list[str]]]) -> list[tuple[Counter, list[int]]]:
    """Per scene: each n-gram's (n = 1..4) largest count over its references, and the reference lengths."""
    tables = []
    for refs in references:
        most: Counter = Counter()
        for ref in refs:
            for g, c in Counter(tuple(ref[i:i + n]) for n in range(1, 5) for i in range(len(ref) - n + 1)).items():
                most[g] = max(most[g], c)
        tables.append((most, [len(r) for r in refs]))
    return tables


def _constant_bleu(hypothesis: list[str], tables: list[tuple[Counter, list[int]]]) -> float:
    """Corpus BLEU-4 of one caption said for every scene (the same sums as nltk's corpus_bleu, faster)."""
    h = len(hypothesis)
    grams = [Counter(tuple(hypothesis[i:i + n]) for i in range(h - n + 1)) for n in range(1, 5)]
    totals = np.array([max(h - n + 1, 0) for n in range(1, 5)], dtype=float) * len(tables)
    matches = np.zeros(4)
    ref_length = 0
    for most, lengths in tables:
        for n in range(4):
            matches[n] += sum(min(c, most[g]) for g, c in grams[n].items())
        ref_length += min((abs(length - h), length) for length in lengths)[1]
    if (matches == 0).any():
        return 0.0
    hyp_length = h * len(tables)
    brevity = 1.0 if hyp_length > ref_length else np.exp(1 - ref_length / hyp_length)
    return float(brevity * np.exp(np.mean(np.log(matches / totals))))


def scene_items(arrays: dict[str, np.ndarray], split: str) -> list[tuple[str, list[dict]]]:
    """Each scene of a split as (layout name, its items), read back from the arrays."""
    names = arrays["layout_names"].tolist()
    out = []
    for s in range(len(arrays[f"{split}_images"])):
        items = [
            {"label": int(arrays[f"{split}_labels"][s, k]), "position": POSITIONS[arrays[f"{split}_positions"][s, k]],
             "size": SIZES[arrays[f"{split}_sizes"][s, k]], "shade": SHADES[arrays[f"{split}_shades"][s, k]]}
            for k in range(MAX_ITEMS) if arrays[f"{split}_labels"][s, k] >= 0
        ]
        out.append((names[arrays[f"{split}_layouts"][s]], items))
    return out


def sixth_references(arrays: dict[str, np.ndarray], seed: int = SEED + 1) -> list[str]:
    """One more caption per test scene from the generator (a new draw of template and synonyms)."""
    rng = np.random.default_rng(seed)
    return [scene_captions(layout, items, rng)[0] for layout, items in scene_items(arrays, "test")]


def canonical_caption(layout: str, items: list[dict]) -> str:
    """The first template with the commonest words: what a captioner that sees everything would say."""
    fields = {}
    for item in items:
        key = "A" if len(items) == 1 else item["position"]
        adjectives = f"{SIZE_WORDS[item['size']][0]} {SHADE_WORDS[item['shade']][0]}"
        noun = NOUNS[item["label"]][0]
        fields[key] = f"a pair of {adjectives} {noun}" if item["label"] in PAIR_OF else f"a {adjectives} {noun}"
        fields[key + "@"] = PLACE_WORDS[item["position"]][0]
    return (TEMPLATES[1] if len(items) == 1 else TEMPLATES[layout])[0].format(**fields)


def main(argv: list[str]) -> None:
    measure = "--measure" in argv
    paths = [a for a in argv if not a.startswith("--")]
    output = Path(paths[0]) if paths else HERE / "caption_scenes.npz"
    arrays = make_scenes()
    save_npz(output, arrays)
    print(f"wrote {output} ({output.stat().st_size / 1024:.0f} KiB): "
          + ", ".join(f"{split} {n}" for split, n in SPLITS.items()))
    if measure:
        for key, value in blind_bleu(arrays).items():
            print(f"{key}: {value if isinstance(value, str) else round(value, 4)}")


if __name__ == "__main__":
    main(sys.argv[1:])
