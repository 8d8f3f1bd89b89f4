"""Exercise 51 — image features: the pre-trained encoder, applied in batches.

A caption decoder never looks at pixels: it reads a FEATURE VECTOR per image,
computed once, before training, by a pre-trained encoder.  The course ships one
for its scenes (a small CNN that learned what is in each cell of a 64×64 scene):

    from checker.datasets import load_caption_scenes, load_scene_encoder
    images, captions = load_caption_scenes(split="train")   # (6000, 64, 64, 1) float32
    encoder = load_scene_encoder()                          # keras.Model: (B, 64, 64, 1) -> (B, 128)

Thousands of images in one call would fill the memory (every layer's
activations for every image at once), so the images go through the encoder in
BATCHES of `batch_size`, and the results are stacked:

    images[0 : batch_size]             -> encoder -> features[0 : batch_size]
    images[batch_size : 2·batch_size]  -> encoder -> features[batch_size : 2·batch_size]
    ...
    the last batch is shorter when N is not a multiple of batch_size
    (N = 10, batch_size = 4: batches of 4, 4 and 2 images; N < batch_size: one batch)

Contract (`dlx train captioner` calls it):

    extract_features(encoder, images, batch_size) -> np.ndarray of shape (N, D), dtype float32

- `encoder` is any keras.Model taking a batch of images to a batch of vectors
  (B, D); call it as a function, `encoder(batch, training=False)` (inference
  mode: a pre-trained encoder is not trained here), and turn each result into
  numpy with np.asarray(...) or .numpy();
- the result equals ONE big call encoder(images) row for row (the batches only
  split the work), rows in the order of the images;
- each batch is one call: ceil(N / batch_size) calls in all, never one call per
  image, never one call on everything;
- the result is float32 and `images` is not modified.
"""

import numpy as np


def extract_features(encoder, images: np.ndarray, batch_size: int) -> np.ndarray:
    """The encoder's (N, D) float32 features of the N images, computed batch_size images at a time."""
    # TODO: loop start = 0, batch_size, 2·batch_size, ... < len(images); batch = images[start:start + batch_size]
    # TODO: out = encoder(batch, training=False); keep np.asarray(out) in a list
    # TODO: return np.concatenate(list, axis=0).astype(np.float32)
    raise NotImplementedError("extract_features")
