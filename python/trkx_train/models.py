"""The three networks of the pipeline (PyTorch modules).

All networks take ``node_features`` [N, F] float32 exactly as written by
``trkx prepare``; each standardises them internally with per-feature mean and
standard deviation measured on the training events (stored as buffers, so
they travel inside the exported ONNX graph and exist nowhere else).

Edge networks take ``edge_index`` [2, E] int64 (row 0 = source, row 1 =
destination) and gather the two ends themselves: the first layer on a pair
(x_src, x_dst) is computed as ``A x_src + B x_dst + c`` by projecting every
node once and gathering the projections, which equals a linear layer on the
concatenation [x_src, x_dst] at a fraction of the cost per edge.

``forward`` returns logits (training); :class:`Probabilities` wraps a model
with the sigmoid for export, so exported scores are probabilities in [0, 1].
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
import math
from typing import Any

import torch
from torch import nn

from .scatter import scatter_add_rows


class InputTransform(nn.Module):
    """Standardises node features with constants measured on the training data.

    Every column becomes (x - mean) / std; azimuthal columns (named in
    ``PERIODIC_FEATURES``) are in addition given as (cos a, sin a) with
    a = 2 pi (x - min) / (max - min) (the feature covers one full turn), so
    hits on both sides of phi = +-pi stay close.  For edges, ``pair_periodic``
    gives (sin, cos) of the wrapped angle difference dst - src.  All constants
    are buffers, so they travel inside the exported ONNX graph and exist
    nowhere else.
    """

    PERIODIC_FEATURES = ("phi",)
    #: geometric edge features (see ``edge_geometry``), available when the columns r, phi, z exist
    EDGE_GEOMETRY = ("dr", "dphi", "dz", "deta", "phi_slope", "z0")

    def __init__(self, feature_names: list[str]) -> None:
        super().__init__()
        n = len(feature_names)
        periodic = [i for i, f in enumerate(feature_names) if f in self.PERIODIC_FEATURES]
        keep = list(range(n))
        self.register_buffer("mean", torch.zeros(n))
        self.register_buffer("std", torch.ones(n))
        self.register_buffer("keep", torch.tensor(keep, dtype=torch.int64))
        self.register_buffer("periodic", torch.tensor(periodic, dtype=torch.int64))
        self.register_buffer("turn_offset", torch.zeros(len(periodic)))
        self.register_buffer("turn_scale", torch.ones(len(periodic)))
        self.n_out = len(keep) + 2 * len(periodic)
        names = list(feature_names)
        self.has_geometry = all(c in names for c in ("r", "phi", "z"))
        self.geo_cols = [names.index(c) for c in ("r", "phi", "z")] if self.has_geometry else []
        self.n_geometry = len(self.EDGE_GEOMETRY) if self.has_geometry else 0
        self.register_buffer("edge_mean", torch.zeros(self.n_geometry))
        self.register_buffer("edge_std", torch.ones(self.n_geometry))

    def set_stats(self, x: torch.Tensor) -> None:
        """Measures the constants on training hits x [N, F]."""
        xd = x.double()
        self.mean.copy_(xd.mean(0).float())
        self.std.copy_(torch.clamp(xd.std(0), min=1e-6).float())
        if self.periodic.numel():
            p = xd[:, self.periodic]
            lo, hi = p.min(0).values, p.max(0).values
            self.turn_offset.copy_(lo.float())
            self.turn_scale.copy_((2 * math.pi / torch.clamp(hi - lo, min=1e-6)).float())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = ((x - self.mean) / self.std).index_select(1, self.keep)
        if self.periodic.numel() == 0:
            return z
        a = self.angles(x)
        return torch.cat([z, torch.cos(a), torch.sin(a)], dim=1)

    @property
    def n_periodic(self) -> int:
        return int(self.periodic.numel())

    def angles(self, x: torch.Tensor) -> torch.Tensor:
        """Periodic columns as angles [rad], [N, n_periodic]."""
        return (x.index_select(1, self.periodic) - self.turn_offset) * self.turn_scale

    def edge_geometry(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        """Standardised geometric features of every edge [E, 6], from the raw r, phi, z columns
        (in whatever units the features carry): dr, dphi (sine of the wrapped azimuth
        difference), dz, deta (of the two hits seen from the origin), phi_slope = dphi / dr
        and z0 = z_src - r_src dz / dr (the line through both hits at r = 0), with |dr|
        kept >= 1e-3 and slope and z0 clamped. Differences and ratios are what separates
        track segments; an MLP on the two hits' features alone learns them only slowly."""
        # every quantity is kept as an [., 1] column (rank-stable under ONNX export)
        r = x.narrow(1, self.geo_cols[0], 1)
        z = x.narrow(1, self.geo_cols[2], 1)
        a = self.angles(x).narrow(1, 0, 1)
        t = z / torch.clamp(r, min=1e-3)  # eta = asinh(t), written out (torch 1.13 cannot export asinh)
        eta = torch.sign(t) * torch.log(t.abs() + torch.sqrt(t * t + 1.0))
        src, dst = edge_index[0], edge_index[1]
        r0 = r.index_select(0, src)
        z0_ = z.index_select(0, src)
        dr = r.index_select(0, dst) - r0
        dz = z.index_select(0, dst) - z0_
        dphi = torch.sin(a.index_select(0, dst) - a.index_select(0, src))
        deta = eta.index_select(0, dst) - eta.index_select(0, src)
        dr_safe = torch.where(dr >= 0, torch.clamp(dr, min=1e-3), torch.clamp(dr, max=-1e-3))
        phi_slope = torch.clamp(dphi / dr_safe, -50.0, 50.0)
        zint = torch.clamp(z0_ - r0 * dz / dr_safe, -5.0, 5.0)
        g = torch.cat([dr, dphi, dz, deta, phi_slope, zint], dim=1)
        return (g - self.edge_mean) / self.edge_std

    def set_edge_stats(self, x: torch.Tensor, edge_index: torch.Tensor) -> None:
        """Measures the standardisation of ``edge_geometry`` on training edges (call after set_stats)."""
        if not self.has_geometry or edge_index.shape[1] == 0:
            return
        self.edge_mean.zero_()
        self.edge_std.fill_(1.0)
        g = self.edge_geometry(x, edge_index).double()
        self.edge_mean.copy_(g.mean(0).float())
        self.edge_std.copy_(torch.clamp(g.std(0), min=1e-6).float())

    def pair_periodic(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        """(sin d, cos d) of the angle difference d = a_dst - a_src of every edge, [E, 2 n_periodic]."""
        a = self.angles(x)
        c, s = torch.cos(a), torch.sin(a)
        cs, ss = c.index_select(0, edge_index[0]), s.index_select(0, edge_index[0])
        cd, sd = c.index_select(0, edge_index[1]), s.index_select(0, edge_index[1])
        return torch.cat([sd * cs - cd * ss, cd * cs + sd * ss], dim=1)


def _hidden_block(width: int, layer_norm: bool) -> list[nn.Module]:
    return ([nn.LayerNorm(width)] if layer_norm else []) + [nn.ReLU()]


def make_mlp(n_in: int, widths: list[int], n_out: int, layer_norm: bool) -> nn.Sequential:
    """Linear -> [LayerNorm] -> ReLU for every hidden width, then a plain Linear to n_out."""
    layers: list[nn.Module] = []
    prev = n_in
    for w in widths:
        layers += [nn.Linear(prev, w)] + _hidden_block(w, layer_norm)
        prev = w
    layers.append(nn.Linear(prev, n_out))
    return nn.Sequential(*layers)


class PairLinear(nn.Module):
    """Linear layer on the concatenation [u_src, u_dst] of an edge's two end nodes,
    computed as (node projection A u)[src] + (node projection B u)[dst] + bias."""

    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.src = nn.Linear(n_in, n_out, bias=True)
        self.dst = nn.Linear(n_in, n_out, bias=False)

    def forward(self, nodes: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        a = self.src(nodes)
        b = self.dst(nodes)
        return a.index_select(0, edge_index[0]) + b.index_select(0, edge_index[1])


class HitPairInput(nn.Module):
    """First layer of an edge network on raw hits: linear in [t(x_src), t(x_dst), sin d, cos d]
    with t the InputTransform and d the wrapped azimuth difference of the two hits (plus the
    edge geometry). ``n_node`` is the width of the per-hit vectors ``x`` given to ``forward``
    when they are not t(x) itself (a hit encoder's output)."""

    def __init__(self, transform: InputTransform, n_out: int, n_node: int | None = None) -> None:
        super().__init__()
        self.pair = PairLinear(transform.n_out if n_node is None else n_node, n_out)
        self.angle = nn.Linear(2 * transform.n_periodic, n_out, bias=False) if transform.n_periodic else None
        self.geometry = nn.Linear(transform.n_geometry, n_out, bias=False) if transform.n_geometry else None

    def forward(self, transform: InputTransform, x_raw: torch.Tensor, x: torch.Tensor,
                edge_index: torch.Tensor) -> torch.Tensor:
        out = self.pair(x, edge_index)
        if self.angle is not None:
            out = out + self.angle(transform.pair_periodic(x_raw, edge_index))
        if self.geometry is not None:
            out = out + self.geometry(transform.edge_geometry(x_raw, edge_index))
        return out


# ----------------------------------------------------------------- configs
@dataclass
class EmbeddingConfig:
    """Metric-learning MLP: F -> hidden x n_layers -> dim."""

    hidden: int = 128
    n_layers: int = 3
    dim: int = 8
    layer_norm: bool = True


@dataclass
class FilterConfig:
    """Edge filter MLP on (x_src, x_dst, azimuth difference) -> hidden x n_layers -> 1.

    With ``node_layers`` > 0 a per-hit encoder (``node_layers`` hidden layers of ``node_hidden``
    units, 0: ``hidden``) turns each hit's features into the vector the edge's first layer reads:
    depth spent once per hit (~100k) instead of once per candidate edge (~5M), so that an edge
    part of ``n_layers`` = 1 (first layer, ReLU, one output unit) costs about a thousand
    operations per edge (the end-hit sums and the small products of the geometric inputs)."""

    hidden: int = 64
    n_layers: int = 3
    layer_norm: bool = True
    node_layers: int = 0
    node_hidden: int = 0


@dataclass
class GNNConfig:
    """Interaction network: encoders, n_steps residual message-passing steps, edge decoder."""

    hidden: int = 64
    n_steps: int = 4
    layer_norm: bool = True
    shared_weights: bool = False  # one edge/node network for all steps (recurrent) or one per step


@dataclass
class ModelSpec:
    """Everything needed to rebuild a network: stage name, input feature names and config."""

    stage: str
    node_features: list[str]
    config: dict[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------- embedding
class EmbeddingNet(nn.Module):
    """Maps hit features [N, F] to points [N, dim] where consecutive hits of one particle are close."""

    def __init__(self, feature_names: list[str], cfg: EmbeddingConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.norm = InputTransform(feature_names)
        self.net = make_mlp(self.norm.n_out, [cfg.hidden] * cfg.n_layers, cfg.dim, cfg.layer_norm)

    def forward(self, node_features: torch.Tensor) -> torch.Tensor:
        return self.net(self.norm(node_features))


# ----------------------------------------------------------------- filter
class EdgeFilterNet(nn.Module):
    """Scores every edge from its two hits' features; returns logits [E]."""

    def __init__(self, feature_names: list[str], cfg: FilterConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.norm = InputTransform(feature_names)
        self.node_encoder: nn.Module | None = None
        n_node = None
        if cfg.node_layers > 0:
            n_node = cfg.node_hidden or cfg.hidden
            layers: list[nn.Module] = []
            prev = self.norm.n_out
            for _ in range(cfg.node_layers):
                layers += [nn.Linear(prev, n_node)] + _hidden_block(n_node, cfg.layer_norm)
                prev = n_node
            self.node_encoder = nn.Sequential(*layers)
        self.first = HitPairInput(self.norm, cfg.hidden, n_node)
        self.first_act = nn.Sequential(*_hidden_block(cfg.hidden, cfg.layer_norm))
        self.rest = make_mlp(cfg.hidden, [cfg.hidden] * (cfg.n_layers - 1), 1, cfg.layer_norm)

    def encode_hits(self, node_features: torch.Tensor) -> torch.Tensor:
        """The per-hit vectors the edges' first layer reads (standardised features, or the hit
        encoder's output): computed once per event by :func:`score_edges`' callers."""
        x = self.norm(node_features)
        return self.node_encoder(x) if self.node_encoder is not None else x

    def score_edges(self, node_features: torch.Tensor, hits: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        """Logits of the edges ``edge_index`` from ``hits`` = encode_hits(node_features)."""
        e = self.first_act(self.first(self.norm, node_features, hits, edge_index))
        return self.rest(e).squeeze(-1)

    def forward(self, node_features: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        return self.score_edges(node_features, self.encode_hits(node_features), edge_index)


# ----------------------------------------------------------------- GNN
class _EdgeUpdate(nn.Module):
    """e' = MLP([h_src, h_dst, e]) with the first layer split into node-side and edge-side parts."""

    def __init__(self, hidden: int, layer_norm: bool) -> None:
        super().__init__()
        self.pair = PairLinear(hidden, hidden)
        self.edge = nn.Linear(hidden, hidden, bias=False)
        self.act = nn.Sequential(*_hidden_block(hidden, layer_norm))
        self.out = nn.Linear(hidden, hidden)

    def forward(self, h: torch.Tensor, e: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        return self.out(self.act(self.pair(h, edge_index) + self.edge(e)))


class _NodeUpdate(nn.Module):
    """h' = MLP([h, sum of incoming edge states, sum of outgoing edge states])."""

    def __init__(self, hidden: int, layer_norm: bool) -> None:
        super().__init__()
        self.net = make_mlp(3 * hidden, [hidden], hidden, layer_norm)

    def forward(self, h: torch.Tensor, e: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        m_in = scatter_add_rows(e, edge_index[1], h)
        m_out = scatter_add_rows(e, edge_index[0], h)
        return self.net(torch.cat([h, m_in, m_out], dim=1))


class InteractionGNN(nn.Module):
    """Interaction network on a hit graph; returns one logit per edge [E].

    node encoder F -> H -> H; edge encoder on (x_src, x_dst, azimuth difference) -> H -> H;
    n_steps of residual edge update then residual node update (sum
    aggregation over incoming and outgoing edges, scatter-add); decoder on
    (h_src, h_dst, e) -> H -> 1.
    """

    def __init__(self, feature_names: list[str], cfg: GNNConfig) -> None:
        super().__init__()
        self.cfg = cfg
        h = cfg.hidden
        ln = cfg.layer_norm
        self.norm = InputTransform(feature_names)
        self.node_encoder = nn.Sequential(make_mlp(self.norm.n_out, [h], h, ln), *_hidden_block(h, ln))
        self.edge_encoder_first = HitPairInput(self.norm, h)
        self.edge_encoder = nn.Sequential(*_hidden_block(h, ln), nn.Linear(h, h), *_hidden_block(h, ln))
        n_nets = 1 if cfg.shared_weights else cfg.n_steps
        self.edge_updates = nn.ModuleList(_EdgeUpdate(h, ln) for _ in range(n_nets))
        self.node_updates = nn.ModuleList(_NodeUpdate(h, ln) for _ in range(n_nets))
        self.decoder_first = _EdgeUpdate(h, ln)
        self.decoder_out = nn.Sequential(nn.ReLU(), nn.Linear(h, 1))

    def forward(self, node_features: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        x = self.norm(node_features)
        h = self.node_encoder(x)
        e = self.edge_encoder(self.edge_encoder_first(self.norm, node_features, x, edge_index))
        for step in range(self.cfg.n_steps):
            k = 0 if self.cfg.shared_weights else step
            e = e + self.edge_updates[k](h, e, edge_index)
            h = h + self.node_updates[k](h, e, edge_index)
        return self.decoder_out(self.decoder_first(h, e, edge_index)).squeeze(-1)


class Probabilities(nn.Module):
    """Wraps an edge network so that it returns sigmoid(logits) (what is exported)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, node_features: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.model(node_features, edge_index))


STAGES = ("embedding", "filter", "gnn")


def build_model(spec: ModelSpec) -> nn.Module:
    """Builds the network of ``spec.stage`` with ``spec.config`` (dict of the stage's config fields)."""
    if spec.stage == "embedding":
        return EmbeddingNet(spec.node_features, EmbeddingConfig(**spec.config))
    if spec.stage == "filter":
        return EdgeFilterNet(spec.node_features, FilterConfig(**spec.config))
    if spec.stage == "gnn":
        return InteractionGNN(spec.node_features, GNNConfig(**spec.config))
    raise ValueError(f"unknown stage {spec.stage!r}, expected one of {STAGES}")


def default_config(stage: str) -> dict[str, Any]:
    """Default config of a stage as a plain dict."""
    cls = {"embedding": EmbeddingConfig, "filter": FilterConfig, "gnn": GNNConfig}[stage]
    return asdict(cls())
