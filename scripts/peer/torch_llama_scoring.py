"""The PyTorch peer of cultune's scoring: what a user of the Python stack would run.

Scores the same requests with the same soft prompts on the same weights: an eager Llama forward
(Hugging Face's LlamaForCausalLM written out: RMSNorm, rotate-half RoPE, grouped-query attention,
SiLU-gated MLP) fed with inputs_embeds, batched with right padding, length-sorted batches as
lm-evaluation-harness does, fp32, every CPU thread, inference mode. Two modes:
- "full" (the default): full [batch, seq, vocab] logits from the LM head (as LlamaForCausalLM returns
  them) and a log_softmax at each prompt's last position. No tricks, nothing deliberately slow.
- "tuned", what a careful user writes: the prefix every prompt shares (the soft prompt and the common
  lead-in) runs once per candidate and its KV cache is expanded over each batch of suffixes
  (past_key_values), and the LM head runs at each prompt's last position only (logits_to_keep).

Usage: python3 torch_llama_scoring.py JOB_JSON
JOB_JSON: {"model_dir", "weights_dir", "requests", "prompts", "k", "batch_size", "warmup", "out", "mode"}
  model_dir: Hugging Face config.json; weights_dir: weights.bin + weights.json (scripts/peer/export-weights.ts);
  requests: JSON [{"ids": [...], "options": [[id], ...]}]; prompts: float32 [candidates, k, hidden], all
  scored, the soft vectors going before every token (PEFT's convention).
Writes JSON: {"logprobs": [candidate][request][option], "seconds", "cpu_seconds", "max_rss_kib",
  "batches": [[rows, width]] of one candidate (tuned: the shared prefix first), "torch", "threads"}.
"""
import json
import math
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def load_weights(weights_dir):
    with open(os.path.join(weights_dir, "weights.json")) as f:
        tensors = json.load(f)["tensors"]
    path = os.path.join(weights_dir, "weights.bin")
    weights = {}
    for name, entry in tensors.items():
        count = math.prod(entry["shape"])
        array = np.fromfile(path, dtype="<f4", count=count, offset=entry["offset"])
        weights[name] = torch.from_numpy(array.reshape(entry["shape"]))
    return weights


