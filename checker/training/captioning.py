"""`dlx caption`: describe image files with the captioner `dlx train captioner` saved.

Each file (PNG or JPEG, any size, colour or grey) is read with Pillow, turned
grey and resized to what the shipped encoder takes, encoded with the learner's
`extract_features`, and decoded with their `beam_search` (`--beam N`, N > 1)
or `greedy_decode` (N = 1); a decoder trained with `--attention` reads the
encoder's 8×8 feature map instead of its pooled vector.  An unreadable file gets its own error; the others
are still captioned.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import numpy as np

from checker.training.captioner import CONFIG_FILE, MODEL_FILE, VOCAB_FILE, resize_for_encoder
from checker.training.learner_code import NotReady, Week6


def load_saved(folder: Path):
    """The saved decoder, vocabulary (word -> id) and run configuration."""
    import keras

    model_path = folder / MODEL_FILE
    if not model_path.is_file():
        raise NotReady(f"No trained captioner in {folder}: run `dlx train captioner` first.")
    vocab = json.loads((folder / VOCAB_FILE).read_text(encoding="utf-8"))
    config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    if config.get("attention"):
        import checker.training.attention  # noqa: F401 - registers the attention decoder's layers with Keras
    return keras.saving.load_model(model_path), {str(w): int(i) for w, i in vocab.items()}, config


def read_image(path: Path) -> np.ndarray:
    """One image file as float32 (H, W, 1) grey in [0, 1]; ValueError with a clear message if it is not one."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as picture:
            grey = picture.convert("L")
            return np.asarray(grey, np.float32)[:, :, None] / np.float32(255.0)
    except FileNotFoundError:
        raise ValueError(f"{path} does not exist.") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"{path} is not an image dlx can read (PNG or JPEG): {exc}") from None


def caption_files(code: Week6, folder: Path, paths: list[Path], beam: int) -> Iterator[dict]:
    """{"path", "caption"} or {"path", "error"} for each file, in order."""
    from checker.datasets import load_scene_encoder
    from checker.training.decoding import step_fn_for

    decoder, vocab, config = load_saved(folder)
    words = {i: w for w, i in vocab.items()}
    attention = bool(config.get("attention"))
    encoder = load_scene_encoder(output="feature_map" if attention else "features")
    size = int(encoder.input_shape[1])
    if attention:
        from checker.training.attention import positions_of, step_fn_for_attention

        step_fn = step_fn_for_attention(decoder)
    else:
        step_fn = step_fn_for(decoder)
    start, end, max_len = vocab["<start>"], vocab["<end>"], int(config.get("max_len", 16))
    for path in paths:
        try:
            image = read_image(path)
        except ValueError as exc:
            yield {"path": str(path), "error": str(exc)}
            continue
        features = np.asarray(code.call("image_features", "extract_features", encoder,
                                        resize_for_encoder(image[None], size), 1), np.float32)
        features = (positions_of(features) if attention else features)[0]
        if beam > 1:
            ids = code.call("beam_search", "beam_search", step_fn, features, start, end, beam, max_len)
        else:
            ids = code.call("greedy", "greedy_decode", step_fn, features, start, end, max_len)
        yield {"path": str(path), "caption": " ".join(words.get(int(i), "<unk>") for i in ids)}
