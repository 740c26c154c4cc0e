"""MultiheadAttention and the Transformer layers: PyTorch agrees with identical weights (eval
mode), tiny layers pass gradcheck, PyTorch's parameter names and inits, errors name values."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.autograd import gradcheck

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"), pytest.mark.filterwarnings("ignore::UserWarning")]


def _copy_from_torch(ours, theirs):
    """Copy every parameter by name (the names must be PyTorch's); both in float64."""
    sd = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    names = dict(ours.named_parameters())
    assert set(names) == set(sd), (sorted(names), sorted(sd))
    for name, p in names.items():
        p.data = np.array(sd[name], dtype=np.float64)


def _t(torch, a):
    return None if a is None else torch.tensor(a)


def _close(a, b, tol=1e-9):
    np.testing.assert_allclose(a.detach().data if hasattr(a, "detach") and hasattr(a, "data") else a,
                               b.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("kdim", [None, 3])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_multihead_attention_matches_pytorch(batch_first, kdim, need_weights, average):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    E, H, L, S, N = 6, 2, 4, 5, 3
    kd = E if kdim is None else kdim
    theirs = torch.nn.MultiheadAttention(E, H, kdim=kdim, vdim=kdim, batch_first=batch_first).double().eval()
    ours = nn.MultiheadAttention(E, H, kdim=kdim, vdim=kdim, batch_first=batch_first, dtype=mg.float64).eval()
    _copy_from_torch(ours, theirs)
    qshape, kshape = ((N, L, E), (N, S, kd)) if batch_first else ((L, N, E), (S, N, kd))
    q, k, v = rng.standard_normal(qshape), rng.standard_normal(kshape), rng.standard_normal(kshape)
    kpm = rng.random((N, S)) > 0.7
    kpm[:, 0] = False
    attn_mask = rng.standard_normal((L, S))
    args = dict(key_padding_mask=kpm, need_weights=need_weights, attn_mask=attn_mask, average_attn_weights=average)
    ins = [mg.tensor(a, requires_grad=True) for a in (q, k, v)]
    tins = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    out, w = ours(*ins, **{a: (mg.tensor(b) if isinstance(b, np.ndarray) else b) for a, b in args.items()})
    tout, tw = theirs(*tins, **{a: (_t(torch, b) if isinstance(b, np.ndarray) else b) for a, b in args.items()})
    _close(out, tout)
    if need_weights:
        _close(w, tw)
    else:
        assert w is None and tw is None
    g = rng.standard_normal(out.shape)
    out.backward(mg.tensor(g))
    tout.backward(torch.tensor(g))
    for a, b in zip(ins, tins):
        _close(a.grad, b.grad)
    for name, p in ours.named_parameters():
        _close(p.grad, dict(theirs.named_parameters())[name].grad)


def test_multihead_attention_bool_attn_mask_and_unbatched_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    theirs = torch.nn.MultiheadAttention(4, 2).double().eval()
    ours = nn.MultiheadAttention(4, 2, dtype=mg.float64).eval()
    _copy_from_torch(ours, theirs)
    x = rng.standard_normal((5, 4))                                     # unbatched (L, E)
    mask = np.triu(np.ones((5, 5), dtype=bool), 1)                      # True = masked out
    out, w = ours(mg.tensor(x), mg.tensor(x), mg.tensor(x), attn_mask=mg.tensor(mask))
    tout, tw = theirs(*(torch.tensor(x),) * 3, attn_mask=torch.tensor(mask))
    _close(out, tout)
    _close(w, tw)
    out2, _ = ours(mg.tensor(x), mg.tensor(x), mg.tensor(x), attn_mask=mg.tensor(mask), need_weights=False,
                   is_causal=True)
    _close(out2, tout)                                                   # the causal kernel path


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_decoder_layers_match_pytorch(norm_first, activation):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    d, H, ff = 8, 2, 12
    kw = dict(dim_feedforward=ff, activation=activation, norm_first=norm_first, batch_first=True)
    enc_t = torch.nn.TransformerEncoderLayer(d, H, **kw).double().eval()
    dec_t = torch.nn.TransformerDecoderLayer(d, H, **kw).double().eval()
    enc = nn.TransformerEncoderLayer(d, H, dtype=mg.float64, **kw).eval()
    dec = nn.TransformerDecoderLayer(d, H, dtype=mg.float64, **kw).eval()
    _copy_from_torch(enc, enc_t)
    _copy_from_torch(dec, dec_t)
    src, tgt = rng.standard_normal((2, 5, d)), rng.standard_normal((2, 4, d))
    kpm = np.zeros((2, 5), dtype=bool)
    kpm[1, 3:] = True
    causal = nn.Transformer.generate_square_subsequent_mask(4, dtype=np.float64)
    with torch.no_grad():
        mem_t = enc_t(torch.tensor(src), src_key_padding_mask=torch.tensor(kpm))
        out_t = dec_t(torch.tensor(tgt), mem_t, tgt_mask=torch.tensor(causal.data),
                      memory_key_padding_mask=torch.tensor(kpm))
    with mg.no_grad():
        mem = enc(mg.tensor(src), src_key_padding_mask=mg.tensor(kpm))
        out = dec(mg.tensor(tgt), mem, tgt_mask=causal, memory_key_padding_mask=mg.tensor(kpm))
    _close(mem, mem_t)
    _close(out, out_t)


def test_full_transformer_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    theirs = torch.nn.Transformer(8, 2, 2, 2, 16).double().eval()
    ours = nn.Transformer(8, 2, 2, 2, 16, dtype=mg.float64).eval()
    _copy_from_torch(ours, theirs)
    src, tgt = rng.standard_normal((5, 2, 8)), rng.standard_normal((4, 2, 8))
    mask = nn.Transformer.generate_square_subsequent_mask(4, dtype=np.float64)
    np.testing.assert_array_equal(mask.data, torch.nn.Transformer.generate_square_subsequent_mask(
        4, dtype=torch.float64).numpy())
    with torch.no_grad():
        ref = theirs(torch.tensor(src), torch.tensor(tgt), tgt_mask=torch.tensor(mask.data))
    with mg.no_grad():
        out = ours(mg.tensor(src), mg.tensor(tgt), tgt_mask=mask)
    _close(out, ref)


def test_tiny_layers_pass_gradcheck():
    rng = np.random.default_rng(4)
    mha = nn.MultiheadAttention(4, 2, kdim=3, vdim=2, dtype=mg.float64)
    q = mg.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    k = mg.tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    v = mg.tensor(rng.standard_normal((2, 2, 2)), requires_grad=True)
    params = [mha.q_proj_weight, mha.k_proj_weight, mha.in_proj_bias]
    assert gradcheck(lambda q, k, v, *p: mha(q, k, v)[0], (q, k, v, *params))
    enc = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0, dtype=mg.float64)
    dec = nn.TransformerDecoderLayer(4, 2, dim_feedforward=6, dropout=0.0, norm_first=True, dtype=mg.float64)
    x = mg.tensor(rng.standard_normal((3, 1, 4)), requires_grad=True)
    m = mg.tensor(rng.standard_normal((2, 1, 4)), requires_grad=True)
    causal = nn.Transformer.generate_square_subsequent_mask(3, dtype=mg.float64)
    assert gradcheck(lambda x: enc(x, src_mask=causal, is_causal=True), (x,))
    assert gradcheck(lambda x, m: dec(x, m, tgt_mask=causal, tgt_is_causal=True), (x, m))


def test_is_causal_is_a_hint_about_the_mask_as_in_pytorch():
    x, m = mg.randn(3, 2, 8), mg.randn(4, 2, 8)
    enc = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    dec = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0)
    for call, error, message in [
            (lambda: enc(x, is_causal=True), RuntimeError, r"^TransformerEncoderLayer: is_causal=True needs the mask"),
            (lambda: dec(x, m, memory_is_causal=1), RuntimeError, r"^TransformerDecoderLayer: memory_is_causal=True"),
            (lambda: enc(x, is_causal=0), TypeError, r"^TransformerEncoderLayer: is_causal must be a bool, got 0"),
            (lambda: nn.MultiheadAttention(8, 2)(x, x, x, is_causal=True), RuntimeError,
             r"^MultiheadAttention: is_causal=True needs attn_mask"),
            (lambda: nn.MultiheadAttention(8, 3)(x, x, x), (RuntimeError, ValueError), r"divisible by num_heads")]:
        with pytest.raises(error, match=message):
            call()
    mask = nn.Transformer.generate_square_subsequent_mask(3)
    np.testing.assert_allclose(enc(x, src_mask=mask, is_causal=True).detach().numpy(),
                               enc(x, src_mask=mask).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_parameter_names_and_default_init():
    mha = nn.MultiheadAttention(8, 2)
    assert sorted(n for n, _ in mha.named_parameters()) == ["in_proj_bias", "in_proj_weight",
                                                             "out_proj.bias", "out_proj.weight"]
    bound = np.sqrt(6.0 / (8 + 24))                                      # xavier_uniform_ on (24, 8)
    w = mha.in_proj_weight.data
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert not mha.in_proj_bias.data.any() and not mha.out_proj.bias.data.any()
    sep = nn.MultiheadAttention(8, 2, kdim=3, vdim=5)
    assert sep.in_proj_weight is None and sep.k_proj_weight.shape == (8, 3) and sep.v_proj_weight.shape == (8, 5)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 3)
    assert len(enc.layers) == 3 and enc.layers[0].self_attn is not enc.layers[1].self_attn
    assert "layers.2.linear1.weight" in dict(enc.named_parameters())


