"""The checker of each exercise: ``CHECKS[name](module)`` lists its cases for the learner's module.

Every expected value comes from minigrad itself -- its ops and autograd, F.*, the kernels'
NumPy references, optim, utils -- and every gradient the learner writes is also gradchecked.
Inputs are small and seeded; the drawn cases use Hypothesis (derandomized, so a check gives the
same verdict every run) and report the smallest failing input it finds.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.autograd.engine import _count_consumers
from minigrad.kernels.conv import ConvGeometry, col2im_reference, im2col_reference
from minigrad.ops.reduction import sum_to_shape as _sum_to_shape
from minigrad.utils.tbptt import truncated_bptt

from ._grading import Case, Failure, compare, drawn, first, from_arrays, in_learner_code, run_gradcheck


def _rng(seed=0):
    return np.random.default_rng(seed)


def _t(a, requires_grad=False):
    return mg.tensor(np.array(a), requires_grad=requires_grad)


def _grads(fn, arrays, g):
    """The gradients minigrad's autograd gives each of ``arrays`` for ``fn`` under upstream ``g``."""
    ts = [_t(a, True) for a in arrays]
    fn(*ts).backward(_t(g))
    return [t.grad.numpy() for t in ts]


_seeds = st.integers(0, 2**16)

# ----------------------------------------------------------------------------- broadcasting

_SUM_HINT = ("sum g over its first g.ndim - len(shape) dims, then over every dim i where "
             "shape[i] == 1 (keepdims=True), so that the result has exactly `shape`")


def _check_broadcasting(m):
    def sums(g_shape, shape, dtype=np.float64, seed=0):
        g = _rng(seed).standard_normal(g_shape).astype(dtype)
        return compare(f"sum_to_shape(g of shape {g_shape}, {shape})", m.sum_to_shape(g, shape),
                       _sum_to_shape(_t(g), shape).numpy(), _SUM_HINT)

    def backward(name, op, a_shape, b_shape, seed=0):
        rng = _rng(seed)
        a = rng.standard_normal(a_shape)
        b = rng.uniform(0.5, 2.0, b_shape) * rng.choice([-1.0, 1.0], b_shape)
        g = rng.standard_normal(np.broadcast_shapes(a_shape, b_shape))
        ga, gb = getattr(m, f"{name}_backward")(g, a, b)
        ea, eb = _grads(op, (a, b), g)
        line = ("dL/da = sum_to_shape(g * b, a.shape)" if name == "mul" else "dL/da = sum_to_shape(g / b, a.shape)",
                "dL/db = sum_to_shape(g * a, b.shape)" if name == "mul" else "dL/db = sum_to_shape(-g * a / b**2, b.shape)")
        return first(compare(f"{name}_backward: dL/da, a {a_shape}, b {b_shape}", ga, ea, line[0]),
                     compare(f"{name}_backward: dL/db, a {a_shape}, b {b_shape}", gb, eb, line[1]))

    def gradchecked(name, op, a_shape, b_shape):
        rng = _rng(1)
        a = _t(rng.standard_normal(a_shape), True)
        b = _t(rng.uniform(0.5, 2.0, b_shape), True)
        fn = from_arrays(lambda x, y: op(x, y), getattr(m, f"{name}_backward"))
        return run_gradcheck(f"{name}_backward, a {a_shape}, b {b_shape}", fn, (a, b),
                             "input 0 is a, input 1 is b; the element is where your gradient "
                             "differs from (f(x + eps) - f(x - eps)) / 2 eps")

    pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)
    mul, div = (lambda a, b: a * b), (lambda a, b: a / b)
    return [
        Case("sum_to_shape: (3, 4) -> (3, 1)", lambda: sums((3, 4), (3, 1)), _SUM_HINT),
        Case("sum_to_shape: (2, 3, 4) -> (4,)", lambda: sums((2, 3, 4), (4,)), _SUM_HINT),
        Case("sum_to_shape: (2, 3, 4) -> (1, 3, 1)", lambda: sums((2, 3, 4), (1, 3, 1)), _SUM_HINT),
        Case("sum_to_shape: (5,) -> () (a scalar)", lambda: sums((5,), ()), _SUM_HINT),
        Case("sum_to_shape: (2, 3) -> (2, 3) (nothing to sum)", lambda: sums((2, 3), (2, 3)), _SUM_HINT),
        Case("sum_to_shape keeps float32", lambda: sums((2, 3), (1, 3), np.float32), _SUM_HINT),
        Case("sum_to_shape on drawn shapes", lambda: drawn(
            st.tuples(pairs, _seeds),
            lambda ex: first(*(sums(ex[0].result_shape, s, seed=ex[1]) for s in ex[0].input_shapes))),
            _SUM_HINT, drawn=True),
        Case("mul_backward: a (3, 1), b (4,)", lambda: backward("mul", mul, (3, 1), (4,))),
        Case("div_backward: a (3, 1), b (4,)", lambda: backward("div", div, (3, 1), (4,))),
        Case("mul_backward gradcheck: a (2, 1, 3), b (4, 1)",
             lambda: gradchecked("mul", np.multiply, (2, 1, 3), (4, 1))),
        Case("div_backward gradcheck: a (3,), b (2, 1)",
             lambda: gradchecked("div", np.divide, (3,), (2, 1))),
        Case("mul_backward and div_backward on drawn shapes", lambda: drawn(
            st.tuples(pairs, _seeds),
            lambda ex: first(backward("mul", mul, *ex[0].input_shapes, seed=ex[1]),
                             backward("div", div, *ex[0].input_shapes, seed=ex[1]))), drawn=True),
    ]


# ----------------------------------------------------------------------------- softplus

def _check_softplus(m):
    hint_f = "softplus(x) = max(x, 0) + log1p(exp(-|x|)): the same value, without overflow"
    hint_b = "d/dx softplus(x) = sigmoid(x); backward returns grad * sigmoid(x), a Tensor"

    def forward(x, what):
        return compare(f"softplus({what})", m.softplus(_t(x)), F.softplus(_t(x)).numpy(), hint_f)

    def grads(x, what):
        g = _rng(3).standard_normal(np.shape(x))
        return compare(f"the gradient of softplus({what})", _grads(m.softplus, (x,), g)[0],
                       _grads(F.softplus, (x,), g)[0], hint_b)

    small = np.linspace(-5, 5, 11)
    return [
        Case("forward on -5 .. 5", lambda: forward(small, "-5 .. 5"), hint_f),
        Case("forward on -1000, 0, 1000 (no overflow)",
             lambda: forward(np.array([-1000.0, 0.0, 1000.0]), "[-1000, 0, 1000]"), hint_f),
        Case("forward keeps float32", lambda: forward(small.astype(np.float32), "float32 -5 .. 5"), hint_f),
        Case("forward of a 0-d tensor", lambda: forward(np.array(0.5), "0.5 (0-d)"), hint_f),
        Case("backward on -5 .. 5", lambda: grads(small, "-5 .. 5"), hint_b),
        Case("gradcheck on a (3, 4) input", lambda: run_gradcheck(
            "Softplus", m.softplus, (_t(_rng(4).standard_normal((3, 4)), True),), hint_b), hint_b),
        Case("forward and backward on drawn inputs", lambda: drawn(
            hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
                       elements=st.floats(-30, 30)),
            lambda x: first(forward(x, f"x of shape {x.shape}"), grads(x, f"x of shape {x.shape}"))),
            hint_b, drawn=True),
    ]


