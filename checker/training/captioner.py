"""The captioner recipe: the learner's week-6 functions put together into a model that describes pictures.

    vocabulary (49) -> caption matrix (50) -> image features (51) with the shipped
    encoder -> decoder (52) -> masked loss (53) -> training loop (57)
    -> greedy decoding (54) / beam search (55) -> BLEU (56)

With `Config.attention` (`dlx train captioner --attention`) the decoder is the
one of `checker.training.attention` instead of exercise 52's: it attends over
the encoder's 8×8 map at every word with exercise 58's additive attention (the
learner's function is compared with it before training), and the run ends with
the attention maps of a few test scenes (`attention_maps`).

`train()` runs it on the shipped caption scenes (or on COCO-format data by
path), under a `tf.distribute` strategy, reporting progress through `emit`
(dicts the parent renders), saving a checkpoint when stopped and the finished
model where `dlx caption` finds it.  It runs in a child process of dlx (see
`checker.training.__main__`): the learner's code, on their machine; what it
reports is never a verdict.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from checker.training.learner_code import NotReady, Week6

MODEL_FILE = "decoder.keras"
VOCAB_FILE = "vocabulary.json"
CONFIG_FILE = "config.json"
REPORT_FILE = "report.json"
GALLERY_FILE = "gallery.png"
ATTENTION_FILE = "attention.png"
ATTENTION_SHOWN = 3  # test scenes whose attention maps are drawn (the first of the shown ones)
CHECKPOINTS = "checkpoints"
SHOWN = 6  # test scenes drawn in the terminal and the gallery


class Stop(Exception):
    """Raised from the progress callback when the parent asked to stop (Ctrl-C): the run saves a checkpoint."""


@dataclass
class Config:
    """One training run.  The defaults train on the shipped scenes in about three minutes on a 2-core CPU (BLEU-4 about 0.6)."""

    epochs: int = 3
    batch_size: int = 64
    embed_dim: int = 64
    hidden_dim: int = 256
    learning_rate: float = 3e-3
    min_count: int = 2
    max_len: int = 16  # tokens of a caption matrix row, START and END included
    seed: int = 0
    strategy: str = "default"
    blind: bool = False  # zero the image features: the control that shows the model looks at the images
    coco_json: str | None = None
    coco_images: str | None = None
    coco_limit: int | None = None
    image_size: int = 64
    scenes: int | None = None  # train on the first `scenes` training scenes only (a quick try of the pipeline)
    attention: bool = False  # the attention decoder over the 8×8 feature map (exercise 58) instead of exercise 52's

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Data:
    train_images: np.ndarray
    train_captions: list
    test_images: np.ndarray
    test_captions: list


def load_data(config: Config) -> Data:
    """The shipped scenes (train and test splits), or COCO-format data split 90/10 in file order."""
    from checker.datasets import load_caption_scenes, load_coco_captions

    if config.coco_json:
        images, captions = load_coco_captions(config.coco_json, config.coco_images, config.image_size,
                                              grayscale=True, limit=config.coco_limit)
        cut = max(1, int(len(images) * 0.9))
        return Data(images[:cut], captions[:cut], images[cut:], captions[cut:])
    train_images, train_captions = load_caption_scenes(split="train")
    test_images, test_captions = load_caption_scenes(split="test")
    if config.scenes:
        train_images, train_captions = train_images[:config.scenes], train_captions[:config.scenes]
    return Data(train_images, train_captions, test_images, test_captions)


def resize_for_encoder(images: np.ndarray, size: int) -> np.ndarray:
    """Images (N, H, W, C) as the encoder wants them: grey (N, size, size, 1), float32 in [0, 1]."""
    import tensorflow as tf

    images = np.asarray(images, np.float32)
    if images.shape[-1] == 3:
        images = images @ np.array([0.299, 0.587, 0.114], np.float32)[:, None]
    if images.shape[1:3] != (size, size):
        images = tf.image.resize(images, (size, size), antialias=True).numpy()
    return np.clip(images, 0.0, 1.0).astype(np.float32)


def make_strategy(name: str):
    """The tf.distribute strategy of `--strategy`: one device, every local device, or every worker of TF_CONFIG.

    Made before any other TensorFlow work (collective ops are set up at start-up).
    With DLX_LOGICAL_CPUS=N and no GPU, the CPU is split into N logical devices,
    so that the mirrored path runs with several replicas on any machine (tests).
    """
    import os

    import tensorflow as tf

    logical = int(os.environ.get("DLX_LOGICAL_CPUS", "0") or 0)
    if logical > 1 and not tf.config.list_physical_devices("GPU"):
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * logical)
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"unknown strategy {name!r}: default, mirrored or multiworker")


def worker_place() -> tuple[int, int]:
    """(this worker's index, the number of workers) in TF_CONFIG; (0, 1) without one."""
    import os

    try:
        config = json.loads(os.environ.get("TF_CONFIG", "") or "{}")
        cluster, task = config.get("cluster", {}), config.get("task", {})
        workers = len(cluster.get("worker", [])) + len(cluster.get("chief", []))
        index = int(task.get("index", 0)) + (len(cluster.get("chief", [])) if task.get("type") == "worker" else 0)
        return index, max(1, workers)
    except (ValueError, TypeError, AttributeError):
        return 0, 1


def is_chief() -> bool:
    """Whether this process saves and evaluates: the chief, or worker 0 when the cluster has no chief."""
    return worker_place()[0] == 0


# --------------------------------------------------------------------------- training


class Trainer:
    """Everything one run holds: the learner's code, the data, the vocabulary, the model, the optimizer."""

    def __init__(self, code: Week6, config: Config, folder: Path, emit: Callable[[dict], None]):
        self.code, self.config, self.folder, self.emit = code, config, Path(folder), emit
        self.folder.mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------ preparing
    def prepare(self) -> None:
        import keras

        from checker.datasets import SCENE_FEATURE_DIM, SCENE_MAP_SHAPE, load_scene_encoder

        config, code = self.config, self.code
        self.strategy = make_strategy(config.strategy)
        self.emit({"event": "strategy", "name": config.strategy, "replicas": self.strategy.num_replicas_in_sync,
                   "chief": is_chief(), "worker": worker_place()})
        keras.utils.set_random_seed(config.seed)
        self.emit({"event": "stage", "what": "loading the data"})
        self.data = load_data(config)
        flat = [caption for captions in self.data.train_captions for caption in captions]
        self.vocab = code.call("vocabulary", "build_vocabulary", flat, config.min_count)
        _check_vocabulary(self.vocab)
        self.words = {i: w for w, i in self.vocab.items()}
        if config.attention:
            self._check_attention()
        self.emit({"event": "stage", "what": "extracting image features with the shipped encoder"
                   + (" (its 8×8 feature map, for attention)" if config.attention else "")})
        encoder = load_scene_encoder(output="feature_map" if config.attention else "features")
        size = int(encoder.input_shape[1])
        train_features = code.call("image_features", "extract_features", encoder,
                                   resize_for_encoder(self.data.train_images, size), 128)
        self.test_features = code.call("image_features", "extract_features", encoder,
                                       resize_for_encoder(self.data.test_images, size), 128)
        train_features = np.asarray(train_features, np.float32)
        expected = (len(self.data.train_images), *(SCENE_MAP_SHAPE if config.attention else (SCENE_FEATURE_DIM,)))
        if train_features.shape != expected:
            raise NotReady(f"extract_features returned shape {train_features.shape}, expected "
                           f"{expected} (exercise image_features).")
        if config.attention:  # (N, 8, 8, C) -> (N, 64, C): the positions the decoder attends over
            from checker.training.attention import positions_of

            train_features, self.test_features = positions_of(train_features), positions_of(self.test_features)
        if config.blind:
            train_features = np.zeros_like(train_features)
            self.test_features = np.zeros_like(np.asarray(self.test_features, np.float32))
        rows, features = [], []
        for index, captions in enumerate(self.data.train_captions):
            for caption in captions:
                rows.append(code.call("vocabulary", "encode_caption", caption, self.vocab))
                features.append(index)
        self.captions = np.asarray(code.call("caption_matrix", "captions_to_matrix", rows, 0, config.max_len),
                                   np.int32)
        self.features = train_features[np.asarray(features)]
        self.emit({"event": "data", "scenes": len(self.data.train_images), "captions": len(self.captions),
                   "vocabulary": len(self.vocab), "test_scenes": len(self.data.test_images)})

    def build(self) -> None:
        import keras
        import tensorflow as tf

        from checker.datasets import SCENE_FEATURE_DIM

        with self.strategy.scope():
            if self.config.attention:
                from checker.datasets import SCENE_MAP_SHAPE
                from checker.training.attention import build_attention_decoder

                height, width, channels = SCENE_MAP_SHAPE
                self.decoder = build_attention_decoder(len(self.vocab), height * width, channels,
                                                       self.config.embed_dim, self.config.hidden_dim)
            else:
                self.decoder = self.code.call("decoder", "build_caption_decoder", len(self.vocab),
                                              SCENE_FEATURE_DIM, self.config.embed_dim, self.config.hidden_dim)
            self.optimizer = keras.optimizers.Adam(self.config.learning_rate)
            self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.checkpoint = tf.train.Checkpoint(decoder=self.decoder, optimizer=self.optimizer, epoch=self.epoch)
        self.manager = tf.train.CheckpointManager(self.checkpoint, str(self.folder / CHECKPOINTS), max_to_keep=2)

    # What a checkpoint's variables depend on: a checkpoint of another model is never restored into this one
    # (tf.train.Checkpoint would restore what matches and silently leave the rest).
    MODEL_KEYS = ("attention", "embed_dim", "hidden_dim", "min_count", "max_len", "coco_json", "coco_limit", "scenes")

    def _model_of_checkpoints(self) -> dict:
        return {key: getattr(self.config, key) for key in self.MODEL_KEYS} | {"vocabulary": len(self.vocab)}

    def _save_checkpoint(self) -> str:
        path = self.manager.save()
        (self.folder / CHECKPOINTS / "model.json").write_text(json.dumps(self._model_of_checkpoints()), encoding="utf-8")
        return path

    def resume(self) -> bool:
        """Restore the latest checkpoint, if there is one of this same model; True if training continues from it."""
        latest = self.manager.latest_checkpoint
        if latest is None:
            return False
        try:
            saved = json.loads((self.folder / CHECKPOINTS / "model.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = None
        if saved != self._model_of_checkpoints():
            differs = sorted(k for k in self._model_of_checkpoints() if not isinstance(saved, dict) or saved.get(k) != self._model_of_checkpoints()[k])
            self.emit({"event": "stage", "what": f"the checkpoint is of another model ({', '.join(differs) or 'unknown'} "
                                                 "differ): not resumed"})
            return False
        self.checkpoint.restore(latest)
        self.emit({"event": "resumed", "epoch": int(self.epoch.numpy()), "checkpoint": latest})
        return True

    # ------------------------------------------------------------ training
    def train(self, should_stop: Callable[[], bool]) -> list[float]:
        """Train the remaining epochs; on a stop request, save a checkpoint and raise Stop."""
        config = self.config
        rng = np.random.default_rng(config.seed + int(self.epoch.numpy()))
        n = len(self.captions)
        n_batches = -(-n // config.batch_size)
        started = time.perf_counter()
        seen = [0]
        first_epoch = int(self.epoch.numpy())

        def on_batch(epoch: int, batch: int, batches: int, loss: float) -> None:
            seen[0] += min(config.batch_size, n - batch * config.batch_size)
            elapsed = time.perf_counter() - started
            done = (epoch * n_batches + batch + 1) / (remaining * n_batches)
            self.emit({"event": "progress", "epoch": first_epoch + epoch + 1, "epochs": config.epochs,
                       "batch": batch + 1, "batches": batches, "loss": float(loss),
                       "captions_per_s": seen[0] / max(elapsed, 1e-9),
                       "seconds_left": elapsed / max(done, 1e-9) - elapsed})
            if should_stop():
                self.epoch.assign(first_epoch + epoch)
                path = self._save_checkpoint()
                self.emit({"event": "checkpoint", "path": path, "epoch": first_epoch + epoch})
                raise Stop()

        remaining = config.epochs - first_epoch
        if remaining <= 0:
            return []
        loss_fn = self.code.functions["masked_caption_loss"]
        if config.strategy == "default":
            decoder = self.decoder
            if config.attention:  # one traced graph per batch, not a Python round trip per word
                from checker.training.attention import Traced

                decoder = Traced(self.decoder)
            history = self.code.call("train_captioner", "fit_captioner", decoder, self.optimizer, loss_fn,
                                     self.features, self.captions, 0, remaining, config.batch_size, rng, on_batch)
        else:
            history = self._distributed(loss_fn, remaining, rng, on_batch)
        self.epoch.assign(config.epochs)
        self._save_checkpoint()
        return [float(h) for h in history]

    def _distributed(self, loss_fn: Callable, epochs: int, rng: np.random.Generator, on_batch: Callable) -> list:
        """The strategy's own loop: each replica runs the learner's decoder and masked loss on its share of the batch.

        The learner's `caption_train_step` returns a Python float, which a replica
        cannot, so the step is written here with the learner's pieces. Each
        replica's loss is divided by the number of replicas; the optimizer sums
        the gradients over them (and over the workers of a multi-worker cluster).
        Every worker draws the same order from the same seed and reads its shard
        of each global batch. (Keras' `fit` fails under MultiWorkerMirroredStrategy
        on this decoder: a PerReplica value reaches a layer.)
        """
        import tensorflow as tf

        config, strategy, decoder, optimizer = self.config, self.strategy, self.decoder, self.optimizer
        replicas = strategy.num_replicas_in_sync
        n = len(self.captions)
        n_batches = -(-n // config.batch_size)

        def replica_step(features, inputs, targets):
            with tf.GradientTape() as tape:
                loss = loss_fn(decoder((features, inputs), training=True), targets, 0)
                share = loss / replicas
            gradients = tape.gradient(share, decoder.trainable_variables)
            optimizer.apply_gradients(zip(gradients, decoder.trainable_variables))
            return loss

        @tf.function
        def step(batch):
            (features, inputs), targets = batch
            losses = strategy.run(replica_step, args=(features, inputs, targets))
            return strategy.reduce(tf.distribute.ReduceOp.MEAN, losses, axis=None)

        with strategy.scope():  # the optimizer's slots are made here, not inside the traced step
            optimizer.build(decoder.trainable_variables)
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
        history = []
        for epoch in range(epochs):
            order = rng.permutation(n)
            inputs = (self.features[order], self.captions[order, :-1].astype(np.int32))
            dataset = tf.data.Dataset.from_tensor_slices((inputs, self.captions[order, 1:].astype(np.int32)))
            dataset = dataset.batch(config.batch_size).with_options(options)
            losses = []
            for batch, values in enumerate(strategy.experimental_distribute_dataset(dataset)):
                losses.append(float(step(values)))
                on_batch(epoch, batch, n_batches, losses[-1])
            history.append(float(np.mean(losses)))
        return history

    # ------------------------------------------------------------ after training
    def save(self) -> Path:
        self.decoder.save(self.folder / MODEL_FILE)
        (self.folder / VOCAB_FILE).write_text(json.dumps(self.vocab, indent=0, sort_keys=True), encoding="utf-8")
        (self.folder / CONFIG_FILE).write_text(json.dumps(self.config.to_json(), indent=2), encoding="utf-8")
        return self.folder / MODEL_FILE

    def evaluate(self, reference_bleu: Callable | None) -> dict:
        """Greedy captions of every test scene; BLEU-1..4 by the learner's corpus_bleu and the reference one."""
        self.emit({"event": "stage", "what": f"captioning the {len(self.test_features)} test scenes"})
        step_fn = self.step_fn()
        start, end = self.vocab["<start>"], self.vocab["<end>"]
        tokenize = self.code.functions["tokenize"]
        hypotheses, generated = [], []
        for features in np.asarray(self.test_features, np.float32):
            ids = self.code.call("greedy", "greedy_decode", step_fn, features, start, end, self.config.max_len)
            words = [self.words.get(int(i), "<unk>") for i in ids]
            generated.append(" ".join(words))
            hypotheses.append(words)
        references = [[tokenize(c) for c in captions] for captions in self.data.test_captions]
        scores = {"learner": [], "reference": []}
        for n in (1, 2, 3, 4):
            scores["learner"].append(float(self.code.call("bleu", "corpus_bleu", references, hypotheses, n)))
            if reference_bleu is not None:
                scores["reference"].append(float(reference_bleu(references, hypotheses, n)))
        return {"bleu": scores, "generated": generated, "references": self.data.test_captions}


    def step_fn(self, record: list | None = None) -> Callable:
        """The decoder's step function for decoding (with `record`, the attention decoder's weights are kept)."""
        if self.config.attention:
            from checker.training.attention import step_fn_for_attention

            return step_fn_for_attention(self.decoder, record)
        from checker.training.decoding import step_fn_for

        return step_fn_for(self.decoder)

    def attention_maps(self, scenes: list[int]) -> list[dict]:
        """For each test scene: the words greedy decoding chose, each with its attention weights as an 8×8 grid.

        Word k is the one the k-th step emitted; its grid is where that step
        looked (row by row, as the feature map: grid[i][j] covers pixels
        8i..8i+7 down, 8j..8j+7 across).
        """
        record: list = []
        step_fn = self.step_fn(record)
        start, end = self.vocab["<start>"], self.vocab["<end>"]
        maps = []
        for scene in scenes:
            record.clear()
            ids = self.code.call("greedy", "greedy_decode", step_fn, self.test_features[scene], start, end,
                                 self.config.max_len)
            words = [self.words.get(int(i), "<unk>") for i in ids]
            side = int(round(np.sqrt(self.test_features.shape[1])))
            grids = [np.round(w.reshape(side, side), 5).tolist() for w in record[:len(words)]]
            maps.append({"scene": int(scene), "words": words[:len(grids)], "weights": grids})
        return maps

    def _check_attention(self) -> None:
        """The learner's exercise-58 `additive_attention` must agree with the layer the decoder trains with."""
        from checker.training.attention import compare_with_learner

        additive_attention = self.code.functions["additive_attention"]
        try:
            difference = compare_with_learner(additive_attention)
        except NotImplementedError:
            raise NotReady(f"`additive_attention` in {self.code.files['attention']} is not written yet (exercise "
                           "attention): finish it first, or run with --solutions.") from None
        except Exception as exc:  # noqa: BLE001 - the learner's code: say what it raised
            raise NotReady(f"`additive_attention` (exercise attention) raised {type(exc).__name__}: {exc}") from None
        if not difference < 1e-6:
            raise NotReady(f"Your `additive_attention` (exercise attention) differs from the attention the decoder "
                           f"trains with by up to {difference:.3g}: `dlx run attention` shows where.")
        self.emit({"event": "stage", "what": "your additive_attention agrees with the decoder's attention layer "
                                             f"(largest difference {difference:.1e})"})


def _check_vocabulary(vocab: Any) -> None:
    if not isinstance(vocab, dict) or any(vocab.get(t) != i for i, t in enumerate(("<pad>", "<unk>", "<start>", "<end>"))):
        raise NotReady("build_vocabulary must return a dict with <pad>=0, <unk>=1, <start>=2, <end>=3 "
                       "(exercise vocabulary).")
