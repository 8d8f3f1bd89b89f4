"""Hidden checks for exercise 22 (conv_forward).

Expected values come from a formulation different from the learner's loops:
every window of the zero-padded input is gathered at once with numpy's
sliding_window_view, and one einsum contracts the windows with the kernels.
Typical mistakes (a flipped kernel, one-sided or non-zero padding, a misplaced
bias, swapped kernel axes, an output size off by one) are computed the same way
so that the message can name them.
"""

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from checker.testing import assert_array, assert_close, call_unchanged, fail, rng, type_name

FLIPPED = (
    "the kernel is flipped (w[::-1, ::-1]): that is the convolution of signal processing. Deep learning's "
    "'convolution' is a cross-correlation: w[0, 0] multiplies the top-left pixel of each window."
)
NO_BIAS = "the bias b is missing: add b (one value per output channel) to every output position."


def _oracle(x, w, b, stride=1, pad=0, widths=None, mode="constant"):
    """All windows gathered with sliding_window_view, contracted with one einsum."""
    widths = widths if widths is not None else ((pad, pad), (pad, pad))
    x_pad = np.pad(x, ((0, 0), widths[0], widths[1], (0, 0)), mode=mode)
    kh, kw = w.shape[:2]
    windows = sliding_window_view(x_pad, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]  # (N, Ho, Wo, C_in, KH, KW)
    return np.einsum("nhwkuv,uvko->nhwo", windows, w) + b


def _mistakes(x, w, b, stride, pad):
    """What the usual mistakes would return on this input, by description."""
    c_in, c_out = w.shape[2], w.shape[3]
    kh, kw = w.shape[:2]
    mistakes = {
        FLIPPED: _oracle(x, w[::-1, ::-1], b, stride, pad),
        NO_BIAS: _oracle(x, w, 0 * b, stride, pad),
        "the bias of output channel 0, b[0], was added to every channel: use b[o] for channel o.": _oracle(
            x, w, b[0], stride, pad
        ),
        "the sum of all biases was added everywhere: add b[o] to output channel o only.": _oracle(
            x, w, b.sum(), stride, pad
        ),
    }
    if c_in > 1:
        mistakes[
            f"the bias was added once per input channel ({c_in} times): add b once, after summing over the window."
        ] = _oracle(x, w, c_in * b, stride, pad)
    mistakes[
        f"the bias was added inside the sum, once per kernel entry ({kh * kw * c_in} times): add b once per output."
    ] = _oracle(x, w, kh * kw * c_in * b, stride, pad)
    if pad:
        one_side = "the padding is on one side only ({}): put `pad` zeros on BOTH sides, ((pad, pad), (pad, pad))."
        mistakes[one_side.format("after the image")] = _oracle(x, w, b, stride, widths=((0, 2 * pad), (0, 2 * pad)))
        mistakes[one_side.format("before the image")] = _oracle(x, w, b, stride, widths=((2 * pad, 0), (2 * pad, 0)))
        mistakes["the padding repeats the border pixels (mode='edge'); it must be zeros."] = _oracle(
            x, w, b, stride, pad, mode="edge"
        )
        mistakes["the padding mirrors the image (mode='reflect'); it must be zeros."] = _oracle(
            x, w, b, stride, pad, mode="reflect"
        )
    if kh == kw:
        mistakes[
            "the kernel's height and width axes are swapped: w[u, v] meets x_pad[i·stride + u, j·stride + v] "
            "(u down, v across)."
        ] = _oracle(x, w.transpose(1, 0, 2, 3), b, stride, pad)
    if c_in == c_out:
        mistakes[
            "the kernel's channel axes are swapped: w has shape (KH, KW, C_in, C_out), so w[u, v, k, o] "
            "links input channel k to output channel o."
        ] = _oracle(x, w.transpose(0, 1, 3, 2), b, stride, pad)
    if stride > 1:
        ho = (x.shape[1] + 2 * pad - kh) // stride + 1
        wo = (x.shape[2] + 2 * pad - kw) // stride + 1
        mistakes["the window starts at row i instead of i·stride (and column j instead of j·stride)."] = _oracle(
            x, w, b, 1, pad
        )[:, :ho, :wo]
    return mistakes


