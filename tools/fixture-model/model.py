"""A small Llama-style decoder: RMSNorm, rotary positions from position_ids, SwiGLU, grouped-query attention.

forward() takes the Optimum decoder-with-past inputs and returns (logits, presents) so the same code trains,
samples with a KV cache and exports to ONNX.
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    vocab_size: int = 2048
    hidden_size: int = 192
    intermediate_size: int = 512
    num_hidden_layers: int = 5
    num_attention_heads: int = 8
    num_key_value_heads: int = 2
    max_position_embeddings: int = 512
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    tie_word_embeddings: bool = True

    @property
    def head_dim(self):
        return self.hidden_size // self.num_attention_heads

    def to_dict(self):
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, n, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        hd = c.head_dim
        self.q_proj = nn.Linear(c.hidden_size, c.num_attention_heads * hd, bias=False)
        self.k_proj = nn.Linear(c.hidden_size, c.num_key_value_heads * hd, bias=False)
        self.v_proj = nn.Linear(c.hidden_size, c.num_key_value_heads * hd, bias=False)
        self.o_proj = nn.Linear(c.num_attention_heads * hd, c.hidden_size, bias=False)

    def forward(self, x, cos, sin, mask, past_k, past_v):
        # x [B,S,H]; cos/sin [B,1,S,hd]; mask [B,1,1,S,T] additive; past [B,kv,P,hd]
        c = self.c
        B, S = x.shape[0], x.shape[1]
        kv, hd = c.num_key_value_heads, c.head_dim
        rep = c.num_attention_heads // kv
        q = self.q_proj(x).view(B, S, c.num_attention_heads, hd).transpose(1, 2)
        k = self.k_proj(x).view(B, S, kv, hd).transpose(1, 2)
        v = self.v_proj(x).view(B, S, kv, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        present = (k, v)
        qg = q.view(B, kv, rep, S, hd)  # heads are grouped kv-major: head h uses kv head h // rep
        att = torch.matmul(qg, k.unsqueeze(2).transpose(-1, -2)) * (1.0 / math.sqrt(hd))
        att = att + mask
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, v.unsqueeze(2))  # [B,kv,rep,S,hd]
        y = y.view(B, c.num_attention_heads, S, hd).transpose(1, 2).reshape(B, S, c.num_attention_heads * hd)
        return self.o_proj(y), present


class MLP(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, mask, pk, pv):
        a, present = self.self_attn(self.input_layernorm(x), cos, sin, mask, pk, pv)
        x = x + a
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x, present


class LlamaLM(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList([Block(c) for _ in range(c.num_hidden_layers)])
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.lm_head = nn.Linear(c.hidden_size, c.vocab_size, bias=False)
        if c.tie_word_embeddings:
            self.lm_head.weight = self.embed_tokens.weight
        inv = 1.0 / (c.rope_theta ** (torch.arange(0, c.head_dim, 2, dtype=torch.float32) / c.head_dim))
        self.register_buffer("inv_freq", inv, persistent=False)
        self.apply(self._init)

    def _init(self, m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, input_ids, attention_mask=None, position_ids=None, past=None):
        """input_ids [B,S]; attention_mask [B,P+S] (1 = attend, 0 = padding) or None; position_ids [B,S];
        past: list of (k,v) per layer with shape [B,kv,P,hd] or None. Returns logits [B,S,V], presents."""
        B, S = input_ids.shape[0], input_ids.shape[1]
        if past is not None:
            P = past[0][0].shape[2]
        else:
            P = 0
        if position_ids is None:
            position_ids = (torch.arange(S, dtype=torch.long) + P).unsqueeze(0).expand(B, S)
        x = self.embed_tokens(input_ids)
        freqs = position_ids.unsqueeze(-1).to(torch.float32) * self.inv_freq  # [B,S,hd/2]
        emb = torch.cat([freqs, freqs], dim=-1).unsqueeze(1)  # [B,1,S,hd]
        cos, sin = emb.cos(), emb.sin()
        # causal within the new tokens, every past position visible, padding (mask 0) hidden
        T = S + P if isinstance(P, int) else P + S
        kpos = torch.arange(T, dtype=torch.long) if attention_mask is None else torch.cumsum(
            torch.ones_like(attention_mask[0]), 0) - 1
        qpos = kpos[-S:] if attention_mask is not None else torch.arange(S, dtype=torch.long) + P
        allowed = kpos.unsqueeze(0) <= qpos.unsqueeze(1)  # [S,T]
        allowed = allowed.unsqueeze(0)
        if attention_mask is not None:
            allowed = allowed & (attention_mask.unsqueeze(1) > 0)  # [B,S,T]
        mask = torch.where(allowed, torch.zeros((), dtype=torch.float32), torch.full((), -1e9, dtype=torch.float32))
        mask = mask.unsqueeze(1).unsqueeze(1)  # [B|1,1,1,S,T]
        presents = []
        for i, layer in enumerate(self.layers):
            pk, pv = (past[i] if past is not None else (None, None))
            x, pr = layer(x, cos, sin, mask, pk, pv)
            presents.append(pr)
        logits = self.lm_head(self.norm(x))
        return logits, presents

    def num_params(self):
        return sum(p.numel() for p in self.parameters())