class Llama:
    def __init__(self, config, weights):
        self.w = weights
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.kv_heads = config["num_key_value_heads"]
        self.head_dim = config.get("head_dim") or config["hidden_size"] // self.heads
        self.eps = config["rms_norm_eps"]
        inv_freq = 1.0 / (config["rope_theta"] ** (torch.arange(0, self.head_dim, 2, dtype=torch.int64).float() / self.head_dim))
        freqs = torch.outer(torch.arange(config["max_position_embeddings"]).float(), inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.cos, self.sin = emb.cos(), emb.sin()

    def rms_norm(self, x, weight):
        # In fp32 whatever the weights' dtype, as LlamaRMSNorm does.
        x32 = x.float()
        variance = x32.pow(2).mean(-1, keepdim=True)
        return weight * (x32 * torch.rsqrt(variance + self.eps)).to(x.dtype)

    @staticmethod
    def rotate_half(x):
        half = x.shape[-1] // 2
        return torch.cat((-x[..., half:], x[..., :half]), dim=-1)

    def attention(self, x, layer, cos, sin, mask, past, present):
        batch, seq, _ = x.shape
        p = f"model.layers.{layer}.self_attn."
        q = F.linear(x, self.w[p + "q_proj.weight"]).view(batch, seq, self.heads, self.head_dim).transpose(1, 2)
        k = F.linear(x, self.w[p + "k_proj.weight"]).view(batch, seq, self.kv_heads, self.head_dim).transpose(1, 2)
        v = F.linear(x, self.w[p + "v_proj.weight"]).view(batch, seq, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + self.rotate_half(q) * sin
        k = k * cos + self.rotate_half(k) * sin
        if past is not None:
            k = torch.cat((past[layer][0].expand(batch, -1, -1, -1), k), dim=2)
            v = torch.cat((past[layer][1].expand(batch, -1, -1, -1), v), dim=2)
        present.append((k, v))
        groups = self.heads // self.kv_heads
        k = k.repeat_interleave(groups, dim=1)
        v = v.repeat_interleave(groups, dim=1)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim) + mask
        probs = torch.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
        context = torch.matmul(probs, v).transpose(1, 2).reshape(batch, seq, self.heads * self.head_dim)
        return F.linear(context, self.w[p + "o_proj.weight"])

    def mlp(self, x, layer):
        p = f"model.layers.{layer}.mlp."
        gate = F.linear(x, self.w[p + "gate_proj.weight"])
        up = F.linear(x, self.w[p + "up_proj.weight"])
        return F.linear(F.silu(gate) * up, self.w[p + "down_proj.weight"])

    def hidden_states(self, inputs_embeds, attention_mask, position_ids=None, past=None):
        """Final-norm hidden states [batch, seq, hidden] and the KV cache [(k, v)] per layer.
        attention_mask [batch, seq] is 1 for real tokens; position_ids [batch, seq] default to the
        positions after the cache (right padding); `past` (batch 1) is a prefix every row continues."""
        batch, seq, _ = inputs_embeds.shape
        device, dtype = inputs_embeds.device, inputs_embeds.dtype
        start = 0 if past is None else past[0][0].shape[2]
        if position_ids is None:
            position_ids = torch.arange(start, start + seq, device=device)[None].expand(batch, seq)
        cos = self.cos.to(device)[position_ids][:, None].to(dtype)
        sin = self.sin.to(device)[position_ids][:, None].to(dtype)
        causal = torch.ones(seq, seq, dtype=torch.bool, device=device).tril()
        allowed = causal[None, None] & attention_mask.bool()[:, None, None, :]
        allowed = torch.cat((torch.ones(batch, 1, seq, start, dtype=torch.bool, device=device), allowed), dim=3)
        mask = torch.zeros(batch, 1, seq, start + seq, dtype=dtype, device=device).masked_fill(~allowed, torch.finfo(dtype).min)
        h = inputs_embeds
        present = []
        for layer in range(self.layers):
            h = h + self.attention(self.rms_norm(h, self.w[f"model.layers.{layer}.input_layernorm.weight"]), layer, cos, sin, mask, past, present)
            h = h + self.mlp(self.rms_norm(h, self.w[f"model.layers.{layer}.post_attention_layernorm.weight"]), layer)
        return self.rms_norm(h, self.w["model.norm.weight"]), present

    def lm_head(self, hidden):
        return F.linear(hidden, self.w["lm_head.weight"])

    def logits(self, inputs_embeds, attention_mask, position_ids=None, last_only=False):
        """[batch, seq, vocab] logits ([batch, 1, vocab] with last_only), as LlamaForCausalLM returns them."""
        hidden, _ = self.hidden_states(inputs_embeds, attention_mask, position_ids)
        return self.lm_head(hidden[:, -1:] if last_only else hidden)


def shared_prefix(requests):
    """The number of leading token ids every request shares (one is left to each, so each has a suffix)."""
    shortest = min(len(r["ids"]) for r in requests)
    n = 0
    while n < shortest - 1 and all(r["ids"][n] == requests[0]["ids"][n] for r in requests):
        n += 1
    return n


def score_candidate(model, embed_tokens, requests, soft_prompt, batch_size, tuned):
    """Log-probs [request][option] of each option's token after [soft prompt; prompt ids]."""
    order = sorted(range(len(requests)), key=lambda r: -len(requests[r]["ids"]))
    results = [None] * len(requests)
    shapes = []
    k, hidden = soft_prompt.shape
    past, lead = None, 0
    if tuned:
        # The soft prompt and the lead-in every prompt shares, once per candidate.
        lead = shared_prefix(requests)
        prefix = torch.cat((soft_prompt, embed_tokens[torch.tensor(requests[0]["ids"][:lead], dtype=torch.long)]))
        _, past = model.hidden_states(prefix[None], torch.ones(1, k + lead, dtype=torch.long))
        shapes.append([1, k + lead])
    for start in range(0, len(order), batch_size):
        chunk = order[start:start + batch_size]
        lengths = [len(requests[r]["ids"]) - lead + (0 if tuned else k) for r in chunk]
        width = max(lengths)
        embeds = torch.zeros(len(chunk), width, hidden)
        attention_mask = torch.zeros(len(chunk), width, dtype=torch.long)
        for b, r in enumerate(chunk):
            ids = torch.tensor(requests[r]["ids"][lead:], dtype=torch.long)
            if tuned:
                embeds[b, :lengths[b]] = embed_tokens[ids]
            else:
                embeds[b, :k] = soft_prompt
                embeds[b, k:lengths[b]] = embed_tokens[ids]
            attention_mask[b, :lengths[b]] = 1
        rows, ends = torch.arange(len(chunk)), torch.tensor(lengths) - 1
        if tuned:
            hidden_states, _ = model.hidden_states(embeds, attention_mask, past=past)
            last = torch.log_softmax(model.lm_head(hidden_states[rows, ends]), dim=-1)
        else:
            last = torch.log_softmax(model.logits(embeds, attention_mask)[rows, ends], dim=-1)
        for b, r in enumerate(chunk):
            results[r] = [float(last[b, option[0]]) for option in requests[r]["options"]]
        shapes.append([len(chunk), width])
    return results, shapes


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main():
    job = json.loads(sys.argv[1])
    torch.set_num_threads(os.cpu_count())
    with open(os.path.join(job["model_dir"], "config.json")) as f:
        config = json.load(f)
    weights = load_weights(job["weights_dir"])
    model = Llama(config, weights)
    with open(job["requests"]) as f:
        requests = json.load(f)
    if any(len(option) != 1 for r in requests for option in r["options"]):
        sys.exit("torch peer: only one-token options are supported")
    hidden = config["hidden_size"]
    prompts = torch.from_numpy(np.fromfile(job["prompts"], dtype="<f4").reshape(-1, job["k"], hidden))
    embed_tokens = weights["model.embed_tokens.weight"]
    tuned = job.get("mode", "full") == "tuned"
    with torch.inference_mode():
        if job["warmup"]:
            score_candidate(model, embed_tokens, requests, prompts[0], job["batch_size"], tuned)
        started = time.perf_counter()
        cpu_started = cpu_seconds()
        logprobs = []
        for soft_prompt in prompts:
            scores, shapes = score_candidate(model, embed_tokens, requests, soft_prompt, job["batch_size"], tuned)
            logprobs.append(scores)
        seconds = time.perf_counter() - started
        cpu = cpu_seconds() - cpu_started
    result = {
        "logprobs": logprobs,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "batches": shapes,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    with open(job["out"], "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