# ----------------------------------------------------------------------------- topo_order

def _graphs():
    """(description, build) of small graphs: build() returns the output Tensor."""
    def x(*shape):
        return _t(_rng(5).standard_normal(shape), True)

    def chain():
        return x(3).exp().sin().sum()

    def diamond():
        y = x(3) * 2
        return (y.exp() + y.sin()).sum()

    def square():
        y = x(3).tanh()
        return (y * y).sum()

    def two_diamonds():
        a = x(2, 3).exp()
        b = a.sum(0) * a.mean(0)
        c = b.sin()
        return (c * b + c.exp()).sum()

    return [("a chain: exp, sin, sum", chain), ("a diamond: y = 2x; sum(exp(y) + sin(y))", diamond),
            ("one producer used twice: y = tanh(x); sum(y * y)", square),
            ("two diamonds in a row", two_diamonds)]


def _random_graph(ops):
    """The output of a graph built from ``ops``, a list of (op, i, j) reading earlier values."""
    values = [_t(np.linspace(0.1, 0.5, 3), True)]
    for op, i, j in ops:
        a, b = values[i % len(values)], values[j % len(values)]
        values.append([a * b, a + b, a.sin(), a.exp() * 0.1][op])
    return sum(values[1:], values[0] * 0).sum()


def _check_topo_order(m):
    hint = ("count, for every reachable node, the edges (node, output_nr) pointing at it; start "
            "from output.grad_fn; a node becomes ready when its count drops to 0")

    def verify(out, what):
        expected = list(_count_consumers([out.grad_fn])[0])
        got = m.backward_order(out)
        if not isinstance(got, (list, tuple)):
            return Failure(f"{what}: a list of nodes", f"{what}: {type(got).__name__}", hint)
        names = [type(n).__name__ for n in got]
        if len(got) != len(set(map(id, got))):
            dup = next(n for n in names if names.count(n) > 1)
            return Failure(f"{what}: each node once", f"{what}: {dup} appears {names.count(dup)} times "
                           f"in {names}", "a node that is consumed by several others is added once, "
                           "when the last of them has run")
        if set(map(id, got)) != set(map(id, expected)):
            return Failure(f"{what}: the {len(expected)} nodes {sorted(type(n).__name__ for n in expected)}",
                           f"{what}: {len(got)} nodes {sorted(names)}",
                           "follow every edge that is a tuple (producer, output_nr); skip None and leaf Tensors")
        pos = {id(n): k for k, n in enumerate(got)}
        for n in got:
            for edge in n.inputs:
                if type(edge) is tuple and pos[id(edge[0])] < pos[id(n)]:
                    return Failure(f"{what}: {type(edge[0]).__name__} after its consumer {type(n).__name__}",
                                   f"{what}: {type(edge[0]).__name__} at position {pos[id(edge[0])]}, "
                                   f"before {type(n).__name__} at position {pos[id(n)]} (order {names})",
                                   hint)
        return None

    cases = [Case(f"graph: {what}", lambda build=build, what=what: verify(build(), what), hint)
             for what, build in _graphs()]
    ops = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 20), st.integers(0, 20)), min_size=1, max_size=12)
    cases.append(Case("graphs drawn at random", lambda: drawn(
        ops, lambda o: verify(_random_graph(o), f"the graph of {o} (op 0 mul, 1 add, 2 sin, 3 exp)")), hint, drawn=True))
    return cases


# ----------------------------------------------------------------------------- cross_entropy

def _check_cross_entropy(m):
    hint_s = "subtract each row's max before exp (no overflow), then divide by the row's sum"
    hint_l = "loss = mean over i of (logsumexp(z_i) - z[i, t_i])"
    hint_b = "dloss/dz = (softmax(z) - onehot(t)) / N: do not forget the 1/N of the mean"

    def data(N, C, seed=0, dtype=np.float64, scale=1.0):
        rng = _rng(seed)
        return (rng.standard_normal((N, C)) * scale).astype(dtype), rng.integers(0, C, N)

    def soft(z, what):
        return compare(f"softmax({what})", m.softmax(z), F.softmax(_t(z), dim=-1).numpy(), hint_s)

    def loss(z, t, what):
        return compare(f"cross_entropy({what})", m.cross_entropy(z, t),
                       F.cross_entropy(_t(z), mg.tensor(t)).numpy(), hint_l)

    def back(z, t, what):
        zt = _t(z, True)
        F.cross_entropy(zt, mg.tensor(t)).backward()
        return compare(f"cross_entropy_backward({what})", m.cross_entropy_backward(z, t), zt.grad.numpy(), hint_b)

    z, t = data(4, 5)
    big = np.array([[1000.0, 0.0, -5.0], [-1000.0, 1000.0, 3.0]])
    return [
        Case("softmax of (4, 5) logits", lambda: soft(z, "(4, 5) logits"), hint_s),
        Case("softmax of logits +-1000 (no overflow)", lambda: soft(big, "logits +-1000"), hint_s),
        Case("cross_entropy of (4, 5) logits", lambda: loss(z, t, "(4, 5) logits"), hint_l),
        Case("cross_entropy of logits +-1000", lambda: loss(big, np.array([1, 0]), "logits +-1000"), hint_l),
        Case("cross_entropy keeps float32", lambda: loss(*data(3, 4, dtype=np.float32), "float32 (3, 4)"), hint_l),
        Case("cross_entropy_backward of (4, 5) logits", lambda: back(z, t, "(4, 5) logits"), hint_b),
        Case("gradcheck of cross_entropy with your backward", lambda: run_gradcheck(
            "cross_entropy", from_arrays(lambda a: m.cross_entropy(a, t), lambda g, a: g * m.cross_entropy_backward(a, t)),
            (_t(z, True),), hint_b), hint_b),
        Case("everything on drawn batches", lambda: drawn(
            st.tuples(st.integers(1, 6), st.integers(1, 6), _seeds, st.sampled_from([1.0, 10.0])),
            lambda ex: (lambda z, t: first(soft(z, f"({ex[0]}, {ex[1]}) logits"), loss(z, t, f"({ex[0]}, {ex[1]}) logits"),
                                           back(z, t, f"({ex[0]}, {ex[1]}) logits")))(*data(ex[0], ex[1], ex[2], scale=ex[3]))),
            hint_b, drawn=True),
    ]


