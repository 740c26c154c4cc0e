"""F.scaled_dot_product_attention and F.multi_head_attention_forward.

``scaled_dot_product_attention`` checks PyTorch's arguments and runs the attention family of
``minigrad.kernels.attention``: its fused Function, or its composite (Tensor ops) where the fused
kernel cannot serve (dropout, a mask that needs a gradient, ``kernels.use('composite')``).

``multi_head_attention_forward`` is the computation of ``nn.MultiheadAttention``: project
query/key/value, split the embedding into ``num_heads`` heads, attend in every head at once,
concatenate the heads, project out. Masks follow nn.MultiheadAttention's convention
(PyTorch's): a bool ``attn_mask`` / ``key_padding_mask`` is True where attention is NOT
allowed (the opposite of ``F.scaled_dot_product_attention``); float masks are added to the
scores. Without ``need_weights`` the heads go through the fused attention kernel; with it,
the (N, H, L, S) weights are materialised and returned (as PyTorch).
"""
from __future__ import annotations

import math

import numpy as np

from ... import ops
from ..._checks import bool_arg, int_arg, number_arg, tensor_arg
from ...autograd import grad_mode
from ...backend import array_module
from ...kernels.attention import attention_composite, fused_attention
from ...tensor import Tensor
from .layers import dropout, linear


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                                 scale=None, enable_gqa=False, *, generator=None):
    """softmax(query key^T * scale + mask) value, as ``torch.nn.functional.scaled_dot_product_attention``.

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev); batch dims broadcast.
    ``attn_mask`` broadcastable to (..., L, S): bool with **True = may attend** (PyTorch's SDPA
    convention; the opposite of ``nn.MultiheadAttention``'s), or a float mask added to the
    scores. ``is_causal``: query i sees keys j <= i, aligned top-left when L != S (as PyTorch).
    ``scale`` defaults to 1/sqrt(E).

    The fused kernel runs unless one of these routes to the composite: ``dropout_p > 0``, a
    float ``attn_mask`` that requires grad (the fused kernel computes no mask gradient), or
    ``minigrad.kernels.use('composite')``. Higher-order gradients differentiate the composite.
    As PyTorch 2.13, a query row that may attend no key gives 0 (and passes no gradient), and
    a NaN anywhere in a row's scores (also under its mask) makes its output NaN; ``attn_mask``
    and ``is_causal`` together raise. ``enable_gqa``: grouped-query attention, key and value
    (..., Hkv, S, E) with Hq a multiple of Hkv; each key/value head serves Hq / Hkv consecutive
    query heads (``repeat_interleave`` over dim -3, so its gradient sums over each group).
    """
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor) or t.ndim < 2:
            raise RuntimeError(f"scaled_dot_product_attention: {name} must be a Tensor with at least "
                               f"2 dims (..., seq, features), got {getattr(t, 'shape', type(t))}")
    op = "scaled_dot_product_attention"
    is_causal, enable_gqa = bool_arg(op, "is_causal", is_causal), bool_arg(op, "enable_gqa", enable_gqa)
    scale = None if scale is None else number_arg(op, "scale", scale)
    qs, ks, vs = tuple(query.shape), tuple(key.shape), tuple(value.shape)
    if not (query.dtype == key.dtype == value.dtype) or query.dtype.kind != "f":
        raise RuntimeError(f"scaled_dot_product_attention: query, key and value must have the same floating "
                           f"dtype, got {query.dtype}, {key.dtype} and {value.dtype}")
    if attn_mask is not None and is_causal:
        raise RuntimeError("scaled_dot_product_attention: attn_mask must not be given with is_causal=True "
                           "(as PyTorch); fold the causal mask into attn_mask instead")
    if enable_gqa and len(qs) >= 3 and len(ks) >= 3 and qs[-3] != ks[-3]:
        hq, hk = qs[-3], ks[-3]
        if hk == 0 or hq % hk or vs[-3] != hk:
            raise RuntimeError(f"scaled_dot_product_attention: enable_gqa needs the query's heads ({hq}) to "
                               f"be a multiple of the key's ({hk}) and value's ({vs[-3]}), which agree")
        key, value = key.repeat_interleave(hq // hk, dim=-3), value.repeat_interleave(hq // hk, dim=-3)
        ks, vs = tuple(key.shape), tuple(value.shape)
    if qs[-1] != ks[-1]:
        raise RuntimeError(f"scaled_dot_product_attention: query {qs} and key {ks} must have the same "
                           f"last dim (E), got {qs[-1]} and {ks[-1]}")
    if ks[-2] != vs[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: key {ks} and value {vs} must have the same "
                           f"sequence length S, got {ks[-2]} and {vs[-2]}")
    try:
        batch = tuple(np.broadcast_shapes(qs[:-2], ks[:-2], vs[:-2]))
    except ValueError:
        raise RuntimeError(f"scaled_dot_product_attention: batch dims of query {qs}, key {ks} and "
                           f"value {vs} do not broadcast") from None
    dropout_p = number_arg("scaled_dot_product_attention", "dropout_p", dropout_p)
    if dropout_p > 1.0:
        raise RuntimeError(f"scaled_dot_product_attention: dropout probability has to be between 0 and 1, "
                           f"got dropout_p={dropout_p}")
    dropout_p = max(dropout_p, 0.0)                     # PyTorch drops only when it is positive
    full = batch + (qs[-2], ks[-2])
    if attn_mask is not None:
        ms = tuple(attn_mask.shape)
        try:
            ok = tuple(np.broadcast_shapes(ms, full)) == full
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(f"scaled_dot_product_attention: attn_mask of shape {ms} does not broadcast "
                               f"to the attention shape {full} (batch..., L, S)")
        if attn_mask.dtype.kind not in "bf":
            raise RuntimeError(f"scaled_dot_product_attention: attn_mask must be bool or float, got "
                               f"{attn_mask.dtype}")
    scale = 1.0 / math.sqrt(qs[-1]) if scale is None else float(scale)
    mask_t = attn_mask if attn_mask is None or isinstance(attn_mask, Tensor) else Tensor(attn_mask)
    if dropout_p > 0.0 or (mask_t is not None and mask_t.requires_grad and grad_mode.is_grad_enabled()):
        return attention_composite(query, key, value, mask_t, dropout_p, is_causal, scale, generator)
    return fused_attention(query, key, value, None if mask_t is None else mask_t.data, is_causal, scale)


def _check_mask(name, mask, allowed, op="multi_head_attention_forward"):
    if mask is not None and tuple(mask.shape) not in allowed:
        raise RuntimeError(f"{op}: {name} of shape {tuple(mask.shape)} does not fit; expected one of "
                           f"{', '.join(str(a) for a in allowed)}")


def _as_additive(mask, dtype):
    """A bool 'masked out' mask -> 0 / -inf floats; a float mask as it is."""
    if mask.dtype.kind == "b":
        xp = array_module(mask.data)
        return Tensor(xp.where(mask.data, xp.asarray(-np.inf, dtype=dtype), xp.asarray(0.0, dtype=dtype)))
    return mask.to(dtype) if mask.dtype != dtype else mask


def merge_masks(attn_mask, key_padding_mask, N, H, L, S, dtype):
    """One mask for F.scaled_dot_product_attention (True = may attend, or additive floats),
    broadcastable to (N, H, L, S); None if there is none."""
    parts = []
    if attn_mask is not None:
        parts.append(attn_mask.reshape(1, 1, L, S) if attn_mask.ndim == 2 else attn_mask.reshape(N, H, L, S))
    if key_padding_mask is not None:
        parts.append(key_padding_mask.reshape(N, 1, 1, S))
    if not parts:
        return None
    if all(p.dtype.kind == "b" for p in parts):            # stay bool: may attend = not masked out
        allowed = ~parts[0]
        for p in parts[1:]:
            allowed = allowed & ~p
        return allowed
    out = _as_additive(parts[0], dtype)
    for p in parts[1:]:
        out = out + _as_additive(p, dtype)
    return out


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
                                 in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight,
                                 out_proj_bias, training=True, key_padding_mask=None, need_weights=True,
                                 attn_mask=None, use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None, static_v=None,
                                 average_attn_weights=True, is_causal=False):
    """PyTorch's signature; inputs are (L, N, E) / (S, N, kdim) / (S, N, vdim), or unbatched
    (L, E). ``bias_k``/``bias_v``/``static_k``/``static_v`` must be None and ``add_zero_attn``
    False (not implemented: they raise). ``is_causal`` is a hint that ``attn_mask`` is causal, as
    in PyTorch: it needs the mask (without one, a RuntimeError). Returns (output (L, N, E), weights (N, L, S) averaged over heads,
    (N, H, L, S) if not ``average_attn_weights``, or None if not ``need_weights``)."""
    op = "multi_head_attention_forward"
    for name, t in (("query", query), ("key", key), ("value", value)):
        tensor_arg(op, name, t)
    for name, t in (("key_padding_mask", key_padding_mask), ("attn_mask", attn_mask)):
        if t is not None:
            tensor_arg(op, name, t)
    if bias_k is not None or bias_v is not None or add_zero_attn or static_k is not None or static_v is not None:
        raise NotImplementedError(f"{op}: bias_k/bias_v, add_zero_attn and static_k/static_v are not "
                                  "implemented in minigrad")
    batched = query.ndim == 3
    if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
        raise RuntimeError(f"{op}: query, key, value must all be 3-D (seq, batch, feature) or all 2-D "
                           f"(seq, feature), got {tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}")
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    L, N, E = query.shape
    S = key.shape[0]
    if E != embed_dim_to_check:
        raise RuntimeError(f"{op}: query has {E} features, the module expects embed_dim={embed_dim_to_check}")
    if key.shape[:2] != value.shape[:2]:
        raise RuntimeError(f"{op}: key {tuple(key.shape)} and value {tuple(value.shape)} must have the "
                           "same sequence length and batch size")
    if key.shape[1] != N:
        raise RuntimeError(f"{op}: query {tuple(query.shape)} and key {tuple(key.shape)} differ in batch size")
    if is_causal and attn_mask is None:
        raise RuntimeError(f"{op}: is_causal=True needs attn_mask, the mask it describes; make one with "
                           "Transformer.generate_square_subsequent_mask")
    H = int_arg(op, "num_heads", num_heads, min=1)
    if E % H:
        raise RuntimeError(f"{op}: embed_dim {E} must be divisible by num_heads {H}")
    hd = E // H
    _check_mask("attn_mask", attn_mask, [(L, S), (N * H, L, S)], op)
    _check_mask("key_padding_mask", key_padding_mask, [(N, S)], op)

    if not use_separate_proj_weight:
        q_proj_weight, k_proj_weight, v_proj_weight = ops.chunk(in_proj_weight, 3, 0)
    bq = bk = bv = None
    if in_proj_bias is not None:
        bq, bk, bv = ops.chunk(in_proj_bias, 3, 0)
    for name, w, x in (("key", k_proj_weight, key), ("value", v_proj_weight, value)):
        if w.shape[1] != x.shape[-1]:
            raise RuntimeError(f"{op}: {name} has {x.shape[-1]} features, the module expects {w.shape[1]}")
    # (seq, N, E) -> (N, H, seq, head_dim)
    q = linear(query, q_proj_weight, bq).reshape(L, N, H, hd).permute(1, 2, 0, 3)
    k = linear(key, k_proj_weight, bk).reshape(S, N, H, hd).permute(1, 2, 0, 3)
    v = linear(value, v_proj_weight, bv).reshape(S, N, H, hd).permute(1, 2, 0, 3)

    # is_causal is a hint that attn_mask is causal: the kernel's causal path stands in for the mask
    causal_flag = bool(is_causal) and key_padding_mask is None and not need_weights
    mask = None if causal_flag else merge_masks(attn_mask, key_padding_mask, N, H, L, S, q.dtype)
    p = dropout_p if training else 0.0
    weights = None
    if need_weights:        # materialise the weights: softmax(q k^T / sqrt(hd) + mask)
        scores = (q @ k.mT) * (1.0 / math.sqrt(hd))
        if causal_flag:
            mask = Tensor(array_module(q.data).asarray(np.tril(np.ones((L, S), dtype=bool))))
        if mask is not None:
            scores = ops.masked_fill(scores, ~mask, float("-inf")) if mask.dtype.kind == "b" else scores + mask
        weights = ops.softmax(scores, -1)
        if p > 0:           # as PyTorch: the returned weights are the dropped-out ones
            weights = dropout(weights, p, training=True)
        out = weights @ v
        if average_attn_weights:
            weights = weights.mean(1)
        if not batched:
            weights = weights.squeeze(0)
    else:
        out = scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p, is_causal=causal_flag)
    out = out.permute(2, 0, 1, 3).reshape(L, N, E)          # concatenate the heads
    out = linear(out, out_proj_weight, out_proj_bias)
    if not batched:
        out = out.squeeze(1)
    return out, weights


__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]
