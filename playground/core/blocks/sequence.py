"""Tokens, positions, recurrent layers and attention: the blocks for sequences."""

from __future__ import annotations

from typing import Any

from playground.core.blocks.rules import (
    bad_param,
    bool_param,
    expect_rank,
    expect_size,
    fixed,
    float_param,
    int_param,
    size_param,
)
from playground.core.registry import BlockSpec, ParamSpec, PortSpec, Shape, ShapeError, register

SEQ = PortSpec("in", "sequences (batch, steps, features)")


def _embedding(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    return [(*x, params["embedding_dim"])]


register(
    BlockSpec(
        type="embedding",
        title="Embedding",
        category="Sequence",
        description="Looks up a learned vector for every integer token id.",
        infer=_embedding,
        count=lambda p, ins: p["num_embeddings"] * p["embedding_dim"],
        params=(
            int_param("num_embeddings", 16, "Vocabulary size: token ids run from 0 to this minus one"),
            int_param("embedding_dim", 32, "Length of each learned vector"),
        ),
        inputs=(PortSpec("in", "integer token ids", dtype="long"),),
        key_params=("num_embeddings", "embedding_dim"),
    )
)


def _positional(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    expect_rank(x, (3,))
    expect_size(fixed(x, 2), params["dim"], "features per step", "dim")
    steps = fixed(x, 1)
    if steps > params["max_len"]:
        raise ShapeError(
            f"receives {steps} steps but knows positions up to max_len={params['max_len']}: raise max_len", 0
        )
    return [x]


register(
    BlockSpec(
        type="positional_encoding",
        title="Positional encoding",
        category="Sequence",
        description="Adds to each step a vector that says where in the sequence it is (fixed sinusoids or learned).",
        infer=_positional,
        count=lambda p, ins: p["max_len"] * p["dim"] if p["kind"] == "learned" else 0,
        params=(
            ParamSpec(
                "kind", "choice", "sinusoidal", "Fixed sine waves or learned vectors", choices=("sinusoidal", "learned")
            ),
            size_param("dim", 32, "Features per step", -1),
            int_param("max_len", 256, "Longest sequence supported", high=1 << 16),
        ),
        inputs=(SEQ,),
        aliases=("positional",),
        key_params=("kind",),
    )
)

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def _recurrent(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    expect_rank(x, (3,), "add a Reshape to (steps, features) first")
    expect_size(fixed(x, 2), params["input_size"], "features per step", "input_size")
    width = params["hidden_size"] * (2 if params["bidirectional"] else 1)
    if params["output"] == "last":
        return [(x[0], width)]
    return [(x[0], x[1], width)]


def _recurrent_count(gates: int):
    def count(params: dict[str, Any], ins: list[Shape]) -> int:
        h, dirs = params["hidden_size"], 2 if params["bidirectional"] else 1
        total, size = 0, params["input_size"]
        for _ in range(params["num_layers"]):
            total += dirs * gates * (size * h + h * h + 2 * h)
            size = h * dirs
        return total

    return count


for _type, _title, _text in (
    ("rnn", "RNN", "Reads a sequence step by step, carrying a hidden state (tanh recurrence)."),
    ("lstm", "LSTM", "Reads a sequence step by step with gated memory cells that keep information for long."),
    ("gru", "GRU", "Reads a sequence step by step with gates deciding what to keep and what to update."),
):
    register(
        BlockSpec(
            type=_type,
            title=_title,
            category="Sequence",
            description=_text,
            infer=_recurrent,
            count=_recurrent_count(GATES[_type]),
            params=(
                size_param("input_size", 1, "Features per step coming in", -1),
                int_param("hidden_size", 32, "Size of the hidden state"),
                int_param("num_layers", 1, "Stacked layers", high=16),
                bool_param("bidirectional", False, "Also read the sequence backwards"),
                ParamSpec(
                    "output", "choice", "sequence", "Every step's state, or only the last", choices=("sequence", "last")
                ),
            ),
            inputs=(SEQ,),
            key_params=("hidden_size", "output"),
        )
    )


def _attention(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    dim_param = "embed_dim" if "embed_dim" in params else "d_model"
    dim, heads = params[dim_param], params["num_heads"]
    if dim % heads:
        raise bad_param(f"{dim_param} ({dim}) must be divisible by num_heads ({heads})")
    expect_rank(x, (3,), "add an Embedding first")
    expect_size(fixed(x, 2), dim, "features per step", dim_param)
    return [x]


def _mha_count(dim: int) -> int:
    return 4 * dim * dim + 4 * dim


HEADS = int_param("num_heads", 4, "Attention heads working in parallel", high=256)
CAUSAL = bool_param("causal", False, "Each step may only look at earlier steps (for GPT-style models)")
DROPOUT = float_param("dropout", 0.0, "Dropout on the attention weights", 0.0, 0.99)

register(
    BlockSpec(
        type="self_attention",
        title="Self-attention",
        category="Attention",
        description="Every step looks at every step and takes a weighted mix of them (multi-head self-attention).",
        infer=_attention,
        count=lambda p, ins: _mha_count(p["embed_dim"]),
        params=(size_param("embed_dim", 32, "Features per step", -1), HEADS, CAUSAL, DROPOUT),
        inputs=(SEQ,),
        aliases=("multihead_attention", "attention"),
        key_params=("num_heads", "causal"),
    )
)


def _encoder_count(params: dict[str, Any], ins: list[Shape]) -> int:
    d, f = params["d_model"], params["dim_feedforward"]
    return _mha_count(d) + (d * f + f) + (f * d + d) + 4 * d


register(
    BlockSpec(
        type="transformer_block",
        title="Transformer block",
        category="Attention",
        description="Self-attention followed by a small MLP, each with a residual connection and LayerNorm.",
        infer=_attention,
        count=_encoder_count,
        params=(
            size_param("d_model", 32, "Features per step", -1),
            HEADS,
            int_param("dim_feedforward", 64, "Width of the MLP inside the block"),
            CAUSAL,
            DROPOUT,
            bool_param("norm_first", True, "LayerNorm before (pre-norm, as in GPT) rather than after"),
        ),
        inputs=(SEQ,),
        aliases=("transformer_encoder_layer", "transformer_encoder"),
        key_params=("num_heads", "causal"),
    )
)