# ----------------------------------------------------------------------------- adam

def _check_adam(m):
    hint = ("m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t), p = p - lr * m_hat / "
            "(sqrt(v_hat) + eps); t counts from 1")

    def run(steps, shape=(4,), seed=0, **kw):
        rng = _rng(seed)
        p0 = rng.standard_normal(shape)
        grads = [rng.standard_normal(shape) for _ in range(steps)]
        param = mg.nn.Parameter(_t(p0))
        opt = mg.optim.Adam([param], **kw)
        p, mm, v = p0.copy(), np.zeros(shape), np.zeros(shape)
        for t, g in enumerate(grads, 1):
            before = (p.copy(), g.copy())
            p, mm, v = m.adam_step(p, g, mm, v, t, **kw)
            param.grad = _t(g)
            opt.step()
            failure = compare(f"p after step {t} of {steps} ({kw or 'the defaults'})", p, param.detach().numpy(),
                              hint + ("; weight_decay: g = g + weight_decay * p first" if kw.get("weight_decay") else ""))
            if failure is None and not (np.array_equal(before[0], p0 if t == 1 else before[0])):
                failure = Failure("the arguments unchanged", "adam_step modified p in place", "return new arrays")
            if failure:
                return failure
        return None

    def untouched():
        p, g, z = np.ones(3), np.ones(3), np.zeros(3)
        m.adam_step(p, g, z, z.copy(), 1)
        return None if np.array_equal(p, np.ones(3)) and np.array_equal(z, np.zeros(3)) else Failure(
            "p and m unchanged by adam_step", f"p {p}, m {z} after the call",
            "write p = p - ... (a new array), not p -= ...")

    return [
        Case("one step with the defaults", lambda: run(1), hint),
        Case("five steps, lr 0.1", lambda: run(5, lr=0.1), hint),
        Case("ten steps, betas (0.5, 0.9), eps 1e-3", lambda: run(10, lr=0.01, betas=(0.5, 0.9), eps=1e-3), hint),
        Case("three steps with weight_decay 0.1", lambda: run(3, lr=0.1, weight_decay=0.1), hint),
        Case("the arguments are not modified", untouched, hint),
        Case("drawn settings", lambda: drawn(
            st.tuples(st.integers(1, 8), _seeds, st.floats(1e-4, 1.0), st.floats(0.0, 0.99), st.floats(0.5, 0.999)),
            lambda ex: run(ex[0], (3,), ex[1], lr=ex[2], betas=(ex[3], ex[4]))), hint, drawn=True),
    ]


# ----------------------------------------------------------------------------- conv2d

def _geometry(k, stride, padding):
    return ConvGeometry(k[0], k[1], stride, stride, padding, padding, 1, 1, 1, padding, padding)


def _ref_im2col(x, kh, kw, stride, padding):
    """minigrad's im2col (rows (c, i, j), columns (n, oh, ow)) as (N, C*kh*kw, OH*OW)."""
    N, C = x.shape[:2]
    geom = _geometry((kh, kw), stride, padding)
    OH, OW = geom.out_hw(x.shape[2:])
    cols = im2col_reference(x, geom, OH, OW, np.empty((C * kh * kw, N * OH * OW), x.dtype))
    return cols.reshape(C * kh * kw, N, OH * OW).transpose(1, 0, 2)


_GEOMS = [((1, 1, 5, 5), (1, 1, 3, 3), 1, 0), ((2, 3, 6, 5), (4, 3, 3, 2), 1, 1),
          ((1, 2, 7, 7), (3, 2, 3, 3), 2, 1), ((2, 1, 4, 6), (2, 1, 2, 2), 2, 0),
          ((1, 2, 5, 5), (2, 2, 5, 5), 1, 2)]

_conv_geoms = st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3),
                        st.integers(1, 3), st.integers(1, 3), st.integers(0, 2), st.integers(0, 2),
                        st.integers(0, 6), _seeds).map(
    lambda g: ((g[0], g[1], g[3] + g[8], g[4] + g[8]), (g[2], g[1], g[3], g[4]), g[5], g[6], g[9]))


def _conv_inputs(x_shape, w_shape, seed=0, dtype=np.float64):
    rng = _rng(seed)
    return (rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype),
            rng.standard_normal(w_shape[0]).astype(dtype))


def _check_conv2d(m):
    hint_o = "OH = (H + 2 * padding - kh) // stride + 1: the last window starts at (OH - 1) * stride"
    hint_c = ("cols[n, (c, i, j), (oh, ow)] = x_padded[n, c, oh*stride + i, ow*stride + j], "
              "rows with c slowest and j fastest, columns with ow fastest")
    hint_y = "y[n] = w.reshape(O, C*kh*kw) @ im2col(x)[n] + b[:, None], reshaped to (O, OH, OW)"

    def sizes():
        for H, k, s, p in [(5, 3, 1, 0), (5, 3, 2, 1), (7, 2, 2, 0), (6, 3, 2, 0), (4, 4, 1, 0), (3, 5, 1, 1)]:
            failure = compare(f"out_size(H={H}, k={k}, stride={s}, padding={p})", m.out_size(H, k, s, p),
                              _geometry((k, k), s, p).out_hw((H, H))[0], hint_o, dtype=False)
            if failure:
                return failure
        return None

    def cols(x_shape, w_shape, s, p, seed=0, dtype=np.float64):
        x, w, _ = _conv_inputs(x_shape, w_shape, seed, dtype)
        what = f"im2col(x {x_shape}, kh={w_shape[2]}, kw={w_shape[3]}, stride={s}, padding={p})"
        return compare(what, m.im2col(x, w_shape[2], w_shape[3], s, p), _ref_im2col(x, w_shape[2], w_shape[3], s, p), hint_c)

    def conv(x_shape, w_shape, s, p, seed=0, dtype=np.float64):
        x, w, b = _conv_inputs(x_shape, w_shape, seed, dtype)
        what = f"conv2d(x {x_shape}, w {w_shape}, stride={s}, padding={p})"
        return compare(what, m.conv2d(x, w, b, s, p), F.conv2d(_t(x), _t(w), _t(b), s, p).numpy(), hint_y,
                       rtol=1e-5 if dtype == np.float32 else 1e-6, atol=1e-5 if dtype == np.float32 else 1e-8)

    cases = [Case("out_size", sizes, hint_o)]
    cases += [Case(f"im2col: x {g[0]}, kernel {g[1][2:]}, stride {g[2]}, padding {g[3]}",
                   lambda g=g: cols(*g), hint_c) for g in _GEOMS]
    cases += [Case(f"conv2d: x {g[0]}, w {g[1]}, stride {g[2]}, padding {g[3]}",
                   lambda g=g: conv(*g), hint_y) for g in _GEOMS]
    cases += [Case("conv2d keeps float32", lambda: conv(*_GEOMS[1], dtype=np.float32), hint_y),
              Case("im2col and conv2d on drawn shapes", lambda: drawn(
                  _conv_geoms, lambda g: first(cols(*g), conv(*g))), hint_y, drawn=True)]
    return cases