def _check_shape(out, x, w, stride, pad, what):
    """The output's shape, with the usual size-formula mistakes named."""
    n, h, wd, c_in = x.shape
    kh, kw, _, c_out = w.shape

    def shape(size):
        return (n, size(h, kh), size(wd, kw), c_out)

    expected = shape(lambda s, k: (s + 2 * pad - k) // stride + 1)
    if out.shape == expected:
        return
    size_mistakes = {
        "the + 1 is missing: H_out = (H + 2·pad − KH) // stride + 1 (a 3-pixel row has 2 windows of width 2).": (
            lambda s, k: (s + 2 * pad - k) // stride
        ),
        "one window too many: the last window must fit inside the padded image.": (
            lambda s, k: (s + 2 * pad - k) // stride + 2
        ),
        "the padding is on one side only: put `pad` zeros above AND below, left AND right.": (
            lambda s, k: (s + pad - k) // stride + 1
        ),
        "the padding is missing: pad the H and W axes with `pad` zeros on each side first.": (
            lambda s, k: (s - k) // stride + 1
        ),
        "the padding is counted twice: 2·pad zeros on each side.": lambda s, k: (s + 4 * pad - k) // stride + 1,
        "the stride is ignored: the window moves `stride` pixels at a time.": lambda s, k: s + 2 * pad - k + 1,
    }
    likely = ""
    wrong_axes = [axis for axis in (1, 2) if out.ndim == 4 and out.shape[axis] != expected[axis]]
    if out.ndim == 4 and out.shape[0] == n and out.shape[3] == c_out and wrong_axes:
        for text, size in size_mistakes.items():
            cand = shape(size)
            if all(cand[axis] != expected[axis] and out.shape[axis] == cand[axis] for axis in wrong_axes):
                likely = text
                break
        swapped = (n, (h + 2 * pad - kw) // stride + 1, (wd + 2 * pad - kh) // stride + 1, c_out)
        if not likely and out.shape == swapped:
            likely = "the kernel's height and width are swapped (KH = w.shape[0] goes with H, KW = w.shape[1] with W)."
    elif out.shape == expected[:3] + (c_in,):
        likely = "the output has one channel per INPUT channel: it needs one per kernel, C_out = w.shape[3]."
    elif out.shape == (n, c_out) + expected[1:3]:
        likely = "the output is NCHW; the course uses NHWC: (N, H_out, W_out, C_out)."
    fail(
        f"{what} returned `out` of shape {out.shape}, expected {expected}.\n"
        f"With H, W = {h}, {wd}, KH, KW = {kh}, {kw}, stride = {stride} and pad = {pad}: "
        "H_out = (H + 2·pad − KH) // stride + 1 and W_out = (W + 2·pad − KW) // stride + 1."
        + (f"\nLikely mistake: {likely}" if likely else "")
    )


def _forward(ex, x, w, b, stride=None, pad=None, what="conv2d_forward"):
    """Call the learner's forward (inputs guarded), check (out, cache) and the shape; return out."""
    kwargs = {k: v for k, v in (("stride", stride), ("pad", pad)) if v is not None}
    result = call_unchanged(ex.conv2d_forward, x, w, b, what="conv2d_forward", names=["x", "w", "b"], **kwargs)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        fail(
            f"{what} returned {type_name(result)}, expected a pair (out, cache).\n"
            "End with `return out, cache`, where cache holds what the backward pass needs, e.g. (x, w, b, stride, pad)."
        )
    out = assert_array(result[0], what=f"{what} (its first result, out)")
    _check_shape(out, x, w, stride or 1, pad or 0, what)
    return out


def _plane(value):
    """The 2-D picture of a one-image, one-channel result (or of each mistake's)."""
    if isinstance(value, dict):
        return {text: _plane(v) for text, v in value.items() if np.ndim(v) == 4}
    return value[0, :, :, 0]


def test_tiny_example(ex):
    """one 3×4 image, one 2×2 kernel, a bias: check it by hand"""
    image = np.arange(1.0, 13.0).reshape(3, 4)
    kernel = np.array([[1.0, 2.0], [0.0, -1.0]])
    x, w, b = image.reshape(1, 3, 4, 1), kernel.reshape(2, 2, 1, 1), np.array([0.5])
    # out[i, j] = x[i, j] + 2·x[i, j+1] − x[i+1, j+1] + 0.5
    expected = np.array([[-0.5, 1.5, 3.5], [7.5, 9.5, 11.5]])
    out = _forward(ex, x, w, b, what="conv2d_forward(x, w, b)")
    assert_close(
        _plane(out),
        expected,
        what="conv2d_forward(x, w, b), shown as out[0, :, :, 0],",
        inputs={"x[0, :, :, 0]": image, "w[:, :, 0, 0]": kernel, "b": b},
        mistakes=_plane(_mistakes(x, w, b, 1, 0)),
        hint="(N = C_in = C_out = 1, so the arrays are shown as 2-D pictures.)",
    )


def test_padding_with_a_centre_kernel(ex):
    """pad=1 with a 3×3 kernel that only keeps the centre gives the image back"""
    image = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    kernel = np.zeros((3, 3))
    kernel[1, 1] = 1.0
    x, w, b = image.reshape(1, 2, 3, 1), kernel.reshape(3, 3, 1, 1), np.zeros(1)
    out = _forward(ex, x, w, b, pad=1, what="conv2d_forward(x, w, b, pad=1)")
    one_side = (
        "the padding is on one side only ({}): pad=1 means one zero row above AND below, "
        "one zero column left AND right."
    )
    assert_close(
        _plane(out),
        image,
        what="conv2d_forward(x, w, b, pad=1), shown as out[0, :, :, 0],",
        inputs={"x[0, :, :, 0]": image, "w[:, :, 0, 0]": kernel, "b": b},
        mistakes={
            one_side.format("2 zeros after the image, none before"): _plane(_oracle(x, w, b, widths=((0, 2), (0, 2)))),
            one_side.format("2 zeros before the image, none after"): _plane(_oracle(x, w, b, widths=((2, 0), (2, 0)))),
        },
        hint="Each output pixel is the input pixel under the kernel's centre, so `out` must equal `x` here.",
    )


def test_stride_two_with_a_one_pixel_kernel(ex):
    """stride=2 with a 1×1 kernel of weight 1 picks every second pixel"""
    image = np.arange(1.0, 26.0).reshape(5, 5)
    x, w, b = image.reshape(1, 5, 5, 1), np.ones((1, 1, 1, 1)), np.zeros(1)
    out = _forward(ex, x, w, b, stride=2, what="conv2d_forward(x, w, b, stride=2)")
    assert_close(
        _plane(out),
        image[::2, ::2],
        what="conv2d_forward(x, w, b, stride=2), shown as out[0, :, :, 0],",
        inputs={"x[0, :, :, 0]": image, "w[:, :, 0, 0]": w[:, :, 0, 0], "b": b},
        mistakes={
            "the window starts at row i instead of i·stride (and column j instead of j·stride).": image[:3, :3],
        },
        hint="The windows start at rows and columns 0, 2, 4 (i·stride), so here out = x[:, ::2, ::2].",
    )


# (N, H, W, C_in, C_out, KH, KW, stride, pad): non-square images and kernels, strides 1 to 3,
# padding 0 to 2, several images and channels, a window that does not fit at the end.
CASES = [
    (2, 5, 7, 3, 4, 3, 2, 1, 0),
    (3, 6, 5, 2, 3, 3, 3, 2, 1),
    (1, 7, 8, 1, 2, 2, 3, 2, 2),
    (2, 4, 4, 3, 3, 3, 3, 1, 1),
    (2, 9, 6, 2, 5, 5, 3, 3, 2),
    (3, 1, 2, 2, 2, 3, 3, 1, 1),
]


@pytest.mark.parametrize("n, h, wd, c_in, c_out, kh, kw, stride, pad", CASES)
def test_values_for_several_shapes(ex, n, h, wd, c_in, c_out, kh, kw, stride, pad):
    """values for several batch sizes, channels, kernel sizes, strides and paddings"""
    g = rng(100 * h + 10 * wd + kh + stride + pad)
    x, w, b = g.normal(size=(n, h, wd, c_in)), g.normal(size=(kh, kw, c_in, c_out)), g.normal(size=c_out)
    what = f"conv2d_forward(x, w, b, stride={stride}, pad={pad}) with x of shape {x.shape} and w of shape {w.shape}"
    out = _forward(ex, x, w, b, stride=stride, pad=pad, what=what)
    assert_close(out, _oracle(x, w, b, stride, pad), what=what, mistakes=_mistakes(x, w, b, stride, pad))


def test_float32_images(ex):
    """float32 images (as the datasets give them) work too"""
    g = rng(7)
    x = g.random(size=(2, 6, 5, 3)).astype(np.float32)
    w, b = g.normal(size=(3, 3, 3, 2)), g.normal(size=2)
    what = "conv2d_forward(x, w, b, stride=1, pad=1) with a float32 x of shape (2, 6, 5, 3)"
    out = _forward(ex, x, w, b, stride=1, pad=1, what=what)
    assert_close(out, _oracle(x.astype(float), w, b, 1, 1), what=what, rtol=1e-5, atol=1e-6)
