"""Oracle tests: each block option means what its torch.nn namesake means (same weights, same output)."""

import math
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from playground.core.graph import Block, Graph, Link
from playground.core.registry import AUTO, get_spec
from playground.core.shapes import analyse
from playground.nn.checkpoint import fit_weights
from playground.nn.compile import CompiledModel, compile_graph
from playground.nn.export import export_torchscript
from tests.helpers import chain


def sized(type_name: str, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with every size the wire can give left "auto", as a block dropped from the palette."""
    return {p.name: AUTO for p in get_spec(type_name).params if p.infer_from is not None} | params


def one_block(type_name: str, params: dict[str, Any], shape: list[int], dtype: str = "float") -> CompiledModel:
    return compile_graph(
        chain(
            ("input_1", "input", {"shape": shape, "dtype": dtype}),
            ("block_1", type_name, sized(type_name, params)),
            ("output_1", "output", {}),
        )
    )


def same_as(compiled: CompiledModel, reference: nn.Module, *inputs: torch.Tensor, inner: str = "") -> None:
    """``reference`` with the compiled block's weights gives the compiled network's output."""
    ours = getattr(compiled.module, "block_1", None)  # None: the block is a tensor method, no module
    if ours is not None:
        reference.load_state_dict((getattr(ours, inner) if inner else ours).state_dict())
    compiled.module.eval()
    reference.eval()
    with torch.no_grad():
        assert torch.allclose(compiled.module(*inputs), reference(*inputs), atol=1e-5)
    assert compiled.analysis.param_counts["block_1"] == sum(p.numel() for p in reference.parameters())


def problem(type_name: str, params: dict[str, Any], shape: list[int], dtype: str = "float") -> str:
    block = ("block_1", type_name, sized(type_name, params))
    graph = chain(("input_1", "input", {"shape": shape, "dtype": dtype}), block, ("output_1", "output", {}))
    return " ".join(p.message for p in analyse(graph).problems)


IMAGES = torch.randn(2, 4, 9, 11)
SIGNALS = torch.randn(2, 4, 13)


@pytest.mark.parametrize(
    "params",
    [
        {"kernel_size": [3, 5], "stride": [2, 1], "padding": [1, 2], "dilation": [1, 2]},
        {"kernel_size": 3, "padding": "same", "dilation": 2, "padding_mode": "reflect"},
        {"kernel_size": 3, "padding": "valid", "groups": 2, "bias": False},
        {"kernel_size": [3, 1], "padding": 1, "groups": 4, "padding_mode": "circular", "out_channels": 8},
        {"kernel_size": 2, "padding": "same", "padding_mode": "replicate"},
    ],
    ids=["rectangular", "same-reflect", "grouped", "depthwise-circular", "same-even-kernel"],
)
def test_conv2d_options(params: dict) -> None:
    full = {"in_channels": 4, "out_channels": 6, **params}
    reference = nn.Conv2d(
        4,
        full["out_channels"],
        **{k: tuple(v) if isinstance(v, list) else v for k, v in params.items() if k != "out_channels"},
    )
    compiled = one_block("conv2d", full, [4, 9, 11])
    same_as(compiled, reference, IMAGES)
    expected = reference(IMAGES).shape[1:]
    assert compiled.output_shapes["output_1"][1:] == tuple(expected)


def test_conv1d_options() -> None:
    params = {"kernel_size": 3, "dilation": 3, "padding": 2, "padding_mode": "circular", "stride": 2}
    compiled = one_block("conv1d", {"in_channels": 4, "out_channels": 5, **params}, [4, 13])
    same_as(compiled, nn.Conv1d(4, 5, **params), SIGNALS)


def test_conv_transpose1d() -> None:
    params = {"kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1}
    compiled = one_block("conv_transpose1d", {"in_channels": 4, "out_channels": 3, **params}, [4, 13])
    same_as(compiled, nn.ConvTranspose1d(4, 3, **params), SIGNALS)
    assert compiled.output_shapes["output_1"] == ("N", 3, 26)


@pytest.mark.parametrize(
    "type_name, params, reference, x",
    [
        ("max_pool1d", {"kernel_size": 3, "stride": 2, "padding": 1}, nn.MaxPool1d(3, 2, 1), SIGNALS),
        ("avg_pool1d", {"kernel_size": 2}, nn.AvgPool1d(2), SIGNALS),
        (
            "adaptive_max_pool2d",
            {"output_height": 2, "output_width": 3},
            nn.AdaptiveMaxPool2d((2, 3)),
            IMAGES,
        ),
        ("max_pool2d", {"kernel_size": 3, "padding": 1, "dilation": 2}, nn.MaxPool2d(3, 3, 1, dilation=2), IMAGES),
        (
            "avg_pool2d",
            {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
            nn.AvgPool2d(3, 2, 1, count_include_pad=False),
            IMAGES,
        ),
    ],
    ids=["max_pool1d", "avg_pool1d", "adaptive_max_pool2d", "max-dilated", "avg-pad-not-counted"],
)
def test_pooling(type_name: str, params: dict, reference: nn.Module, x: torch.Tensor) -> None:
    same_as(one_block(type_name, params, list(x.shape[1:])), reference, x)


@pytest.mark.parametrize(
    "type_name, params, reference, x",
    [
        ("group_norm", {"num_groups": 2, "eps": 1e-3}, nn.GroupNorm(2, 4, eps=1e-3), IMAGES),
        ("group_norm", {"num_groups": 4, "affine": False}, nn.GroupNorm(4, 4, affine=False), SIGNALS),
        ("instance_norm2d", {"affine": True}, nn.InstanceNorm2d(4, affine=True), IMAGES),
        ("batch_norm2d", {"eps": 1e-2, "momentum": 0.5, "affine": False}, nn.BatchNorm2d(4, 1e-2, 0.5, False), IMAGES),
        ("batch_norm1d", {"eps": 1e-4}, nn.BatchNorm1d(4, eps=1e-4), SIGNALS),
        ("layer_norm", {"dims": 2, "eps": 1e-6}, nn.LayerNorm((9, 11), eps=1e-6), IMAGES),
        ("layer_norm", {"elementwise_affine": False}, nn.LayerNorm(13, elementwise_affine=False), SIGNALS),
        ("layer_norm", {"bias": False}, nn.LayerNorm(13, bias=False), SIGNALS),
    ],
    ids=["group", "group-plain", "instance", "batch2d", "batch1d", "layer-2-dims", "layer-plain", "layer-no-bias"],
)
def test_normalisation(type_name: str, params: dict, reference: nn.Module, x: torch.Tensor) -> None:
    compiled = one_block(type_name, params, list(x.shape[1:]))
    with torch.no_grad():  # the running statistics move the same way in training mode
        compiled.module.train()
        reference.load_state_dict(compiled.module.block_1.state_dict())
        reference.train()
        assert torch.allclose(compiled.module(x), reference(x), atol=1e-5)
    same_as(compiled, reference, x)


def test_embedding_padding_idx_stays_zero_and_learns_nothing() -> None:
    compiled = one_block("embedding", {"num_embeddings": 6, "embedding_dim": 3, "padding_idx": 0}, [5], "long")
    tokens = torch.tensor([[0, 1, 2, 0, 5]])
    same_as(compiled, nn.Embedding(6, 3, padding_idx=0), tokens)
    out = compiled.module(tokens)
    assert torch.equal(out[0, 0], torch.zeros(3))
    out.sum().backward()
    grad = compiled.module.block_1.weight.grad
    assert torch.equal(grad[0], torch.zeros(3)) and grad[1].abs().sum() > 0
    assert "padding_idx (6) must be a token id below num_embeddings (6)" in problem(
        "embedding", {"num_embeddings": 6, "padding_idx": 6}, [5], "long"
    )


def test_flatten_start_and_end_dims() -> None:
    compiled = one_block("flatten", {"start_dim": 2, "end_dim": -1}, [4, 9, 11])
    same_as(compiled, nn.Flatten(2, -1), IMAGES)
    assert compiled.output_shapes["output_1"] == ("N", 4, 99)
    assert "end_dim (1) comes before start_dim (2)" in problem("flatten", {"start_dim": 2, "end_dim": 1}, [4, 9, 11])


@pytest.mark.parametrize("kind, cls", [("rnn", nn.RNN), ("lstm", nn.LSTM), ("gru", nn.GRU)])
def test_bidirectional_last_is_both_directions_final_states(kind: str, cls: type) -> None:
    params = {"input_size": 3, "hidden_size": 5, "num_layers": 2, "bidirectional": True, "output": "last"}
    graph = chain(("input_1", "input", {"shape": [7, 3]}), ("block_1", kind, params), ("output_1", "output", {}))
    graph.add_block(Block("state_out", "output"))
    graph.connect(Link("block_1", 1, "state_out", 0))
    compiled = compile_graph(graph)
    reference = cls(3, 5, 2, batch_first=True, bidirectional=True)
    reference.load_state_dict(compiled.module.block_1.state_dict())
    x = torch.randn(4, 7, 3)
    with torch.no_grad():
        out = compiled.module(x)
        hidden = reference(x)[1]
        h_n = hidden[0] if kind == "lstm" else hidden
        expected = torch.cat([h_n[-2], h_n[-1]], dim=1)  # (N, 10)
        assert torch.allclose(out["output_1"], expected, atol=1e-6)
        assert torch.allclose(out["state_out"], expected, atol=1e-6)
        # not the last step of the output, whose backward half has seen only one step
        assert not torch.allclose(out["output_1"], reference(x)[0][:, -1], atol=1e-3)
    assert compiled.output_shapes == {"output_1": ("N", 10), "state_out": ("N", 10)}


def test_recurrent_dropout_and_relu_nonlinearity() -> None:
    params = {"input_size": 3, "hidden_size": 4, "num_layers": 2, "dropout": 0.3, "nonlinearity": "relu"}
    compiled = one_block("rnn", params, [6, 3])
    reference = nn.RNN(3, 4, 2, nonlinearity="relu", dropout=0.3, batch_first=True)
    x = torch.randn(2, 6, 3)
    reference.load_state_dict(compiled.module.block_1.state_dict())
    compiled.module.eval()
    with torch.no_grad():
        assert torch.allclose(compiled.module(x), reference.eval()(x)[0], atol=1e-6)
    assert compiled.module.block_1.dropout == 0.3
    assert "set num_layers to 2 or more" in problem("lstm", {"input_size": 3, "dropout": 0.2}, [6, 3])


def test_a_recurrent_blocks_weights_saved_under_its_earlier_wrapper_name_still_load(tmp_path: Path) -> None:
    compiled = one_block("gru", {"input_size": 3, "hidden_size": 4}, [6, 3])
    assert list(compiled.module.state_dict())[:2] == ["block_1.weight_ih_l0", "block_1.weight_hh_l0"]  # torch's
    saved = {
        k.replace("block_1.", "block_1.cell."): torch.full_like(v, 0.5) for k, v in compiled.module.state_dict().items()
    }
    fit_weights(compiled.module, saved, tmp_path / "old.weights.safetensors")
    assert torch.equal(compiled.module.block_1.bias_hh_l0, torch.full((12,), 0.5))


def test_self_attention_without_bias_and_with_a_key_padding_mask() -> None:
    graph = Graph()
    graph.add_block(Block("x", "input", {"shape": [5, 8]}))
    graph.add_block(Block("pad", "input", {"shape": [5], "data": "mask"}))
    graph.add_block(Block("block_1", "self_attention", {"embed_dim": 8, "num_heads": 2, "bias": False}))
    graph.add_block(Block("output_1", "output"))
    for link in (("x", 0, "block_1", 0), ("pad", 0, "block_1", 1), ("block_1", 0, "output_1", 0)):
        graph.connect(Link(*link))
    compiled = compile_graph(graph)
    reference = nn.MultiheadAttention(8, 2, bias=False, batch_first=True)
    reference.load_state_dict(compiled.module.block_1.attention.state_dict())
    x, mask = torch.randn(2, 5, 8), torch.tensor([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]], dtype=torch.float32)
    with torch.no_grad():
        expected = reference(x, x, x, key_padding_mask=mask.bool(), need_weights=False)[0]
        assert torch.allclose(compiled.module(x, mask), expected, atol=1e-6)
        changed = x.clone()
        changed[0, 3:] = 100.0  # what a masked key holds changes nothing the others see
        assert torch.allclose(compiled.module(changed, mask)[0, :3], expected[0, :3], atol=1e-5)
    assert compiled.analysis.param_counts["block_1"] == 4 * 8 * 8
    unmasked = one_block("self_attention", {"embed_dim": 8, "num_heads": 2}, [5, 8])  # the mask port is optional
    assert unmasked.analysis.param_counts["block_1"] == 4 * 8 * 8 + 4 * 8


def test_cross_attention_reads_another_sequence() -> None:
    graph = Graph()
    graph.add_block(Block("queries", "input", {"shape": [4, 8]}))
    graph.add_block(Block("memory", "input", {"shape": [6, 5], "data": "memory"}))
    graph.add_block(Block("block_1", "cross_attention", {"embed_dim": AUTO, "kv_dim": AUTO, "num_heads": 2}))
    graph.add_block(Block("output_1", "output"))
    for link in (("queries", 0, "block_1", 0), ("memory", 0, "block_1", 1), ("block_1", 0, "output_1", 0)):
        graph.connect(Link(*link))
    compiled = compile_graph(graph)
    reference = nn.MultiheadAttention(8, 2, kdim=5, vdim=5, batch_first=True)
    reference.load_state_dict(compiled.module.block_1.attention.state_dict())
    q, m = torch.randn(3, 4, 8), torch.randn(3, 6, 5)
    with torch.no_grad():
        assert torch.allclose(compiled.module(q, m), reference(q, m, m, need_weights=False)[0], atol=1e-6)
    assert compiled.output_shapes["output_1"] == ("N", 4, 8)
    assert compiled.analysis.param_counts["block_1"] == sum(p.numel() for p in reference.parameters())


def test_transformer_block_with_gelu() -> None:
    params = {"d_model": 8, "num_heads": 2, "dim_feedforward": 16, "activation": "gelu", "norm_first": True}
    compiled = one_block("transformer_block", params, [5, 8])
    reference = nn.TransformerEncoderLayer(8, 2, 16, 0.0, "gelu", batch_first=True, norm_first=True)
    same_as(compiled, reference, torch.randn(2, 5, 8), inner="layer")


@pytest.mark.parametrize(
    "type_name, params, shape, message",
    [
        ("conv2d", {"in_channels": 4, "padding": "same", "stride": 2}, [4, 9, 9], "padding 'same' needs stride 1"),
        ("conv2d", {"in_channels": 4, "groups": 3}, [4, 9, 9], "in_channels (4) must be divisible by groups (3)"),
        ("conv1d", {"in_channels": 4, "kernel_size": [3, 3]}, [4, 9], "gives 2 sizes but this block has 1 spatial"),
        ("conv2d", {"in_channels": 4, "padding": 9, "padding_mode": "reflect"}, [4, 9, 9], "smaller than the input"),
        ("group_norm", {"num_groups": 3}, [4, 9, 9], "num_channels (4) must be divisible by num_groups (3)"),
        ("layer_norm", {"dims": 3}, [4, 9], "set dims to at most 2"),
    ],
)
def test_options_that_do_not_fit_are_explained(type_name: str, params: dict, shape: list, message: str) -> None:
    assert message in problem(type_name, params, shape)


class _Computes(nn.Module):
    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)


@pytest.mark.parametrize(
    "op, c, fn",
    [
        ("x * c", 0.5, lambda x: 0.5 * x),
        ("x + c", 1.0, lambda x: x + 1),
        ("x - c", 3.0, lambda x: x - 3),
        ("c - x", 1.0, lambda x: 1 - x),
        ("x / c", math.sqrt(3), lambda x: x / math.sqrt(3)),
        ("c / x", 2.0, lambda x: 2 / x),
    ],
)
def test_arithmetic_computes_with_its_constant_as_python_does(op: str, c: float, fn) -> None:
    same_as(one_block("arithmetic", {"op": op, "c": c}, [4, 13]), _Computes(fn), SIGNALS)


def test_arithmetic_refuses_to_divide_by_zero() -> None:
    assert "c 0 would divide by zero" in problem("arithmetic", {"op": "x / c", "c": 0.0}, [4])


def _merge(kind: str, first: list[int], second: list[int]) -> Graph:
    graph = chain(("a", "input", {"shape": first}), ("merge", kind, {}), ("out", "output", {}))
    graph.add_block(Block("b", "input", {"shape": second}))
    graph.connect(Link("b", 0, "merge", 1))
    return graph


@pytest.mark.parametrize("kind, fn", [("multiply", torch.mul), ("add", torch.add), ("subtract", torch.sub)])
def test_merges_broadcast_a_size_of_one_as_torch_does(kind: str, fn) -> None:
    compiled = compile_graph(_merge(kind, [4, 9, 11], [4, 1, 1]))
    gate = torch.randn(2, 4, 1, 1)
    assert torch.equal(compiled.module(IMAGES, gate), fn(IMAGES, gate))
    assert compiled.output_shapes["out"] == ("N", 4, 9, 11)


def test_merges_say_which_dimension_does_not_broadcast() -> None:
    (message,) = [p.message for p in analyse(_merge("multiply", [4, 9, 11], [3, 1, 1])).problems]
    assert message.endswith(
        "needs inputs whose sizes agree, or are 1, in each dimension (broadcasting) but input 2 is (N, 3, 1, 1) "
        "where the inputs before give (N, 4, 9, 11): dimension 1 has 4 and 3"
    )
    (message,) = [p.message for p in analyse(_merge("add", [4, 9, 11], [4])).problems]
    assert "as many dimensions as each other (broadcasting stretches a dimension of size 1, it adds none)" in message


@pytest.mark.parametrize(
    "params, reference",
    [
        ({"op": "mean", "dims": [2, 3]}, lambda x: x.mean((2, 3))),
        ({"op": "sum", "dims": [1], "keepdim": True}, lambda x: torch.sum(x, 1, keepdim=True)),
        ({"op": "amax", "dims": [-1]}, lambda x: x.amax(-1)),
        ({"op": "amin", "dims": [-2, -1], "keepdim": True}, lambda x: x.amin((-2, -1), keepdim=True)),
    ],
    ids=["mean", "sum-keepdim", "amax", "amin"],
)
def test_reduce_computes_what_torch_computes_along_its_dims(params: dict, reference) -> None:
    compiled = one_block("reduce", {"keepdim": False} | params, [4, 9, 11])
    same_as(compiled, _Computes(reference), IMAGES)
    assert compiled.output_shapes["output_1"] == ("N", *reference(IMAGES).shape[1:])
    assert "dims 0 does not exist" in problem("reduce", {"op": "mean", "dims": [0], "keepdim": False}, [4])


def test_pixel_shuffle_and_unshuffle_are_torchs() -> None:
    x = torch.randn(2, 8, 3, 5)
    compiled = one_block("pixel_shuffle", {"upscale_factor": 2}, [8, 3, 5])
    same_as(compiled, nn.PixelShuffle(2), x)
    assert compiled.output_shapes["output_1"] == ("N", 2, 6, 10)
    same_as(
        one_block("pixel_unshuffle", {"downscale_factor": 3}, [4, 9, 6]), nn.PixelUnshuffle(3), torch.randn(2, 4, 9, 6)
    )
    assert "channels divisible by upscale_factor² (9) but receives 8" in problem(
        "pixel_shuffle", {"upscale_factor": 3}, [8, 3, 5]
    )


@pytest.mark.parametrize("size", [9, 10, 11, 12])
def test_pooling_ceil_mode_keeps_the_last_window_as_torch_does(size: int) -> None:
    x = torch.randn(2, 4, size, size + 1)
    for kind, cls in (("max_pool2d", nn.MaxPool2d), ("avg_pool2d", nn.AvgPool2d)):
        params = {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}
        compiled = one_block(kind, params, [4, size, size + 1])
        same_as(compiled, cls(3, 2, 1, ceil_mode=True), x)
        assert compiled.output_shapes["output_1"] == ("N", *cls(3, 2, 1, ceil_mode=True)(x).shape[1:])


@pytest.mark.parametrize(
    "params, reference",
    [
        ({"num_heads": 2}, nn.MultiheadAttention(4, 2, batch_first=True)),
        ({"num_heads": 4, "bias": False, "dropout": 0.2}, nn.MultiheadAttention(4, 4, 0.2, False, batch_first=True)),
    ],
    ids=["plain", "no-bias"],
)
def test_multihead_attention_is_torchs_with_its_names(params: dict, reference: nn.Module) -> None:
    x = torch.randn(2, 13, 4)  # one sequence wired to query, key and value: self-attention
    graph = chain(
        ("input_1", "input", {"shape": [13, 4]}),
        ("block_1", "multihead_attention", sized("multihead_attention", params)),
        ("output_1", "output", {}),
    )
    for port in (1, 2):
        graph.connect(Link("input_1", 0, "block_1", port))
    compiled = compile_graph(graph)
    assert list(compiled.module.block_1.state_dict()) == list(reference.state_dict())
    reference.load_state_dict(compiled.module.block_1.state_dict())
    compiled.module.eval(), reference.eval()
    with torch.no_grad():
        assert torch.allclose(compiled.module(x), reference(x, x, x, need_weights=False)[0], atol=1e-6)
    assert compiled.analysis.param_counts["block_1"] == sum(p.numel() for p in reference.parameters())


@pytest.mark.parametrize(
    "params, reference",
    [
        ({"num_heads": 2, "dim_feedforward": 8}, nn.TransformerEncoderLayer(4, 2, 8, batch_first=True)),
        (
            {"num_heads": 1, "dim_feedforward": 6, "activation": "gelu", "norm_first": True, "bias": False},
            nn.TransformerEncoderLayer(4, 1, 6, activation="gelu", norm_first=True, bias=False, batch_first=True),
        ),
    ],
    ids=["post-norm", "pre-norm-gelu-no-bias"],
)
def test_transformer_encoder_layer_is_torchs_with_its_names(params: dict, reference: nn.Module) -> None:
    compiled = one_block("transformer_encoder_layer", params, [13, 4])
    assert list(compiled.module.block_1.state_dict()) == list(reference.state_dict())
    same_as(compiled, reference, SIGNALS.transpose(1, 2))


@pytest.mark.parametrize(
    "init, check",
    [
        ("zeros", lambda w: torch.equal(w, torch.zeros(4, 1, 1))),
        ("ones", lambda w: torch.equal(w, torch.full((4, 1, 1), 1e-6))),
        ("normal", lambda w: 0 < float(w.detach().std()) < 0.1),
    ],
)
def test_a_parameter_is_one_learned_tensor_for_the_whole_batch(init: str, check, tmp_path: Path) -> None:
    params = {"shape": [4, 1, 1], "view": [4, 1, 1], "init": init, "init_scale": 1e-6 if init == "ones" else 0.02}
    graph = chain(
        ("input_1", "input", {"shape": [4, 9, 11]}),
        ("block_1", "parameter", params),
        ("scaled", "multiply", {}),
        ("output_1", "output", {}),
    )
    graph.connect(Link("input_1", 0, "scaled", 1))
    compiled = compile_graph(graph)
    weight = compiled.module.block_1
    assert isinstance(weight, nn.Parameter) and list(compiled.module.state_dict()) == ["block_1"] and check(weight)
    assert compiled.analysis.param_counts["block_1"] == 4
    assert torch.equal(compiled.module(IMAGES), weight.reshape(1, 4, 1, 1) * IMAGES)  # a layer scale
    scripted = tmp_path / "scaled.pt"
    export_torchscript(compiled, scripted)
    assert torch.equal(torch.jit.load(str(scripted))(IMAGES), compiled.module(IMAGES))
    assert "view [8] holds 8 values but shape [4, 1, 1] holds 4" in problem("parameter", params | {"view": [8]}, [3])


@pytest.mark.parametrize("distribution, fn", [("normal", torch.randn_like), ("uniform", torch.rand_like)])
def test_noise_draws_what_torch_draws_shaped_like_its_input(distribution: str, fn) -> None:
    compiled = one_block("noise", {"distribution": distribution}, [4, 9, 11])
    torch.manual_seed(3)
    ours = compiled.module(IMAGES)
    torch.manual_seed(3)
    assert torch.equal(ours, fn(IMAGES)) and not torch.equal(ours, compiled.module(IMAGES))  # new at every call


def test_matmul_is_torchs_batched_product_broadcasting_the_heads() -> None:
    graph = _merge("matmul", [1, 6, 5], [3, 5, 4])
    compiled = compile_graph(graph)
    a, b = torch.randn(2, 1, 6, 5), torch.randn(2, 3, 5, 4)
    assert torch.equal(compiled.module(a, b), torch.matmul(a, b))
    assert compiled.output_shapes["out"] == ("N", 3, 6, 4)
    (message,) = [p.message for p in analyse(_merge("matmul", [3, 6, 5], [3, 4, 4])).problems]
    assert message.endswith(
        "needs input 2's second-to-last size to be input 1's last: (N, 3, 6, 5) @ (N, 3, 4, 4) would multiply rows "
        "of 5 values with columns of 4"
    )


@pytest.mark.parametrize("fill, value", [(None, float("-inf")), (-1e10, -1e10)])
def test_causal_mask_hides_the_later_steps_as_masked_fill_does(fill, value, tmp_path: Path) -> None:
    compiled = one_block("causal_mask", {"fill": fill}, [2, 5, 7])
    scores = torch.randn(3, 2, 5, 7)
    later = torch.ones(5, 7, dtype=torch.bool).triu(1)
    assert torch.equal(compiled.module(scores), scores.masked_fill(later, value))
    softmax = torch.softmax(compiled.module(scores), -1)
    assert float(softmax[0, 0, 0, 1:].sum()) == pytest.approx(0.0, abs=1e-6)  # the first step sees itself only
    export_torchscript(compiled, tmp_path / "mask.pt")
    assert torch.equal(torch.jit.load(str(tmp_path / "mask.pt"))(scores), compiled.module(scores))