def _check_conv2d_backward(m):
    hint_c = ("col2im adds each column back into its window (+=: windows overlap), then drops the "
              "padding: x_grad = padded[:, :, p:p+H, p:p+W]")
    hint_b = ("dL/dw = sum_n gy2[n] @ cols[n]^T, dL/dcols = w2^T @ gy2[n] then col2im, "
              "dL/db = gy summed over n, oh, ow")

    def c2i(x_shape, w_shape, s, p, seed=0):
        N, C, H, W = x_shape
        kh, kw = w_shape[2:]
        geom = _geometry((kh, kw), s, p)
        OH, OW = geom.out_hw((H, W))
        cols = _rng(seed).standard_normal((N, C * kh * kw, OH * OW))
        expected = col2im_reference(np.ascontiguousarray(cols.transpose(1, 0, 2)).reshape(C * kh * kw, N * OH * OW),
                                    geom, OH, OW, np.empty(x_shape))
        return compare(f"col2im(cols for x {x_shape}, kernel {(kh, kw)}, stride {s}, padding {p})",
                       m.col2im(cols, x_shape, kh, kw, s, p), expected, hint_c)

    def back(x_shape, w_shape, s, p, seed=0):
        x, w, b = _conv_inputs(x_shape, w_shape, seed)
        gy = _rng(seed + 1).standard_normal(F.conv2d(_t(x), _t(w), _t(b), s, p).shape)
        got = m.conv2d_backward(gy, x, w, s, p)
        expected = _grads(lambda x_, w_, b_: F.conv2d(x_, w_, b_, s, p), (x, w, b), gy)
        what = f"x {x_shape}, w {w_shape}, stride {s}, padding {p}"
        if not isinstance(got, tuple) or len(got) != 3:
            return Failure("(dL/dx, dL/dw, dL/db)", f"{type(got).__name__} {got!r:.60}", hint_b)
        return first(*(compare(f"{name} ({what})", g, e, hint_b)
                       for name, g, e in zip(("dL/dx", "dL/dw", "dL/db"), got, expected)))

    def gradchecked(x_shape, w_shape, s, p):
        x, w, b = _conv_inputs(x_shape, w_shape, 2)
        fn = from_arrays(lambda x_, w_, b_: F.conv2d(_t(x_), _t(w_), _t(b_), s, p).numpy(),
                         lambda g, x_, w_, b_: m.conv2d_backward(g, x_, w_, s, p))
        return run_gradcheck(f"conv2d_backward (x {x_shape}, w {w_shape}, stride {s}, padding {p})", fn,
                             tuple(_t(a, True) for a in (x, w, b)), "input 0 is x, 1 is w, 2 is b; " + hint_b)

    cases = [Case(f"col2im: x {g[0]}, kernel {g[1][2:]}, stride {g[2]}, padding {g[3]}",
                  lambda g=g: c2i(*g), hint_c) for g in _GEOMS]
    cases += [Case(f"conv2d_backward: x {g[0]}, w {g[1]}, stride {g[2]}, padding {g[3]}",
                   lambda g=g: back(*g), hint_b) for g in _GEOMS]
    cases += [Case("gradcheck: x (1, 2, 4, 4), w (2, 2, 3, 3), stride 1, padding 1",
                   lambda: gradchecked((1, 2, 4, 4), (2, 2, 3, 3), 1, 1), hint_b),
              Case("col2im and conv2d_backward on drawn shapes", lambda: drawn(
                  _conv_geoms, lambda g: first(c2i(*g), back(*g)), examples=15), hint_b, drawn=True)]
    return cases


# ----------------------------------------------------------------------------- max_pool

def _check_max_pool(m):
    hint_f = ("y = the max of each k x k window (stride apart); idx = h * W + w of that maximum in "
              "its (H, W) plane, the first one on a tie")
    hint_b = ("only the maximum of each window gets its gradient; overlapping windows can pick the "
              "same element, so add (np.add.at), do not assign")

    def distinct(shape, seed=0, dtype=np.float64):
        return (_rng(seed).permutation(int(np.prod(shape))).reshape(shape) / 7.0).astype(dtype)

    def fwd(x, k, s, what):
        y, idx = F.max_pool2d(_t(x), k, s, return_indices=True)
        got = m.max_pool2d(x, k, s)
        if not isinstance(got, tuple) or len(got) != 2:
            return Failure("(y, idx)", f"{type(got).__name__}", hint_f)
        return first(compare(f"y of {what}", got[0], y.numpy(), hint_f),
                     compare(f"idx of {what}", got[1], idx.numpy(), hint_f))

    def back(x, k, s, what):
        gy = _rng(9).standard_normal(F.max_pool2d(_t(x), k, s).shape)
        _, idx = F.max_pool2d(_t(x), k, s, return_indices=True)
        expected = _grads(lambda t: F.max_pool2d(t, k, s), (x,), gy)[0]
        return compare(f"max_pool2d_backward for {what}", m.max_pool2d_backward(gy, idx.numpy(), x.shape),
                       expected, hint_b)

    shapes = [((1, 1, 4, 4), 2, 2), ((2, 3, 5, 6), 2, 2), ((1, 2, 5, 5), 3, 1), ((2, 1, 7, 5), 3, 2)]
    cases = []
    for shape, k, s in shapes:
        what = f"x {shape}, kernel {k}, stride {s}"
        cases.append(Case(f"forward: {what}", lambda shape=shape, k=k, s=s, what=what: fwd(distinct(shape), k, s, what), hint_f))
    cases.append(Case("forward on ties (all zeros): the first maximum",
                      lambda: fwd(np.zeros((1, 1, 4, 4)), 2, 2, "zeros (1, 1, 4, 4), kernel 2, stride 2"), hint_f))
    cases.append(Case("forward keeps float32", lambda: fwd(distinct((1, 2, 4, 4), dtype=np.float32), 2, 2,
                                                           "float32 x (1, 2, 4, 4)"), hint_f))
    for shape, k, s in shapes:
        what = f"x {shape}, kernel {k}, stride {s}"
        cases.append(Case(f"backward: {what}" + (" (windows overlap)" if s < k else ""),
                          lambda shape=shape, k=k, s=s, what=what: back(distinct(shape), k, s, what), hint_b))

    def gradchecked():
        x = distinct((1, 2, 5, 5), 3)
        fn = from_arrays(lambda a: m.max_pool2d(a, 3, 1)[0], lambda g, a: m.max_pool2d_backward(g, m.max_pool2d(a, 3, 1)[1], a.shape))
        return run_gradcheck("max_pool2d, x (1, 2, 5, 5), kernel 3, stride 1", fn, (_t(x, True),), hint_b)

    cases.append(Case("gradcheck: x (1, 2, 5, 5), kernel 3, stride 1", gradchecked, hint_b))
    geoms = st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 3), st.integers(1, 3),
                      st.integers(0, 4), st.integers(0, 4), _seeds)
    cases.append(Case("forward and backward on drawn shapes", lambda: drawn(
        geoms, lambda g: (lambda x, what: first(fwd(x, g[2], g[3], what), back(x, g[2], g[3], what)))(
            distinct((g[0], g[1], g[2] + g[4], g[2] + g[5]), g[6]),
            f"x {(g[0], g[1], g[2] + g[4], g[2] + g[5])}, kernel {g[2]}, stride {g[3]}")), hint_b, drawn=True))
    return cases