def test_positional_encoding():
    pe = nn.PositionalEncoding(6, dropout=0.0, max_len=10)
    x = mg.zeros(4, 2, 6)
    out = pe(x).data
    np.testing.assert_allclose(out[:, 0, 0], np.sin(np.arange(4)), rtol=1e-6)
    np.testing.assert_allclose(out[:, 1, 1], np.cos(np.arange(4)), rtol=1e-6)
    np.testing.assert_allclose(out[3, 0, 2], np.sin(3 / 10000 ** (2 / 6)), rtol=1e-6)
    with pytest.raises(RuntimeError, match="sequence length 11 exceeds max_len=10"):
        pe(mg.zeros(11, 1, 6))


def test_bad_input_names_the_values():
    with pytest.raises(ValueError, match="embed_dim=10 is not divisible by num_heads=3"):
        nn.MultiheadAttention(10, 3)
    mha = nn.MultiheadAttention(4, 2)
    x = mg.zeros(3, 2, 4)
    with pytest.raises(RuntimeError, match="query has 5 features.*embed_dim=4"):
        mha(mg.zeros(3, 2, 5), x, x)
    with pytest.raises(RuntimeError, match=r"key_padding_mask of shape \(2, 4\).*\(2, 3\)"):
        mha(x, x, x, key_padding_mask=mg.zeros(2, 4).bool())
    with pytest.raises(RuntimeError, match=r"attn_mask of shape \(3, 2\).*\(3, 3\)"):
        mha(x, x, x, attn_mask=mg.zeros(3, 2))
    with pytest.raises(RuntimeError, match="d_model=4"):
        nn.Transformer(4, 2, 1, 1, 8)(mg.zeros(3, 2, 5), mg.zeros(3, 2, 5))


