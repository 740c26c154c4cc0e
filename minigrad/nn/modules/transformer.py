"""The Transformer (Vaswani et al. 2017) as PyTorch builds it: encoder and decoder layers,
their stacks, the full encoder-decoder model, and a sinusoidal positional encoding.

Masks follow nn.MultiheadAttention: a bool mask is True where attention is NOT allowed; a
float mask (such as ``Transformer.generate_square_subsequent_mask``) is added to the scores.
"""
from __future__ import annotations

import copy
import math

import numpy as np

from ... import creation
from ..._checks import bool_arg, errors_named, int_arg, tensor_arg
from ...tensor import Tensor
from .. import functional as F
from .. import init
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm


def _activation(activation):
    if callable(activation):
        return activation
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu or a callable, not {activation!r}")



def _causal_hint(op, name, flag, mask):
    """A layer's ``is_causal`` as PyTorch's layers take it: a hint that ``mask`` is causal, so
    never given without the mask (a RuntimeError), and a bool (the attention it reaches takes no
    other: a TypeError)."""
    if flag and mask is None:
        raise RuntimeError(f"{op}: {name}=True needs the mask it describes; make one with "
                           "Transformer.generate_square_subsequent_mask")
    return bool_arg(op, name, flag)

class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each with dropout, a residual connection and
    LayerNorm -- after the residual (``norm_first=False``, the original paper) or before the
    block (``norm_first=True``, the "pre-LN" variant that trains more stably)."""

    @errors_named("TransformerEncoderLayer")
    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)

    @errors_named("TransformerEncoderLayer")
    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = tensor_arg("TransformerEncoderLayer", "src", src)
        is_causal = _causal_hint("TransformerEncoderLayer", "is_causal", is_causal, src_mask)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoderLayer(Module):
    """Masked self-attention, attention over the encoder's output (``memory``), feed-forward;
    each with dropout, residual and LayerNorm (after, or before with ``norm_first``)."""

    @errors_named("TransformerDecoderLayer")
    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **kw)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation)

    @errors_named("TransformerDecoderLayer")
    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        x = tensor_arg("TransformerDecoderLayer", "tgt", tgt)
        tensor_arg("TransformerDecoderLayer", "memory", memory)
        tgt_is_causal = _causal_hint("TransformerDecoderLayer", "tgt_is_causal", tgt_is_causal, tgt_mask)
        memory_is_causal = _causal_hint("TransformerDecoderLayer", "memory_is_causal", memory_is_causal, memory_mask)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                need_weights=False, is_causal=is_causal)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """``num_layers`` deep copies of ``encoder_layer``, then the optional ``norm``."""

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=is_causal is not None and bool_arg("TransformerEncoder", "is_causal", is_causal))
        return self.norm(x) if self.norm is not None else x


class TransformerDecoder(Module):
    """``num_layers`` deep copies of ``decoder_layer``, then the optional ``norm``."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=tgt_is_causal is not None and bool_arg("TransformerDecoder", "tgt_is_causal",
                                                                           tgt_is_causal),
                      memory_is_causal=memory_is_causal)
        return self.norm(x) if self.norm is not None else x


class Transformer(Module):
    """Encoder-decoder Transformer with PyTorch's defaults (d_model 512, 8 heads, 6 + 6 layers,
    final LayerNorms); every weight matrix re-initialised with xavier_uniform_ (as PyTorch)."""

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
                 dropout=0.1, activation="relu", custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        layer_kw = dict(dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
                        layer_norm_eps=layer_norm_eps, batch_first=batch_first, norm_first=norm_first, bias=bias, **kw)
        for name, custom in (("custom_encoder", custom_encoder), ("custom_decoder", custom_decoder)):
            if custom is not None and not callable(custom):
                raise TypeError(f"Transformer: {name} must be a Module, got {custom!r} ({type(custom).__name__})")
        num_encoder_layers = int_arg("Transformer", "num_encoder_layers", num_encoder_layers, min=0)
        num_decoder_layers = int_arg("Transformer", "num_decoder_layers", num_decoder_layers, min=0)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(TransformerEncoderLayer(d_model, nhead, **layer_kw), num_encoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(TransformerDecoderLayer(d_model, nhead, **layer_kw), num_decoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        for name, t in (("src", src), ("tgt", tgt)):
            if tensor_arg("Transformer", name, t).ndim not in (2, 3):
                raise RuntimeError(f"Transformer: {name} must be 2-D (unbatched) or 3-D, got shape {tuple(t.shape)}")
        b = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[b] != tgt.shape[b]:
            raise RuntimeError(f"Transformer: the batch size of src {tuple(src.shape)} and tgt "
                               f"{tuple(tgt.shape)} must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"Transformer: the feature size of src {tuple(src.shape)} and tgt "
                               f"{tuple(tgt.shape)} must equal d_model={self.d_model}")
        for name, flag in (("src_is_causal", src_is_causal), ("tgt_is_causal", tgt_is_causal)):
            if flag is not None:
                bool_arg("Transformer", name, flag)
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """(sz, sz) float mask: -inf above the diagonal, 0 elsewhere (position i sees j <= i)."""
        m = np.triu(np.full((sz, sz), -np.inf, dtype=np.float32 if dtype is None else dtype), 1)
        return creation.tensor(m, device=device)


class PositionalEncoding(Module):
    """Adds the sinusoidal position signal of Vaswani et al. (2017), then dropout. **Not in
    PyTorch** (its tutorials define the same module): pe[pos, 2i] = sin(pos / 10000^(2i/d)),
    pe[pos, 2i+1] = cos(pos / 10000^(2i/d)); a buffer ``pe`` (max_len, d_model).
    Input (L, N, d_model), or (N, L, d_model) with ``batch_first``."""

    def __init__(self, d_model, dropout=0.1, max_len=5000, batch_first=False):
        super().__init__()
        d_model = int_arg("PositionalEncoding", "d_model", d_model, min=1)
        max_len = int_arg("PositionalEncoding", "max_len", max_len, min=0)
        pos = np.arange(max_len, dtype=np.float64)[:, None]
        div = np.exp(np.arange(0, d_model, 2, dtype=np.float64) * (-math.log(10000.0) / d_model))
        pe = np.zeros((max_len, d_model), dtype=np.float32)
        pe[:, 0::2] = np.sin(pos * div)
        pe[:, 1::2] = np.cos(pos * div)[:, : d_model // 2]
        self.register_buffer("pe", Tensor(pe))
        self.dropout = Dropout(dropout)
        self.batch_first = batch_first

    def forward(self, x):
        if tensor_arg("PositionalEncoding", "input", x).ndim != 3 or x.shape[-1] != self.pe.shape[1]:
            raise RuntimeError(f"PositionalEncoding: expected an input of shape "
                               f"({'N, L' if self.batch_first else 'L, N'}, {self.pe.shape[1]}), got {tuple(x.shape)}")
        L = x.shape[1] if self.batch_first else x.shape[0]
        if L > self.pe.shape[0]:
            raise RuntimeError(f"PositionalEncoding: sequence length {L} exceeds max_len={self.pe.shape[0]}")
        pe = self.pe[:L].to(x.dtype)
        pe = pe.unsqueeze(0) if self.batch_first else pe.unsqueeze(1)
        return self.dropout(x + pe)