# ----------------------------------------------------------------------------- lstm_cell

_LSTM_NAMES = ("dx", "dh_prev", "dc_prev", "dw_ih", "dw_hh", "db_ih", "db_hh")


def _check_lstm_cell(m):
    hint_f = ("gates = x w_ih^T + b_ih + h w_hh^T + b_hh, in the order i, f, g, o; c' = f*c + i*g; "
              "h' = o * tanh(c')")
    hint_b = ("dc = dc_in + dh * o * (1 - tanh(c')^2) -- both paths into c'; then di, df, dg, do "
              "with the derivative of each gate's non-linearity")

    def data(N, I, H, seed=0, dtype=np.float64):
        rng = _rng(seed)
        shapes = [(N, I), (N, H), (N, H), (4 * H, I), (4 * H, H), (4 * H,), (4 * H,)]
        return [(rng.standard_normal(s) * 0.7).astype(dtype) for s in shapes]

    def expected_step(arrays):
        x, h, c, *w = (_t(a) for a in arrays)
        h2, c2 = F.lstm_cell(x, (h, c), *w)
        return h2.numpy(), c2.numpy()

    def fwd(arrays, what):
        h2, c2, _ = m.lstm_cell(*arrays)
        eh, ec = expected_step(arrays)
        return first(compare(f"h' ({what})", h2, eh, hint_f), compare(f"c' ({what})", c2, ec, hint_f))

    def back(arrays, what, seed=0):
        rng = _rng(seed + 7)
        N, H = arrays[1].shape
        dh, dc = rng.standard_normal((N, H)), rng.standard_normal((N, H))
        ts = [_t(a, True) for a in arrays]
        h2, c2 = F.lstm_cell(ts[0], (ts[1], ts[2]), *ts[3:])
        ((h2 * _t(dh)).sum() + (c2 * _t(dc)).sum()).backward()
        got = m.lstm_cell_backward(dh, dc, m.lstm_cell(*arrays)[2])
        if not isinstance(got, tuple) or len(got) != 7:
            return Failure(f"the 7 gradients {_LSTM_NAMES}", f"{type(got).__name__} {got!r:.60}", hint_b)
        return first(*(compare(f"{name} ({what})", g, t.grad.numpy(), hint_b)
                       for name, g, t in zip(_LSTM_NAMES, got, ts)))

    def gradchecked(output):
        arrays = data(2, 3, 2, 4)

        def forward(*a):
            return m.lstm_cell(*a)[output]

        def backward(g, *a):
            z = np.zeros_like(g)
            return m.lstm_cell_backward(*((g, z) if output == 0 else (z, g)), m.lstm_cell(*a)[2])

        return run_gradcheck(f"lstm_cell's {'h' if output == 0 else 'c'}'", from_arrays(forward, backward),
                             tuple(_t(a, True) for a in arrays),
                             "inputs 0..6 are x, h, c, w_ih, w_hh, b_ih, b_hh; " + hint_b)

    return [
        Case("forward: N 3, input 4, hidden 2", lambda: fwd(data(3, 4, 2), "N 3, input 4, hidden 2"), hint_f),
        Case("forward keeps float32", lambda: fwd(data(2, 3, 3, dtype=np.float32), "float32"), hint_f),
        Case("backward: N 3, input 4, hidden 2", lambda: back(data(3, 4, 2), "N 3, input 4, hidden 2"), hint_b),
        Case("gradcheck of h' (dc_in = 0)", lambda: gradchecked(0), hint_b),
        Case("gradcheck of c' (dh = 0)", lambda: gradchecked(1), hint_b),
        Case("forward and backward on drawn sizes", lambda: drawn(
            st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), _seeds),
            lambda ex: (lambda a, what: first(fwd(a, what), back(a, what, ex[3])))(
                data(*ex), f"N {ex[0]}, input {ex[1]}, hidden {ex[2]}")), hint_b, drawn=True),
    ]


# ----------------------------------------------------------------------------- tbptt

def reference_windows(T, k1, k2):
    """[(begin, t, end)] of minigrad's truncated_bptt on T steps, recorded from its calls."""
    w = mg.zeros(1, requires_grad=True)
    windows, segments = [], []

    def step_fn(model, x, state):
        segments.append((int(x[0, 0].item()), int(x[-1, 0].item()) + 1))
        return x * w, state

    def loss_fn(outputs, targets):
        t0, end = int(targets[0, 0].item()), int(targets[-1, 0].item()) + 1
        windows.append((segments[0][0], t0, end))
        segments.clear()
        return (outputs * 0).sum()

    steps = mg.arange(T, dtype=mg.float64).reshape(T, 1)
    truncated_bptt(None, steps, steps, step_fn, loss_fn, k1, k2)
    return windows


_TBPTT_HINT = "updates start at t = 0, k1, 2 k1, ...; end = min(t + k1, T); begin = max(0, t - (k2 - k1))"
_TBPTT_SWAPPED = ("k1 and k2 swapped: k1 is the stride (a new update every k1 steps), k2 >= k1 how far "
                  "back each update's gradient reaches; call tbptt_windows(T, k1, k2) in that order")
_TBPTT_DETACH = ("the hidden state was not detached at the window start: gradients flow past k2 steps; "
                 "start each window from h_begin.detach()")
_TBPTT_PARAMS = ("w_ih", "w_hh", "b_ih", "b_hh")


