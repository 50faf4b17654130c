"""Graph datasets for node classification: Zachary's karate club (shipped with networkx)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
import torch

from playground.core.registry import ParamSpec
from playground.nn.data.base import SEED, Data, DatasetSpec, generator, register_dataset


def normalised_adjacency(graph: nx.Graph) -> torch.Tensor:
    """D^-1/2 (A + I) D^-1/2, the propagation matrix of a GCN."""
    a = torch.tensor(nx.to_numpy_array(graph, nodelist=sorted(graph.nodes)), dtype=torch.float32)
    a = (a > 0).float() + torch.eye(a.shape[0])
    d = a.sum(1).rsqrt()
    return d[:, None] * a * d[None, :]


def _karate(params: dict[str, Any], base_dir: Path | None) -> Data:
    graph = nx.karate_club_graph()
    nodes = sorted(graph.nodes)
    y = torch.tensor([0 if graph.nodes[n]["club"] == "Mr. Hi" else 1 for n in nodes])
    x = torch.eye(len(nodes))  # one-hot node identities as features
    g = generator(params["seed"])
    train_mask = torch.zeros(len(nodes), dtype=torch.bool)
    for label in (0, 1):
        members = (y == label).nonzero().flatten()
        chosen = members[torch.randperm(len(members), generator=g)[: params["labelled"]]]
        train_mask[chosen] = True
    fields = {"x": x, "adjacency": normalised_adjacency(graph), "y": y}
    return Data(
        "karate-club",
        "graph",
        {**fields, "mask": train_mask},
        {**fields, "mask": ~train_mask},
        num_classes=2,
        info={"edges": [tuple(e) for e in graph.edges], "names": [str(n) for n in nodes]},
    )


register_dataset(
    DatasetSpec(
        id="karate-club",
        title="Karate club",
        description="Zachary's karate club: 34 members, their friendships, and the two clubs it split into.",
        kind="graph",
        build=_karate,
        params=(ParamSpec("labelled", "int", 4, "Members per club whose label the network sees", min=1, max=16), SEED),
    )
)
