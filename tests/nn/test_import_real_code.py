"""Real model code comes in: Python that asks for sizes (asserts, ``len``, shape branches) is traced for
the shapes it is imported with and says so; layers written as function calls on a submodule's weights,
broadcasting merges and constants in arithmetic have their blocks; and what comes in goes out as Python
and in again unchanged (the fixed point)."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from playground.core.project import loads
from playground.core.project_write import dumps
from playground.nn.compile import compile_graph
from playground.nn.export import export_python
from playground.nn.import_trace import Unrepresentable
from playground.nn.importing import import_module


def _same_module(module: nn.Module, shape: tuple[int, ...], dtype: torch.dtype = torch.float):
    """Import the module; its blocks, compiled from the saved project, have its keys and compute its
    outputs. The import (its project graph and notes)."""
    module.eval()
    imported = import_module(module, [shape])
    compiled = compile_graph(loads(dumps(imported.project)).graph).module
    assert list(compiled.state_dict()) == [k for k in module.state_dict() if k in imported.weights]
    compiled.load_state_dict(imported.weights)
    compiled.eval()
    torch.manual_seed(1)
    x = torch.randint(0, 11, (3, *shape[1:])) if dtype == torch.long else torch.randn(3, *shape[1:])
    with torch.no_grad():
        assert torch.allclose(compiled(x), module(x), rtol=1e-4, atol=1e-5)
    return imported


def _fixed_point(imported, shape: tuple[int, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Export the imported blocks as Python and import that: the same blocks, wires, keys and outputs."""
    compiled = compile_graph(imported.project.graph)
    compiled.module.load_state_dict(imported.weights)
    target = tmp_path / "exported_model.py"
    export_python(compiled, target)
    spec = importlib.util.spec_from_file_location("exported_model", target)
    exported = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, exported)  # as `playground import` loads a file: its source is read
    spec.loader.exec_module(exported)
    model = exported.Model()
    model.load_state_dict(imported.weights)
    again = import_module(model.eval(), [shape])
    first, second = imported.project.graph, again.project.graph
    assert dumps(again.project).count('"type"') == dumps(imported.project).count('"type"')
    assert {k: (b.type, b.params) for k, b in second.blocks.items()} == {
        k: (b.type, b.params) for k, b in first.blocks.items()
    }
    assert sorted(map(str, second.links)) == sorted(map(str, first.links))
    assert second.ties == first.ties
    assert list(again.weights) == list(imported.weights)


class LayerNorm(nn.Module):
    """nanoGPT's LayerNorm: "but with an optional bias. PyTorch doesn't support simply bias=False"."""

    def __init__(self, ndim: int, bias: bool) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(input, self.weight.shape, self.weight, self.bias, 1e-5)