def _windows_hint(got, expected, T, k1, k2):
    """The hint for windows ``got`` that differ from ``expected``: the mistake they show, if known."""
    if k1 != k2 and len(got) == len(range(0, T, k2)) != len(expected):
        return _TBPTT_SWAPPED
    if len(got) == len(expected) and all(len(w) == 3 for w in got):
        shifts = {g[0] - e[0] for g, e in zip(got, expected) if g[1:] == e[1:] and g != e}
        if shifts == {-1}:
            return "the window is one step too long: it holds the last k2 steps; " + _TBPTT_HINT
        if shifts == {1}:
            return "the window is one step too short: it holds the last k2 steps; " + _TBPTT_HINT
    return _TBPTT_HINT


def _rnn_step(params, x, h):
    return F.rnn_cell(x, h, *params)


def _squared_error(h, y):
    return ((h - y) ** 2).sum()


def _stream(T, N=2, I=3, H=2, seed=0):
    """(params, xs, ys, h0) of a small float64 Elman RNN on a stream of T steps."""
    rng = _rng(seed)
    params = [_t(rng.standard_normal(s) * 0.6, True) for s in [(H, I), (H, H), (H,), (H,)]]
    return (params, _t(rng.standard_normal((T, N, I))), _t(rng.standard_normal((T, N, H))),
            _t(rng.standard_normal((N, H)) * 0.5))


def reference_tbptt_gradients(params, xs, ys, h0, k1, k2):
    """[(gradient of each param) of every update] of minigrad's truncated_bptt on the stream."""
    grads = []

    def step_fn(params, chunk, h):
        outputs = []
        for i in range(chunk.shape[0]):
            h = _rnn_step(params, chunk[i], h)
            outputs.append(h)
        return mg.stack(outputs), h

    def loss_fn(outputs, targets):
        loss = _squared_error(outputs[0], targets[0])
        for i in range(1, outputs.shape[0]):
            loss = loss + _squared_error(outputs[i], targets[i])
        return loss

    def on_update():
        grads.append(tuple(p.grad.numpy().copy() for p in params))
        for p in params:
            p.grad = None

    truncated_bptt(params, xs, ys, step_fn, loss_fn, k1, k2, state=h0, on_update=on_update)
    return grads


def _window_gradients(params, xs, ys, h0, windows, first_loss):
    """[(gradient of each param) of every update] when the update (begin, t, end) runs the steps
    begin .. end - 1 from the detached state of step begin and counts the losses of the steps
    first_loss(begin, t) .. end - 1: how the checker recognises a mistake."""
    grads = []
    for begin, t, end in windows:
        with mg.no_grad():
            h = h0
            for s in range(begin):
                h = _rnn_step(params, xs[s], h)
        h, loss = h.detach(), None
        for s in range(begin, end):
            h = _rnn_step(params, xs[s], h)
            if s >= first_loss(begin, t):
                loss = _squared_error(h, ys[s]) if loss is None else loss + _squared_error(h, ys[s])
        grads.append(tuple(g.numpy() for g in mg.autograd.grad(loss, params)) if loss is not None
                     else tuple(np.zeros(p.shape) for p in params))
    return grads


# (what the mistake is, the window it uses instead of (begin, t, end), the first step whose loss it counts)
_TBPTT_MISTAKES = [
    (_TBPTT_DETACH, lambda b, t, e: (0, t, e), lambda b, t: t),
    ("the gradient stops at t: the window also holds the k2 - k1 steps before the new ones, "
     "begin = max(0, t - (k2 - k1))", lambda b, t, e: (t, t, e), lambda b, t: t),
    ("the window is one step too long: it holds the last k2 steps, begin = max(0, t - (k2 - k1))",
     lambda b, t, e: (max(0, b - 1), t, e), lambda b, t: t),
    ("the window is one step too short: it holds the last k2 steps, begin = max(0, t - (k2 - k1))",
     lambda b, t, e: (min(t, b + 1), t, e), lambda b, t: t),
    ("the losses of the window's older steps were counted too: count only the new steps t .. end - 1",
     lambda b, t, e: (b, t, e), lambda b, t: b),
    ("the loss of step t was not counted: the new steps are t .. end - 1 (s >= t)",
     lambda b, t, e: (b, t, e), lambda b, t: t + 1),
]


def _array(g):
    return g.detach().numpy() if isinstance(g, mg.Tensor) else np.asarray(g)


def _same_gradients(got, expected):
    return len(got) == len(expected) and all(
        len(g) == len(e) and all(_array(a).shape == b.shape and np.allclose(_array(a), b) for a, b in zip(g, e))
        for g, e in zip(got, expected))


