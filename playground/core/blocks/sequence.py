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
from playground.core.registry import BlockSpec, CountFn, ParamSpec, PortSpec, Shape, ShapeError, format_shape, register

SEQ = PortSpec("in", "sequences (batch, steps, features)")


def _embedding(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    pad = params["padding_idx"]
    if pad is not None and pad >= params["num_embeddings"]:
        raise bad_param(f"padding_idx ({pad}) must be a token id below num_embeddings ({params['num_embeddings']})")
    return [(*x, params["embedding_dim"])]


register(
    BlockSpec(
        type="embedding",
        title="Embedding",
        category="Sequence",
        description="Looks up a learned vector for every integer token id.",
        infer=_embedding,
        count=lambda p, ins: p["num_embeddings"] * p["embedding_dim"],
        weights=lambda p: {"weight": (p["num_embeddings"], p["embedding_dim"])},
        params=(
            int_param("num_embeddings", 16, "Vocabulary size: token ids run from 0 to this minus one"),
            int_param("embedding_dim", 32, "Length of each learned vector"),
            ParamSpec(
                "padding_idx",
                "int",
                None,
                "A token id (padding) whose vector stays zero and learns nothing (none: every id learns)",
                min=0,
                max=1 << 20,
                optional=True,
            ),
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
    if params["dropout"] and params["num_layers"] < 2:
        raise bad_param("dropout applies between stacked layers: set num_layers to 2 or more, or dropout to 0")
    width = params["hidden_size"] * (2 if params["bidirectional"] else 1)
    state = (x[0], width)
    return [state if params["output"] == "last" else (x[0], x[1], width), state]


def _recurrent_count(gates: int) -> CountFn:
    def count(params: dict[str, Any], ins: list[Shape]) -> int:
        h, dirs = params["hidden_size"], 2 if params["bidirectional"] else 1
        total, size = 0, params["input_size"]
        for _ in range(params["num_layers"]):
            total += dirs * gates * (size * h + h * h + 2 * h)
            size = h * dirs
        return total

    return count


RECURRENT_PARAMS = (
    size_param("input_size", 1, "Features per step coming in", -1),
    int_param("hidden_size", 32, "Size of the hidden state"),
    int_param("num_layers", 1, "Stacked layers", high=16),
    bool_param("bidirectional", False, "Also read the sequence backwards"),
    ParamSpec(
        "output",
        "choice",
        "sequence",
        "Every step's output, or only the final state (both directions' final states when bidirectional)",
        choices=("sequence", "last"),
    ),
    float_param("dropout", 0.0, "Dropout on the outputs of each layer but the last (needs num_layers 2+)", 0.0, 0.99),
)
RECURRENT_OUTPUTS = (
    PortSpec("out", "every step's output (batch, steps, hidden), or the final state"),
    PortSpec("state", "final hidden state of the top layer (batch, hidden * directions)"),
)
NONLINEARITY = ParamSpec("nonlinearity", "choice", "tanh", "The recurrence's activation", choices=("tanh", "relu"))

for _type, _title, _text, _extra in (
    (
        "rnn",
        "RNN",
        "Reads a sequence step by step, carrying a hidden state (a tanh or ReLU recurrence).",
        (NONLINEARITY,),
    ),
    ("lstm", "LSTM", "Reads a sequence step by step with gated memory cells that keep information for long.", ()),
    ("gru", "GRU", "Reads a sequence step by step with gates deciding what to keep and what to update.", ()),
):
    register(
        BlockSpec(
            type=_type,
            title=_title,
            category="Sequence",
            description=_text,
            infer=_recurrent,
            count=_recurrent_count(GATES[_type]),
            params=RECURRENT_PARAMS + _extra,
            inputs=(SEQ,),
            outputs=RECURRENT_OUTPUTS,
            key_params=("hidden_size", "output"),
            rule="(N, steps, input_size) → out (N, steps, hidden_size·directions), or (N, hidden_size·directions) "
            "with output 'last'; state (N, hidden_size·directions)",
        )
    )


def heads(params: dict[str, Any], dim_param: str) -> int:
    dim, heads = params[dim_param], params["num_heads"]
    if dim % heads:
        raise bad_param(f"{dim_param} ({dim}) must be divisible by num_heads ({heads})")
    return int(dim)


def _padding_mask(ins: list[Shape], port: int, steps: Shape) -> None:
    """An optional (batch, steps) mask over the keys: nonzero marks padding that no step looks at."""
    if len(ins) <= port:
        return
    mask = ins[port]
    if len(mask) != 2 or mask[1] != steps[1]:
        raise ShapeError(
            f"needs a key padding mask of shape (batch, {steps[1]}), one value per key step, "
            f"but receives {format_shape(mask)}",
            port,
        )


def _attention(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    x = ins[0]
    dim_param = "embed_dim" if "embed_dim" in params else "d_model"
    dim = heads(params, dim_param)
    expect_rank(x, (3,), "add an Embedding first")
    expect_size(fixed(x, 2), dim, "features per step", dim_param)
    _padding_mask(ins, 1, x)
    return [x]


def mha_count(dim: int, kv_dim: int | None = None, bias: bool = True) -> int:
    kv = dim if kv_dim is None else kv_dim
    return 2 * dim * dim + 2 * dim * kv + (4 * dim if bias else 0)


HEADS = int_param("num_heads", 4, "Attention heads working in parallel", high=256)
CAUSAL = bool_param("causal", False, "Each step may only look at earlier steps (for GPT-style models)")
DROPOUT = float_param("dropout", 0.0, "Dropout on the attention weights", 0.0, 0.99)
ATTENTION_BIAS = bool_param("bias", True, "Learn biases in the query, key, value and output projections")
MASK = PortSpec(
    "mask", "optional key padding mask (batch, steps): nonzero keys are ignored", dtype="any", optional=True
)

register(
    BlockSpec(
        type="self_attention",
        title="Self-attention",
        category="Attention",
        description="Every step looks at every step and takes a weighted mix of them (multi-head self-attention).",
        infer=_attention,
        count=lambda p, ins: mha_count(p["embed_dim"], bias=p["bias"]),
        params=(size_param("embed_dim", 32, "Features per step", -1), HEADS, CAUSAL, DROPOUT, ATTENTION_BIAS),
        inputs=(SEQ, MASK),
        aliases=("attention",),
        rule="(N, steps, embed_dim) → (N, steps, embed_dim); the optional mask is (N, steps)",
        key_params=("num_heads", "causal"),
    )
)


def _cross_attention(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    queries, memory = ins[0], ins[1]
    dim = heads(params, "embed_dim")
    expect_rank(queries, (3,), "queries are (batch, steps, features)")
    expect_rank(memory, (3,), "keys and values are (batch, steps, features)", port=1)
    expect_size(fixed(queries, 2), dim, "features per query step", "embed_dim")
    expect_size(fixed(memory, 2), params["kv_dim"], "features per key step", "kv_dim", port=1)
    if queries[0] != memory[0]:
        raise ShapeError(f"needs the same batch on both inputs, not {queries[0]} and {memory[0]}", 1)
    _padding_mask(ins, 2, memory)
    return [queries]


register(
    BlockSpec(
        type="cross_attention",
        title="Cross-attention",
        category="Attention",
        description="Each step of one sequence (the queries) takes a weighted mix of another sequence's steps "
        "(keys and values): how a decoder reads its encoder.",
        infer=_cross_attention,
        count=lambda p, ins: mha_count(p["embed_dim"], p["kv_dim"], p["bias"]),
        params=(
            size_param("embed_dim", 32, "Features per query step", -1),
            size_param("kv_dim", 32, "Features per key and value step", -1, port=1),
            HEADS,
            DROPOUT,
            ATTENTION_BIAS,
        ),
        inputs=(
            PortSpec("queries", "the sequence that asks (batch, steps, features)"),
            PortSpec("memory", "the sequence it reads: keys and values (batch, steps, features)"),
            PortSpec("mask", "optional key padding mask (batch, memory steps)", dtype="any", optional=True),
        ),
        aliases=("encoder_decoder_attention",),
        rule="queries (N, T, embed_dim) and memory (N, S, kv_dim) → (N, T, embed_dim); the optional mask is (N, S)",
        key_params=("num_heads",),
    )
)


def _dot_product(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    q, k, v = ins
    for port, (shape, what) in enumerate(((q, "queries"), (k, "keys"), (v, "values"))):
        if len(shape) < 3:
            raise ShapeError(
                f"expects {what} of at least 3-D (batch, ..., steps, features), not {format_shape(shape)}", port
            )
    if not len(q) == len(k) == len(v) or not q[:-2] == k[:-2] == v[:-2]:
        raise ShapeError(
            f"needs queries, keys and values with the same leading dimensions (batch, heads), not "
            f"{format_shape(q)}, {format_shape(k)} and {format_shape(v)}",
            1,
        )
    if q[-1] != k[-1]:
        raise ShapeError(f"needs keys with the queries' {q[-1]} features, not {k[-1]}", 1)
    if k[-2] != v[-2]:
        raise ShapeError(f"needs as many values as keys ({k[-2]} steps), not {v[-2]}", 2)
    return [(*q[:-1], v[-1])]


register(
    BlockSpec(
        type="dot_product_attention",
        title="Dot-product attention",
        category="Attention",
        description="Each query takes a mix of the values, weighted by softmax(q·k / √features) over the keys: "
        "attention itself, without projections (split into heads first for multi-head).",
        infer=_dot_product,
        params=(CAUSAL, DROPOUT),
        inputs=(
            PortSpec("queries", "(batch, ..., steps, features), e.g. (batch, heads, steps, head features)"),
            PortSpec("keys", "(batch, ..., key steps, features)"),
            PortSpec("values", "(batch, ..., key steps, value features)"),
        ),
        aliases=("scaled_dot_product_attention", "sdpa"),
        rule="queries (N, ..., T, E), keys (N, ..., S, E), values (N, ..., S, V) → (N, ..., T, V)",
        key_params=("causal",),
    )
)


def _encoder_count(params: dict[str, Any], ins: list[Shape]) -> int:
    d, f = int(params["d_model"]), int(params["dim_feedforward"])
    return mha_count(d) + (d * f + f) + (f * d + d) + 4 * d


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
            float_param(
                "dropout",
                0.0,
                "Dropout on the attention weights, inside the MLP after its activation, and on both "
                "sub-layers' outputs before each residual addition",
                0.0,
                0.99,
            ),
            bool_param("norm_first", True, "LayerNorm before (pre-norm, as in GPT) rather than after"),
            ParamSpec("activation", "choice", "relu", "The MLP's activation (GPT uses gelu)", choices=("relu", "gelu")),
        ),
        inputs=(SEQ, MASK),
        aliases=("encoder_block",),
        key_params=("num_heads", "causal"),
    )
)