class TinyGPT(nn.Module):
    """nanoGPT's GPT.forward as it is written: the size assert, targets=None, the last step's logits, and
    its weight tying (the token embedding is the output layer's weight)."""

    def __init__(self, block_size: int = 16) -> None:
        super().__init__()
        self.block_size = block_size
        self.wte = nn.Embedding(11, 8)
        self.wpe = nn.Embedding(block_size, 8)
        self.ln_1 = LayerNorm(8, bias=True)
        self.c_attn = nn.Linear(8, 24)
        self.ln_f = LayerNorm(8, bias=False)
        self.lm_head = nn.Linear(8, 11, bias=False)
        self.wte.weight = self.lm_head.weight  # https://paperswithcode.com/method/weight-tying

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None) -> torch.Tensor:
        device = idx.device
        _b, t = idx.size()
        assert t <= self.block_size, f"Cannot forward sequence of length {t}, block size is only {self.block_size}"
        pos = torch.arange(0, t, dtype=torch.long, device=device)
        x = self.wte(idx) + self.wpe(pos)
        q, k, v = self.c_attn(self.ln_1(x)).split(8, dim=2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = self.ln_f(x + y * (1.0 / math.sqrt(k.size(-1))))
        if targets is None:
            return self.lm_head(x[:, [-1], :])  # inference: only the last position
        return self.lm_head(x)


def test_a_nanogpt_forward_with_its_assert_and_functional_layernorm_comes_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    torch.manual_seed(0)
    model = TinyGPT()
    imported = _same_module(model, (1, 12), torch.long)
    graph = imported.project.graph
    assert graph.ties == {"lm_head.weight": "wte.weight"}
    assert list(imported.weights)[-1] == "lm_head.weight"  # torch's state dict lists both names
    compiled = compile_graph(graph)
    assert compiled.analysis.total_params == sum(p.numel() for p in model.parameters())  # counted once
    assert compiled.module.lm_head.weight is compiled.module.wte.weight
    assert graph.blocks["ln_1"].type == graph.blocks["ln_f"].type == "layer_norm"  # with their own names
    assert graph.blocks["ln_f"].params["bias"] is False and graph.blocks["ln_1"].params["bias"] is True
    assert list(imported.weights)[:5] == ["wte.weight", "wpe.weight", "ln_1.weight", "ln_1.bias", "c_attn.weight"]
    line = TinyGPT.forward.__code__.co_firstlineno + 3
    assert imported.notes == [
        f'test_import_real_code.py:{line} (assert t <= self.block_size, f"Cannot forward sequence of length {{t}}, '
        'block size is only {self.block_size}"): a condition was answered for inputs shaped 2,12 (True)'
    ]
    assert "Traced for these inputs" in imported.project.description
    scale = [b for b in graph.blocks.values() if b.type == "arithmetic"]
    assert [b.params for b in scale] == [{"op": "x * c", "c": 1.0 / math.sqrt(8)}]
    assert [b.params for b in graph.blocks.values() if b.type == "slice"][-1] == {"dim": 1, "start": 11, "length": 1}
    _fixed_point(imported, (1, 12), tmp_path, monkeypatch)


class ModuleDictGPT(nn.Module):
    """nanoGPT's layout: the embeddings inside ``self.transformer`` (an nn.ModuleDict), the tie made there."""

    def __init__(self) -> None:
        super().__init__()
        self.transformer = nn.ModuleDict(
            {"wte": nn.Embedding(11, 8), "wpe": nn.Embedding(16, 8), "ln_f": nn.LayerNorm(8)}
        )
        self.lm_head = nn.Linear(8, 11, bias=False)
        self.transformer.wte.weight = self.lm_head.weight

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(0, idx.size(1), dtype=torch.long, device=idx.device)
        return self.lm_head(self.transformer.ln_f(self.transformer.wte(idx) + self.transformer.wpe(pos)))


def test_a_tie_into_a_group_keeps_torch_s_keys_and_comes_back_out_tied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    torch.manual_seed(0)
    imported = _same_module(ModuleDictGPT(), (1, 12), torch.long)
    assert imported.project.graph.ties == {"lm_head.weight": "transformer.wte.weight"}
    assert list(imported.weights) == [
        "transformer.wte.weight",
        "transformer.wpe.weight",
        "transformer.ln_f.weight",
        "transformer.ln_f.bias",
        "lm_head.weight",
    ]
    _fixed_point(imported, (1, 12), tmp_path, monkeypatch)


class SharedNorm(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(4)
        self.scale = self.norm.weight  # the same tensor, used outside a layer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x) * self.scale


def test_weights_tied_where_no_block_may_share_them_are_refused_in_one_line() -> None:
    with pytest.raises(Unrepresentable) as info:
        import_module(SharedNorm().eval(), [(1, 4)])
    assert info.value.problems == ["scale and norm.weight are one tensor (tied weights), not all of them a layer's"]


class ManualAttention(nn.Module):
    """minGPT's CausalSelfAttention (and nanoGPT's without flash attention): the scores by hand, masked
    with a registered lower-triangular buffer sliced to the sequence; a functional LayerNorm before it."""

    def __init__(self, block_size: int = 16, fill: float = -1e10) -> None:
        super().__init__()
        self.ln = LayerNorm(8, bias=True)
        self.key, self.query, self.value = nn.Linear(8, 8), nn.Linear(8, 8), nn.Linear(8, 8)
        self.register_buffer("mask", torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size))
        self.fill = fill

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.ln(x)
        B, T, C = x.size()
        k = self.key(x).view(B, T, 2, C // 2).transpose(1, 2)
        q = self.query(x).view(B, T, 2, C // 2).transpose(1, 2)
        v = self.value(x).view(B, T, 2, C // 2).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.mask[:, :, :T, :T] == 0, self.fill)
        att = F.softmax(att, dim=-1)
        return (att @ v).transpose(1, 2).contiguous().view(B, T, C)


class Head(nn.Module):
    """One head of "Let's build GPT" (Karpathy's lecture): a 2-D ``tril`` buffer; with ``causal=False``, a
    mask that hides the earlier steps instead."""

    def __init__(self, causal: bool = True) -> None:
        super().__init__()
        self.value = nn.Linear(4, 4, bias=False)
        ones = torch.ones(8, 8)
        self.register_buffer("tril", torch.tril(ones) if causal else torch.triu(ones))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _B, T, C = x.shape
        wei = x @ x.transpose(-2, -1) * C**-0.5
        wei = wei.masked_fill(self.tril[:T, :T] == 0, float("-inf"))
        return F.softmax(wei, dim=-1) @ self.value(x)


@pytest.mark.parametrize("fill", [-1e10, float("-inf")])
def test_attention_written_out_by_hand_comes_in_as_matmuls_and_a_causal_mask(
    fill: float, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    torch.manual_seed(0)
    imported = _same_module(ManualAttention(fill=fill), (1, 12, 8))
    types = [block.type for block in imported.project.graph.blocks.values()]
    assert types.count("matmul") == 2 and types.count("causal_mask") == 1
    (mask,) = [b for b in imported.project.graph.blocks.values() if b.type == "causal_mask"]
    assert mask.params == {"fill": None if fill == float("-inf") else fill}
    assert "mask" not in imported.weights  # the block makes the mask itself, for any length
    _fixed_point(imported, (1, 12, 8), tmp_path, monkeypatch)


def test_the_lectures_tril_buffer_is_a_causal_mask_and_any_other_mask_is_refused() -> None:
    imported = _same_module(Head(), (1, 6, 4))
    assert [b.type for b in imported.project.graph.blocks.values()].count("causal_mask") == 1
    with pytest.raises(Unrepresentable) as info:
        import_module(Head(causal=False).eval(), [(1, 6, 4)])
    line = Head.forward.__code__.co_firstlineno + 3
    assert info.value.problems == [
        f"Tensor.masked_fill at test_import_real_code.py:{line}: only a causal mask (each step's later steps "
        "hidden) has a block"
    ]


class TimmAttention(nn.Module):
    """timm's ViT Attention as written: one qkv projection reshaped and permuted so that q, k and v come
    first (the batch second), then ``unbind(0)``; the fused path or the scores by hand."""

    def __init__(self, fused: bool) -> None:
        super().__init__()
        self.num_heads, self.head_dim, self.scale = 2, 4, 4**-0.5
        self.fused_attn = fused
        self.qkv = nn.Linear(8, 24)
        self.q_norm, self.k_norm = nn.Identity(), nn.Identity()
        self.proj = nn.Linear(8, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        q, k = self.q_norm(q), self.k_norm(k)
        if self.fused_attn:
            x = F.scaled_dot_product_attention(q, k, v)
        else:
            q = q * self.scale
            attn = q @ k.transpose(-2, -1)
            x = attn.softmax(dim=-1) @ v
        return self.proj(x.transpose(1, 2).reshape(B, N, C))


@pytest.mark.parametrize("fused", [True, False])
def test_timms_qkv_permuted_batch_second_and_unbound_comes_in_piece_by_piece(
    fused: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    imported = _same_module(TimmAttention(fused), (1, 5, 8))
    blocks = imported.project.graph.blocks.values()
    assert sorted(b.params["index"] for b in blocks if b.type == "select") == [0, 1, 2]
    assert [b.params for b in blocks if b.type == "permute"] == [{"dims": [0, 2, 1, 3]}] * 3
    _fixed_point(imported, (1, 5, 8), tmp_path, monkeypatch)


class DataBranch(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.mean() > 0:
            return x
        return -x


class SizeLoop(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(len(x.shape)):
            x = torch.tanh(x)
        return x


def test_python_on_values_is_refused_at_its_line_and_on_sizes_is_answered() -> None:
    with pytest.raises(Unrepresentable) as caught:
        import_module(DataBranch(), [(1, 3)])
    line = DataBranch.forward.__code__.co_firstlineno + 1
    assert caught.value.problems == [
        f"test_import_real_code.py:{line} (if x.mean() > 0:): a condition needs the values of a tensor, which a "
        "traced network does not have: it cannot branch on its data"
    ]
    imported = import_module(SizeLoop(), [(1, 4, 5)])
    assert [b.type for b in imported.project.graph.blocks.values()] == ["input", "tanh", "tanh", "tanh", "output"]
    assert imported.notes[0].endswith("len() was answered for inputs shaped 2,4,5 (3)")


class SqueezeExcite(nn.Module):
    """A MobileNetV3 / EfficientNet block: a per-channel gate broadcast over the feature map."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc1 = nn.Conv2d(8, 2, 1)
        self.fc2 = nn.Conv2d(2, 8, 1)
        self.head = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.hardswish(self.conv(x))
        scale = F.hardsigmoid(self.fc2(F.relu(self.fc1(F.adaptive_avg_pool2d(x, 1)))))
        x = scale * x
        return self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def test_a_squeeze_excitation_gate_broadcasts_as_a_multiply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    imported = _same_module(SqueezeExcite(), (1, 3, 8, 8))
    graph = imported.project.graph
    (gate,) = [b.id for b in graph.blocks.values() if b.type == "multiply"]
    feeds = sorted(graph.blocks[link.src].type for link in graph.links if link.dst == gate)
    assert feeds == ["hardsigmoid", "hardswish"]  # (B, 8, 1, 1) times (B, 8, 8, 8)
    _fixed_point(imported, (1, 3, 8, 8), tmp_path, monkeypatch)


class LayerNorm2d(nn.LayerNorm):
    """torchvision's ConvNeXt LayerNorm2d: the channels normalised at each pixel."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class VAEHead(nn.Module):
    """A VAE's encoder head as tutorials write it: the spread from the log-variance, constants inline."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 3, padding=1)
        self.norm = LayerNorm2d(4, eps=1e-6)
        self.mu = nn.Linear(64, 3)
        self.logvar = nn.Linear(64, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.flatten(self.norm(self.stem(x)), 1)
        mu = self.mu(h)
        std = torch.exp(0.5 * self.logvar(h))
        return 1 - mu / 2 + std - 3


def test_a_convnext_layernorm2d_and_constants_in_arithmetic_come_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    imported = _same_module(VAEHead(), (1, 1, 4, 4))
    graph = imported.project.graph
    assert graph.blocks["norm"].type == "layer_norm" and graph.blocks["norm"].params["eps"] == 1e-6
    ops = [b.params for b in graph.blocks.values() if b.type == "arithmetic"]
    assert ops == [{"op": "x * c", "c": 0.5}, {"op": "x / c", "c": 2.0}, {"op": "c - x", "c": 1.0},
                   {"op": "x - c", "c": 3.0}]  # fmt: skip
    _fixed_point(imported, (1, 1, 4, 4), tmp_path, monkeypatch)


class ManyRefusals(nn.Module):
    """What has no block, many times over (a zoo model's 35 ReLU6 in another version of Playground)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(*[nn.Sequential(nn.Linear(4, 4), nn.PReLU()) for _ in range(5)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(4):
            x = torch.roll(x, 1, 1)
        return self.features(x).cumsum(1)


def test_what_recurs_is_said_once_with_its_count_and_first_places() -> None:
    with pytest.raises(Unrepresentable) as caught:
        import_module(ManyRefusals(), [(1, 4)])
    line = ManyRefusals.forward.__code__.co_firstlineno
    assert caught.value.problems == [
        f"torch.roll ×4 has no block (at test_import_real_code.py:{line + 2})",
        "torch.nn.PReLU ×5 has no block (at features.0.1 at test_import_real_code.py:"
        f"{line + 3}, features.1.1 at test_import_real_code.py:{line + 3}, features.2.1 at "
        f"test_import_real_code.py:{line + 3}, ...)",
        f"Tensor.cumsum at test_import_real_code.py:{line + 3} has no block",
    ]


class SubPixel(nn.Module):
    """A GoogLeNet-style stem (ceil_mode pooling), a global mean over height and width, and an ESPCN-style
    sub-pixel upsampler (PixelShuffle), as the pytorch/examples super-resolution model writes it."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.pool = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.shuffle = nn.PixelShuffle(2)
        self.unshuffle = nn.PixelUnshuffle(2)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y = self.pool(torch.relu(self.conv(x)))
        up = self.shuffle(y)
        return up, self.unshuffle(up).mean((2, 3), keepdim=True) * y.amax(dim=1, keepdim=True)


def test_pixel_shuffle_a_mean_over_dims_and_ceil_mode_pooling_come_in(tmp_path: Path, monkeypatch) -> None:
    module = SubPixel().eval()
    imported = import_module(module, [(1, 1, 10, 10)])
    compiled = compile_graph(imported.project.graph).module.eval()
    compiled.load_state_dict(imported.weights)
    x = torch.randn(2, 1, 10, 10)
    with torch.no_grad():
        for ours, theirs in zip(compiled(x).values(), module(x), strict=True):
            assert ours.shape == theirs.shape and torch.allclose(ours, theirs, atol=1e-6)
    graph = imported.project.graph
    assert graph.blocks["pool"].params["ceil_mode"] is True
    reduces = [b.params for b in graph.blocks.values() if b.type == "reduce"]
    assert reduces == [{"op": "mean", "dims": [2, 3], "keepdim": True}, {"op": "amax", "dims": [1], "keepdim": True}]
    _fixed_point(imported, (1, 1, 10, 10), tmp_path, monkeypatch)


class EncoderClassifier(nn.Module):
    """A sequence classifier as tutorials write it with torch.nn's own attention layers."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(6, 16)
        self.attn = nn.MultiheadAttention(16, 4, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoderLayer(16, 4, 32, 0.1, "gelu", batch_first=True, norm_first=True)
        self.head = nn.Linear(16, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.embed(x)
        attended, _weights = self.attn(x, x, x)
        x = self.encoder(x + attended)
        return self.head(x.mean(dim=1))


def test_torchs_multihead_attention_and_encoder_layer_come_in_under_their_names(tmp_path: Path, monkeypatch) -> None:
    imported = _same_module(EncoderClassifier(), (1, 5, 6))
    graph = imported.project.graph
    assert graph.blocks["attn"].type == "multihead_attention" and graph.blocks["attn"].params["num_heads"] == 4
    assert graph.blocks["encoder"].params | {"activation": "gelu", "norm_first": True} == graph.blocks["encoder"].params
    assert "encoder.self_attn.in_proj_weight" in imported.weights and "attn.out_proj.bias" in imported.weights
    assert sorted(link.dst_port for link in graph.links if link.dst == "attn") == [0, 1, 2]  # x as q, k and v
    _fixed_point(imported, (1, 5, 6), tmp_path, monkeypatch)


class ReadsWeights(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(4, 2, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, weights = self.attn(x, x, x)
        return out + weights.sum()


def test_the_attention_weights_read_are_said_to_have_no_block() -> None:
    with pytest.raises(Unrepresentable) as caught:
        import_module(ReadsWeights(), [(1, 3, 4)])
    line = ReadsWeights.forward.__code__.co_firstlineno + 2
    assert caught.value.problems == [
        f"Tensor.sum at test_import_real_code.py:{line} reads the attention weights of 'attn': only its output "
        "has a block"
    ]


class Encoder(nn.Module):
    """torchvision's ViT Encoder: a learned position table added to the tokens."""

    def __init__(self) -> None:
        super().__init__()
        self.pos_embedding = nn.Parameter(torch.empty(1, 5, 16).normal_(std=0.02))
        self.layer = nn.TransformerEncoderLayer(16, 4, 32, batch_first=True, norm_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x + self.pos_embedding)


class TinyViT(nn.Module):
    """torchvision's VisionTransformer, small: patches, a class token, positions, one encoder layer."""

    def __init__(self) -> None:
        super().__init__()
        self.conv_proj = nn.Conv2d(3, 16, 4, 4)
        self.class_token = nn.Parameter(torch.randn(1, 1, 16))
        self.encoder = Encoder()
        self.heads = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_proj(x)
        n = x.shape[0]
        x = x.reshape(n, 16, -1).permute(0, 2, 1)
        batch_class_token = self.class_token.expand(n, -1, -1)
        x = torch.cat([batch_class_token, x], dim=1)
        return self.heads(self.encoder(x)[:, 0])


class ConvNeXtBlock(nn.Module):
    """ConvNeXt's block as timm writes it: channels last inside, a layer scale gamma on the last axis."""

    def __init__(self) -> None:
        super().__init__()
        self.dwconv = nn.Conv2d(8, 8, 7, padding=3, groups=8)
        self.norm = nn.LayerNorm(8, eps=1e-6)
        self.pwconv1 = nn.Linear(8, 32)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(32, 8)
        self.gamma = nn.Parameter(1e-6 * torch.ones(8))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.dwconv(x).permute(0, 2, 3, 1)
        x = self.pwconv2(self.act(self.pwconv1(self.norm(x))))
        x = x.mul(self.gamma).permute(0, 3, 1, 2)
        return shortcut + x


def test_a_vit_class_token_and_position_table_come_in_as_parameters(tmp_path: Path, monkeypatch) -> None:
    module = TinyViT()
    imported = _same_module(module, (1, 3, 8, 8))
    graph = imported.project.graph
    assert graph.blocks["class_token"].params | {"shape": [1, 1, 16], "view": [1, 16]} == (
        graph.blocks["class_token"].params
    )
    assert torch.equal(imported.weights["class_token"], module.class_token.detach())
    assert torch.equal(imported.weights["encoder.pos_embedding"], module.encoder.pos_embedding.detach())
    _fixed_point(imported, (1, 3, 8, 8), tmp_path, monkeypatch)


def test_a_layer_scale_on_the_channels_last_axis_comes_in_as_a_parameter(tmp_path: Path, monkeypatch) -> None:
    imported = _same_module(ConvNeXtBlock(), (1, 8, 6, 6))
    gamma = imported.project.graph.blocks["gamma"]
    assert gamma.type == "parameter" and (gamma.params["shape"], gamma.params["view"]) == ([8], [1, 1, 8])
    _fixed_point(imported, (1, 8, 6, 6), tmp_path, monkeypatch)


class TokenClassifier(nn.Module):
    """The TransformerEncoder classifier of the tutorials: torch's encoder stack, with a final norm."""

    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(20, 16)
        layer = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(16), enable_nested_tensor=False)
        self.fc = nn.Linear(16, 3)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.fc(self.encoder(self.embedding(tokens)).mean(dim=1))


def test_a_transformer_encoder_stack_comes_in_as_its_layers(tmp_path: Path, monkeypatch) -> None:
    imported = _same_module(TokenClassifier(), (1, 7), torch.long)
    assert imported.notes == []  # the encoder's own fast-path checks are torch's business, not said
    encoder = imported.project.graph.blocks["encoder"].graph
    layers = encoder.blocks["layers"].graph.blocks
    assert [layers[i].type for i in ("0", "1")] == ["transformer_encoder_layer"] * 2
    assert encoder.blocks["norm"].type == "layer_norm"
    assert "encoder.layers.1.self_attn.in_proj_weight" in imported.weights
    _fixed_point(imported, (1, 7), tmp_path, monkeypatch)


class VAE(nn.Module):
    """The pytorch/examples VAE: the reparameterisation written out, noise drawn with randn_like."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(12, 8)
        self.fc21 = nn.Linear(8, 2)
        self.fc22 = nn.Linear(8, 2)
        self.fc3 = nn.Linear(2, 8)
        self.fc4 = nn.Linear(8, 12)

    def reparameterize(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h1 = F.relu(self.fc1(x.view(-1, 12)))
        mu, logvar = self.fc21(h1), self.fc22(h1)
        z = self.reparameterize(mu, logvar)
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))), mu, logvar


def test_a_vae_that_draws_its_noise_with_randn_like_comes_in(tmp_path: Path, monkeypatch) -> None:
    module = VAE().eval()
    imported = import_module(module, [(1, 3, 4)])
    (noise,) = [b for b in imported.project.graph.blocks.values() if b.type == "noise"]
    assert noise.params == {"distribution": "normal"}
    compiled = compile_graph(imported.project.graph).module.eval()
    compiled.load_state_dict(imported.weights)
    x = torch.rand(5, 3, 4)
    outputs = []
    for network in (compiled, module):
        torch.manual_seed(7)  # the same noise: the same outputs
        with torch.no_grad():
            made = network(x)
        outputs.append(list(made.values()) if isinstance(made, dict) else list(made))
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(*outputs, strict=True))
    _fixed_point(imported, (1, 3, 4), tmp_path, monkeypatch)