def _check_tbptt(m):
    hint_g = ("every k1 steps, run the window begin .. end - 1 from the DETACHED state of step begin, sum "
              "the losses of the new steps t .. end - 1 only, and take the gradient of that sum")

    def windows(T, k1, k2):
        got = m.tbptt_windows(T, k1, k2)
        expected = reference_windows(T, k1, k2)
        got = [tuple(int(v) for v in w) for w in got] if isinstance(got, (list, tuple)) else got
        if got == expected:
            return None
        what = f"tbptt_windows(T={T}, k1={k1}, k2={k2})"
        if not isinstance(got, list) or len(got) != len(expected):
            return Failure(f"{what}: {len(expected)} windows {expected}", f"{what}: {got!r:.200}",
                           _windows_hint(got, expected, T, k1, k2) if isinstance(got, list) else _TBPTT_HINT)
        k = next(i for i, (a, b) in enumerate(zip(got, expected)) if a != b)
        return Failure(f"{what}, update {k}: (begin, t, end) = {expected[k]}", f"{what}, update {k}: {got[k]}",
                       _windows_hint(got, expected, T, k1, k2))

    def learners(stream, k1, k2, what, n):
        """The learner's gradients, or the Failure of an error whose cause is known."""
        params, xs, ys, h0 = stream
        try:
            return m.tbptt_gradients(_rnn_step, _squared_error, params, xs, ys, h0, k1, k2)
        except NotImplementedError:
            raise
        except Exception as e:  # two mistakes show as errors: say which
            text = str(e)
            hint = (_TBPTT_DETACH + " (backward went on into the graph of an earlier update, already freed)"
                    if "retain_graph" in text else _TBPTT_SWAPPED if "k1 <= k2" in text else None)
            if hint is None:
                raise
            return Failure(f"{what}: the gradients of {n} update{'s' * (n != 1)}", in_learner_code(e, m.__file__), hint)

    def verify(got, expected, stream, T, k1, k2, what):
        """The first difference between the learner's gradients and ``expected``, with the hint of
        the mistake that gives the learner's numbers, when the checker knows it."""
        shape = f"a list of {len(expected)} updates, each the {len(_TBPTT_PARAMS)} gradients of {_TBPTT_PARAMS}"
        if not isinstance(got, (list, tuple)) or not all(
                isinstance(g, (list, tuple)) and len(g) == len(_TBPTT_PARAMS) for g in got):
            return Failure(f"{what}: {shape}", f"{what}: {got!r:.160}", hint_g)
        if len(got) != len(expected):
            hint = _TBPTT_SWAPPED if k1 != k2 and len(got) == len(range(0, T, k2)) else \
                "one update every k1 steps, at t = 0, k1, 2 k1, ... (the last one may have fewer new steps)"
            return Failure(f"{what}: {len(expected)} updates (one every k1 = {k1} steps)",
                           f"{what}: {len(got)} updates", hint)
        wins = reference_windows(T, k1, k2)
        for u, (g_u, e_u, (b, t, e)) in enumerate(zip(got, expected, wins)):
            for name, g, want in zip(_TBPTT_PARAMS, g_u, e_u):
                failure = compare(f"{what}, update {u} (window {b} .. {e - 1}, new steps {t} .. {e - 1}): "
                                  f"the gradient of {name}", g, want, hint_g)
                if failure is not None:
                    known = next((h for h, window, first_loss in _TBPTT_MISTAKES if _same_gradients(
                        got, _window_gradients(*stream, [window(*w) for w in wins], first_loss))), hint_g)
                    return failure._replace(hint=known)
        return None

    def gradients(T, k1, k2, N=2, I=3, H=2, seed=0):
        stream = _stream(T, N, I, H, seed)
        what = f"tbptt_gradients(T={T}, k1={k1}, k2={k2})"
        expected = reference_tbptt_gradients(*stream, k1, k2)
        got = learners(stream, k1, k2, what, len(expected))
        return got if isinstance(got, Failure) else verify(got, expected, stream, T, k1, k2, what)

    def full_bptt(T, seed=1):
        stream = params, xs, ys, h0 = _stream(T, seed=seed)
        h, loss = h0, 0
        for s in range(T):
            h = _rnn_step(params, xs[s], h)
            loss = loss + _squared_error(h, ys[s])
        expected = [tuple(g.numpy() for g in mg.autograd.grad(loss, params))]
        what = f"tbptt_gradients(T={T}, k1={T}, k2={T}) (full BPTT)"
        got = learners(stream, T, T, what, 1)
        return got if isinstance(got, Failure) else verify(got, expected, stream, T, T, T, what)

    cases = [Case(f"windows: T {T}, k1 {k1}, k2 {k2}" + (" (plain truncation)" if k1 == k2 else ""),
                  lambda T=T, k1=k1, k2=k2: windows(T, k1, k2), _TBPTT_HINT)
             for T, k1, k2 in [(10, 3, 3), (10, 3, 5), (7, 2, 6), (5, 5, 5), (1, 1, 1), (12, 4, 4), (9, 1, 3)]]
    cases += [Case(f"gradients: T {T}, k1 {k1}, k2 {k2}" + (" (plain truncation)" if k1 == k2 else ""),
                   lambda T=T, k1=k1, k2=k2: gradients(T, k1, k2), hint_g)
              for T, k1, k2 in [(6, 2, 2), (7, 2, 4), (5, 1, 3), (6, 4, 5)]]
    cases.append(Case("gradients: k1 = k2 = T = 5 is full BPTT", lambda: full_bptt(5), hint_g))
    cases.append(Case("drawn T, k1, k2", lambda: drawn(
        st.tuples(st.integers(1, 30), st.integers(1, 8), st.integers(0, 8)),
        lambda ex: windows(ex[0], ex[1], ex[1] + ex[2])), _TBPTT_HINT, drawn=True))
    cases.append(Case("gradients on drawn T, k1, k2 and sizes", lambda: drawn(
        st.tuples(st.integers(1, 8), st.integers(1, 4), st.integers(0, 4), st.integers(1, 2), st.integers(1, 3),
                  st.integers(1, 3), _seeds),
        lambda ex: gradients(ex[0], ex[1], ex[1] + ex[2], *ex[3:])), hint_g, drawn=True))
    return cases


# ----------------------------------------------------------------------------- attention

def _check_attention(m):
    hint = ("scores = q @ k.transpose(-2, -1) / sqrt(E); causal: -inf where j > i (triu(1)); "
            "softmax over the last dim (the keys), then @ v")

    def qkv(shape_q, S, Ev, seed=0, dtype=np.float64):
        rng = _rng(seed)
        q = rng.standard_normal(shape_q).astype(dtype)
        k = rng.standard_normal(shape_q[:-2] + (S, shape_q[-1])).astype(dtype)
        v = rng.standard_normal(shape_q[:-2] + (S, Ev)).astype(dtype)
        return q, k, v

    def values(arrays, causal, what):
        got = m.attention(*(_t(a) for a in arrays), is_causal=causal)
        expected = F.scaled_dot_product_attention(*(_t(a) for a in arrays), is_causal=causal).numpy()
        return compare(f"attention({what}{', causal' if causal else ''})", got, expected, hint,
                       rtol=1e-5 if arrays[0].dtype == np.float32 else 1e-6, atol=1e-6 if arrays[0].dtype == np.float32 else 1e-8)

    def grads(arrays, causal, what):
        g = _rng(11).standard_normal(arrays[0].shape[:-1] + (arrays[2].shape[-1],))
        got = _grads(lambda *t: m.attention(*t, is_causal=causal), arrays, g)
        expected = _grads(lambda *t: F.scaled_dot_product_attention(*t, is_causal=causal), arrays, g)
        return first(*(compare(f"the gradient of {n} ({what}{', causal' if causal else ''})", a, b, hint)
                       for n, a, b in zip("qkv", got, expected)))

    cases = []
    for shape_q, S, Ev in [((3, 4), 5, 2), ((2, 4, 3), 4, 3), ((2, 2, 3, 6), 5, 4)]:
        what = f"q {shape_q}, k/v with {S} keys, Ev {Ev}"
        for causal in (False, True):
            cases.append(Case(f"values: {what}" + (", causal" if causal else ""),
                              lambda a=qkv(shape_q, S, Ev), c=causal, w=what: values(a, c, w), hint))
        cases.append(Case(f"gradients: {what}, causal",
                          lambda a=qkv(shape_q, S, Ev), w=what: grads(a, True, w), hint))
    cases.append(Case("float32", lambda: values(qkv((4, 3), 4, 2, dtype=np.float32), True, "float32"), hint))
    cases.append(Case("gradcheck, causal, q (2, 3, 4), 3 keys", lambda: run_gradcheck(
        "attention", lambda q, k, v: m.attention(q, k, v, is_causal=True),
        tuple(_t(a, True) for a in qkv((2, 3, 4), 3, 2, 5)), "inputs 0, 1, 2 are q, k, v; " + hint), hint))
    cases.append(Case("drawn shapes, with and without the causal mask", lambda: drawn(
        st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 4), st.integers(1, 3), st.booleans(), _seeds),
        lambda ex: (lambda a, what: first(values(a, ex[4], what), grads(a, ex[4], what)))(
            qkv((ex[0], ex[2]), ex[1], ex[3], ex[5]), f"L {ex[0]}, S {ex[1]}, E {ex[2]}, Ev {ex[3]}")), hint, drawn=True))
    return cases