@pytest.mark.parametrize("call, error, message", [
    (lambda: nn.MultiheadAttention(8, 2, vdim="2"), TypeError, r"MultiheadAttention: vdim must be an int, got '2'"),
    (lambda: nn.MultiheadAttention(8.0, 2), TypeError, r"MultiheadAttention: embed_dim must be an int, got 8.0"),
    (lambda: nn.TransformerDecoderLayer(False, 2, 16), TypeError,
     r"TransformerDecoderLayer: embed_dim must be an int, got False"),
    (lambda: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)(mg.zeros(3, 2, 9)), RuntimeError,
     r"TransformerEncoderLayer: query has 9 features"),
    (lambda: nn.Transformer(8, 2, 1, 1, 16)(True, mg.zeros(4, 2, 8)), TypeError,
     r"Transformer: src must be a Tensor, got bool"),
    (lambda: nn.Transformer(8, 2, 1, 1, 16)(mg.zeros(()), mg.zeros(4, 2, 8)), RuntimeError,
     r"Transformer: src must be 2-D \(unbatched\) or 3-D, got shape \(\)"),
    (lambda: nn.Transformer(8, 2, (0, 1), 1, 16), TypeError, r"Transformer: num_encoder_layers must be an int"),
    (lambda: nn.Transformer(8, 2, 1, 1, 16, custom_encoder=0), TypeError, r"Transformer: custom_encoder must be a Module"),
    (lambda: nn.MultiheadAttention(8, 2)(mg.zeros(3, 2, 8), True, mg.zeros(4, 2, 8)), TypeError,
     r"MultiheadAttention: key must be a Tensor, got bool"),
    (lambda: nn.MultiheadAttention(8, 2).double()(*[mg.zeros(3, 2, 8)] * 3), RuntimeError,
     r"MultiheadAttention: expected scalar type float64 but found float32"),
    (lambda: nn.TransformerEncoderLayer(8, 2, 16)(mg.zeros(3, 2, 8), src_key_padding_mask=1.0), TypeError,
     r"TransformerEncoderLayer: .*key_padding_mask must be a Tensor, got float"),
    (lambda: nn.TransformerDecoderLayer(8, 2, 16)(mg.zeros(3, 2, 8), 1.5), TypeError,
     r"TransformerDecoderLayer: memory must be a Tensor, got float"),
])
def test_attention_modules_name_themselves_in_their_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_transformer_refuses_a_causal_flag_that_is_not_a_bool():
    model = mg.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16,
                              dropout=0.0)
    src, tgt = mg.randn(3, 2, 8), mg.randn(4, 2, 8)
    for name in ("src_is_causal", "tgt_is_causal"):
        with pytest.raises(TypeError, match=rf"^Transformer: {name} must be a bool, got nan \(float\)"):
            model(src, tgt, **{name: float("nan")})
    with pytest.raises(TypeError, match="^TransformerEncoder: is_causal must be a bool"):
        model.encoder(src, is_causal=1)
    assert model(src, tgt, src_is_causal=False).shape == (4, 2, 8)
