"""torch.nn's own attention layers, as blocks that keep torch's parameter names: MultiheadAttention and
TransformerEncoderLayer (batch first), for the models written with them (a ViT's encoder, a
TransformerEncoder classifier). Playground's Self-attention and Transformer block are the lecture's
versions of the same, with a causal switch and a padding-mask port. And attention written out by hand,
as GPT's code does it when it has no flash attention: MatMul (``q @ k.transpose(-2, -1)``, ``att @ v``)
and Causal mask (``att.masked_fill(mask == 0, float('-inf'))``)."""

from __future__ import annotations

from typing import Any

from playground.core.blocks.rules import (
    bool_param,
    broadcast,
    expect_rank,
    expect_size,
    fixed,
    float_param,
    int_param,
    size_param,
)
from playground.core.blocks.sequence import DROPOUT, HEADS, SEQ, heads
from playground.core.param_kinds import MAX_FLOAT
from playground.core.registry import (
    BlockSpec,
    ParamSpec,
    PortSpec,
    Shape,
    ShapeError,
    format_shape,
    register,
)


def _multihead(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    query, key, value = ins
    dim = heads(params, "embed_dim")
    for port, (shape, size, name) in enumerate(((query, dim, "embed_dim"), (key, params["kdim"], "kdim"))):
        expect_rank(shape, (3,), "(batch, steps, features)", port)
        expect_size(fixed(shape, 2), size, "features per step", name, port=port)
    expect_rank(value, (3,), "(batch, steps, features)", 2)
    expect_size(fixed(value, 2), params["vdim"], "features per step", "vdim", port=2)
    if key[1] != value[1]:
        raise ShapeError(f"needs as many values as keys ({key[1]} steps), not {value[1]}", 2)
    return [query]


def _multihead_count(params: dict[str, Any], ins: list[Shape]) -> int:
    dim, bias = int(params["embed_dim"]), params["bias"]
    return dim * (2 * dim + int(params["kdim"]) + int(params["vdim"])) + (4 * dim if bias else 0)


register(
    BlockSpec(
        type="multihead_attention",
        title="MultiheadAttention",
        category="Attention",
        description=(
            "Each query step takes a mix of the value steps, weighted by how "
            "well its key matches, in several heads at once: torch.nn.MultiheadAttention (wire one sequence "
            "to all three for self-attention)."
        ),
        infer=_multihead,
        count=_multihead_count,
        params=(
            size_param("embed_dim", 32, "Features per query step", -1),
            HEADS,
            DROPOUT,
            bool_param("bias", True, "Learn biases in the input and output projections"),
            size_param("kdim", 32, "Features per key step", -1, port=1),
            size_param("vdim", 32, "Features per value step", -1, port=2),
        ),
        inputs=(
            PortSpec("query", "the steps that ask (batch, steps, embed_dim)"),
            PortSpec("key", "what they are matched against (batch, key steps, kdim)"),
            PortSpec("value", "what is mixed (batch, key steps, vdim)"),
        ),
        rule="query (N, T, embed_dim), key (N, S, kdim), value (N, S, vdim) → (N, T, embed_dim)",
        key_params=("num_heads",),
    )
)


def _encoder_layer(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    dim = heads(params, "d_model")
    expect_rank(x, (3,), "(batch, steps, features)")
    expect_size(fixed(x, 2), dim, "features per step", "d_model")
    return [x]


def _encoder_layer_count(params: dict[str, Any], ins: list[Shape]) -> int:
    d, f, bias = int(params["d_model"]), int(params["dim_feedforward"]), params["bias"]
    weights = 4 * d * d + 2 * d * f + 2 * d  # attention's projections, the MLP, the norms' scales
    return weights + ((4 * d) + (f + d) + 2 * d if bias else 0)


register(
    BlockSpec(
        type="transformer_encoder_layer",
        title="TransformerEncoderLayer",
        category="Attention",
        description=(
            "Self-attention, then a two-layer MLP, each added back to its "
            "input with a LayerNorm (before or after): torch.nn.TransformerEncoderLayer."
        ),
        infer=_encoder_layer,
        count=_encoder_layer_count,
        params=(
            size_param("d_model", 32, "Features per step", -1),
            HEADS,
            int_param("dim_feedforward", 2048, "Width of the MLP inside the layer"),
            float_param("dropout", 0.1, "Dropout in attention, in the MLP and on both sub-layers' outputs", 0.0, 0.99),
            ParamSpec("activation", "choice", "relu", "The MLP's activation", choices=("relu", "gelu")),
            float_param("layer_norm_eps", 1e-5, "Added to the variance in the LayerNorms", 1e-12, 1.0),
            bool_param("norm_first", False, "LayerNorm before each sub-layer (pre-norm, as ViT) rather than after"),
            bool_param("bias", True, "Learn biases in the projections, the MLP and the LayerNorms"),
        ),
        inputs=(SEQ,),
        key_params=("num_heads", "dim_feedforward"),
    )
)


def _matmul(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    a, b = ins
    for port, shape in enumerate(ins):
        if len(shape) < 3:
            raise ShapeError(f"expects (batch, ..., rows, columns) but receives {format_shape(shape)}", port)
    if a[-1] != b[-2]:
        raise ShapeError(
            f"needs input 2's second-to-last size to be input 1's last: {format_shape(a)} @ {format_shape(b)} "
            f"would multiply rows of {a[-1]} values with columns of {b[-2]}",
            1,
        )
    return [(*broadcast([a[:-2], b[:-2]]), a[-2], b[-1])]


register(
    BlockSpec(
        type="matmul",
        title="MatMul",
        category="Merge",
        description=(
            "Multiplies its inputs as matrices over their last two dimensions, one product per example (and "
            "head): torch.matmul, a @ b. Attention's scores q @ kᵀ, and its weights times the values."
        ),
        infer=_matmul,
        inputs=(PortSpec("a", "(batch, ..., rows, inner)"), PortSpec("b", "(batch, ..., inner, columns)")),
        aliases=("matrix_multiply", "bmm"),
        rule="a (N, ..., R, K) @ b (N, ..., K, C) → (N, ..., R, C); the dimensions before broadcast",
    )
)


def _causal_mask(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (scores,) = ins
    if len(scores) < 3:
        raise ShapeError(f"expects scores (batch, ..., steps, key steps) but receives {format_shape(scores)}")
    return [scores]


register(
    BlockSpec(
        type="causal_mask",
        title="Causal mask",
        category="Attention",
        description=(
            "Hides from each step the steps after it: the scores above the diagonal of the last two "
            "dimensions become the fill value (minus infinity, so a softmax after it gives them no weight), as "
            "GPT's att.masked_fill(mask == 0, float('-inf'))."
        ),
        infer=_causal_mask,
        params=(
            ParamSpec(
                "fill",
                "float",
                None,
                "The value the later steps' scores get (none: minus infinity)",
                min=-MAX_FLOAT,
                max=MAX_FLOAT,
                optional=True,
            ),
        ),
        inputs=(PortSpec("scores", "(batch, ..., steps, key steps), e.g. q @ kᵀ"),),
        aliases=("masked_fill",),
        rule="(N, ..., T, S) → (N, ..., T, S)",
    )
)