# ----------------------------------------------------------------------------- vae_elbo

def _check_vae_elbo(m):
    from lessons.vae import reparameterise
    hint_z = "z = mu + exp(logvar / 2) * eps: sigma is exp(logvar / 2), not exp(logvar)"
    hint_kl = "KL = 1/2 * sum over the latent dim of (mu^2 + exp(logvar) - 1 - logvar), one per example"
    hint_e = "-ELBO = mean over the batch of (sum_j BCE-with-logits(logits_j, x_j) + KL)"

    def data(N, D, P=5, seed=0):
        rng = _rng(seed)
        return (rng.standard_normal((N, D)), rng.standard_normal((N, D)) * 0.5, rng.standard_normal((N, D)),
                rng.standard_normal((N, P)), rng.uniform(0, 1, (N, P)))

    def kl_ref(mu, logvar):
        """KL(N(mu, sigma^2) || N(0, 1)) per dim, summed: the textbook closed form, in NumPy."""
        var = np.exp(logvar)
        return (np.log(1 / np.sqrt(var)) + (var + mu * mu) / 2 - 0.5).sum(axis=1)

    def check_z(d, what):
        mu, logvar, eps = d[:3]
        return compare(f"reparameterise ({what})", m.reparameterise(_t(mu), _t(logvar), _t(eps)),
                       reparameterise(_t(mu), _t(logvar), _t(eps)).numpy(), hint_z)

    def check_kl(d, what):
        return compare(f"gaussian_kl ({what})", m.gaussian_kl(_t(d[0]), _t(d[1])), kl_ref(d[0], d[1]), hint_kl)

    def check_elbo(d, what):
        mu, logvar, _, logits, x = d
        rec = F.binary_cross_entropy_with_logits(_t(logits), _t(x), reduction="none").sum(dim=1).numpy()
        return compare(f"negative_elbo ({what})", m.negative_elbo(_t(logits), _t(x), _t(mu), _t(logvar)),
                       (rec + kl_ref(mu, logvar)).mean(), hint_e)

    d = data(4, 3)
    return [
        Case("reparameterise: N 4, latent 3", lambda: check_z(d, "N 4, latent 3"), hint_z),
        Case("gaussian_kl: N 4, latent 3", lambda: check_kl(d, "N 4, latent 3"), hint_kl),
        Case("gaussian_kl is 0 at mu = 0, logvar = 0", lambda: compare(
            "gaussian_kl(0, 0)", m.gaussian_kl(mg.zeros(2, 3, dtype=mg.float64), mg.zeros(2, 3, dtype=mg.float64)),
            np.zeros(2), hint_kl), hint_kl),
        Case("negative_elbo: N 4, latent 3, 5 pixels", lambda: check_elbo(d, "N 4, latent 3"), hint_e),
        Case("gradcheck of reparameterise in mu and logvar", lambda: run_gradcheck(
            "reparameterise", lambda mu, lv: m.reparameterise(mu, lv, _t(d[2])),
            (_t(d[0], True), _t(d[1], True)), "input 0 is mu, 1 is logvar; " + hint_z), hint_z),
        Case("gradcheck of negative_elbo in logits, mu and logvar", lambda: run_gradcheck(
            "negative_elbo", lambda lg, mu, lv: m.negative_elbo(lg, _t(d[4]), mu, lv),
            (_t(d[3], True), _t(d[0], True), _t(d[1], True)), "inputs 0, 1, 2 are logits, mu, logvar; " + hint_e), hint_e),
        Case("drawn sizes", lambda: drawn(
            st.tuples(st.integers(1, 5), st.integers(1, 4), st.integers(1, 6), _seeds),
            lambda ex: (lambda d, what: first(check_z(d, what), check_kl(d, what), check_elbo(d, what)))(
                data(*ex), f"N {ex[0]}, latent {ex[1]}, {ex[2]} pixels")), hint_e, drawn=True),
    ]


# ----------------------------------------------------------------------------- dqn_target

def _check_dqn_target(m):
    hint = ("Double DQN: a* = argmax of q_next_online, valued by q_next_target; plain: the max of "
            "q_next_target; target = r + gamma * (1 - terminated) * that value")

    def data(N, A, seed=0, dtype=np.float64):
        rng = _rng(seed)
        return (rng.standard_normal(N).astype(dtype), (rng.uniform(size=N) < 0.3).astype(dtype),
                rng.standard_normal((N, A)).astype(dtype), rng.standard_normal((N, A)).astype(dtype))

    def expected(r, done, q_online, q_target, gamma, double):
        """The target as lessons/dqn.py's td_loss computes it, in minigrad ops."""
        q_target_t = _t(q_target)
        chooser = _t(q_online) if double else q_target_t
        best = q_target_t.gather(1, chooser.argmax(1)[:, None])[:, 0]
        return (_t(r) + gamma * (1.0 - _t(done)) * best).numpy()

    def target(d, gamma, double, what):
        return compare(f"dqn_target({what}, gamma={gamma}, double={double})",
                       m.dqn_target(*d, gamma=gamma, double=double), expected(*d, gamma, double), hint)

    d = data(6, 3)
    ended = (np.array([1.0, -2.0]), np.array([1.0, 1.0]), np.ones((2, 3)), np.full((2, 3), 5.0))
    return [
        Case("Double DQN, 6 transitions, 3 actions", lambda: target(d, 0.99, True, "N 6, A 3"), hint),
        Case("plain DQN, 6 transitions, 3 actions", lambda: target(d, 0.9, False, "N 6, A 3"), hint),
        Case("terminated transitions: the target is the reward", lambda: target(ended, 0.99, True, "all terminated"), hint),
        Case("float32", lambda: target(data(4, 2, dtype=np.float32), 0.99, True, "float32"), hint),
        Case("drawn batches", lambda: drawn(
            st.tuples(st.integers(1, 8), st.integers(1, 5), _seeds, st.floats(0, 1), st.booleans()),
            lambda ex: target(data(ex[0], ex[1], ex[2]), ex[3], ex[4], f"N {ex[0]}, A {ex[1]}")), hint, drawn=True),
    ]


CHECKS = {"broadcasting": _check_broadcasting, "softplus": _check_softplus, "topo_order": _check_topo_order,
          "cross_entropy": _check_cross_entropy, "adam": _check_adam, "conv2d": _check_conv2d,
          "conv2d_backward": _check_conv2d_backward, "max_pool": _check_max_pool,
          "lstm_cell": _check_lstm_cell, "tbptt": _check_tbptt, "attention": _check_attention,
          "vae_elbo": _check_vae_elbo, "dqn_target": _check_dqn_target}
