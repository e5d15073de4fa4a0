"""The Hugging Face transformers peer of cultune's GPU scoring: what a user of the Python stack runs.

Scores a DE population (every candidate's soft prompt before every request, PEFT's convention) with
LlamaForCausalLM on the same weights as cultune (exported from the ONNX initializers), in the modes a
user would pick:
  right padding, full [batch, seq, vocab] logits, log_softmax at each row's last real position
  (what a plain forward gives), and
  left padding with explicit position ids and logits_to_keep=1 (a careful user: the head runs at the
  last position only).
Each mode runs in fp32 or bf16 (weights cast from the fp32 export; torch keeps TF32 off for fp32
matrix products by default). Rows of all candidates are sorted by length and batched.

Where transformers is not importable (Debian's python3-torch has no transformers), the project's eager
PyTorch Llama (torch_llama_scoring.py) runs the same modes, and the result says so.

Usage: python3 hf_transformers_scoring.py JOB_JSON
JOB_JSON: {"model_dir", "weights_dir", "requests", "prompts", "k", "device": "cuda"|"cpu",
  "modes": [{"name", "dtype": "float32"|"bfloat16", "padding": "right"|"left"}], "batch_rows",
  "logits_bytes", "out"}
  right padding computes full logits, left padding logits_to_keep=1; batch_rows bounds rows per batch,
  logits_bytes the full-logits tensor of one batch.
Writes JSON: {"implementation", "torch", "device_name", "threads",
  "modes": {name: {"logprobs": [candidate][request][option], "seconds", "seconds_per_candidate", "cpu_seconds_per_candidate",
  "peak_bytes", "batches": [[rows, width]]}}}.
"""
import json
import os
import resource
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_llama_scoring import Llama, load_weights  # noqa: E402

try:
    import transformers
    from transformers import LlamaConfig, LlamaForCausalLM
except ImportError:
    transformers = None

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}


class TransformersModel:
    def __init__(self, model_dir, weights, dtype, device):
        config = LlamaConfig.from_pretrained(model_dir)
        model = LlamaForCausalLM(config)
        model.load_state_dict(weights, strict=True)
        self.model = model.to(device=device, dtype=dtype).eval()
        self.embed = self.model.get_input_embeddings()

    def last_logits(self, embeds, mask, padding):
        if padding == "left":
            positions = (mask.cumsum(-1) - 1).clamp(min=0)
            out = self.model(inputs_embeds=embeds, attention_mask=mask, position_ids=positions, logits_to_keep=1)
            return out.logits[:, -1]
        logits = self.model(inputs_embeds=embeds, attention_mask=mask).logits
        return logits[torch.arange(len(mask), device=mask.device), mask.sum(-1) - 1]


class EagerModel:
    def __init__(self, model_dir, weights, dtype, device):
        with open(os.path.join(model_dir, "config.json")) as f:
            config = json.load(f)
        self.model = Llama(config, {name: w.to(device=device, dtype=dtype) for name, w in weights.items()})
        table = self.model.w["model.embed_tokens.weight"]
        self.embed = lambda ids: table[ids]

    def last_logits(self, embeds, mask, padding):
        if padding == "left":
            positions = (mask.cumsum(-1) - 1).clamp(min=0)
            return self.model.logits(embeds, mask, positions, last_only=True)[:, -1]
        logits = self.model.logits(embeds, mask)
        return logits[torch.arange(len(mask), device=mask.device), mask.sum(-1) - 1]


def rows_of(requests, candidates):
    """Every (candidate, request) pair, longest first (the length-sorted batching of lm-evaluation-harness)."""
    rows = [(c, r) for c in range(candidates) for r in range(len(requests))]
    return sorted(rows, key=lambda row: (-len(requests[row[1]]["ids"]), row))


def score(model, requests, prompts, padding, batch_rows, logits_bytes, vocab, device):
    """log-probs [candidate][request][option] and the batch shapes."""
    candidates, k, _ = prompts.shape
    rows = rows_of(requests, candidates)
    results = [[None] * len(requests) for _ in range(candidates)]
    shapes = []
    start = 0
    while start < len(rows):
        width = k + len(requests[rows[start][1]]["ids"])
        fit = batch_rows if padding == "left" else max(1, min(batch_rows, logits_bytes // (width * vocab * 4)))
        chunk = rows[start:start + fit]
        start += len(chunk)
        lengths = [k + len(requests[r]["ids"]) for _, r in chunk]
        embeds = torch.zeros(len(chunk), width, prompts.shape[2], dtype=prompts.dtype, device=device)
        mask = torch.zeros(len(chunk), width, dtype=torch.long, device=device)
        for b, (c, r) in enumerate(chunk):
            ids = torch.tensor(requests[r]["ids"], dtype=torch.long, device=device)
            row = torch.cat([prompts[c], model.embed(ids)])
            at = width - lengths[b] if padding == "left" else 0
            embeds[b, at:at + lengths[b]] = row
            mask[b, at:at + lengths[b]] = 1
        last = torch.log_softmax(model.last_logits(embeds, mask, padding).float(), dim=-1)
        picked = last.cpu()
        for b, (c, r) in enumerate(chunk):
            results[c][r] = [float(picked[b, option[0]]) for option in requests[r]["options"]]
        shapes.append([len(chunk), width])
    return results, shapes


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def synchronize(device):
    if device == "cuda":
        torch.cuda.synchronize()


def main():
    job = json.loads(sys.argv[1])
    device = job["device"]
    if device == "cpu":
        torch.set_num_threads(os.cpu_count())
    with open(job["requests"]) as f:
        requests = json.load(f)
    if any(len(option) != 1 for r in requests for option in r["options"]):
        sys.exit("transformers peer: only one-token options are supported")
    with open(os.path.join(job["model_dir"], "config.json")) as f:
        config = json.load(f)
    hidden, vocab = config["hidden_size"], config["vocab_size"]
    weights = load_weights(job["weights_dir"])
    prompts32 = torch.from_numpy(np.fromfile(job["prompts"], dtype="<f4").reshape(-1, job["k"], hidden))
    Model = TransformersModel if transformers else EagerModel
    result = {
        "implementation": f"transformers {transformers.__version__}" if transformers else "eager PyTorch Llama (transformers not importable)",
        "torch": torch.__version__,
        "device_name": torch.cuda.get_device_name() if device == "cuda" else "cpu",
        "threads": torch.get_num_threads(),
        "modes": {},
    }
    models = {}
    with torch.inference_mode():
        for mode in job["modes"]:
            dtype = DTYPES[mode["dtype"]]
            if dtype not in models:
                models.clear()
                if device == "cuda":
                    torch.cuda.empty_cache()
                models[dtype] = Model(job["model_dir"], weights, dtype, device)
            model = models[dtype]
            prompts = prompts32.to(device=device, dtype=dtype)
            run = lambda: score(model, requests, prompts, mode["padding"], job["batch_rows"], job["logits_bytes"], vocab, device)
            run()  # warm-up: kernels chosen, memory pools grown
            synchronize(device)
            if device == "cuda":
                torch.cuda.reset_peak_memory_stats()
            started, cpu_started = time.perf_counter(), cpu_seconds()
            logprobs, shapes = run()
            synchronize(device)
            seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
            peak = torch.cuda.max_memory_allocated() if device == "cuda" else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            result["modes"][mode["name"]] = {
                "logprobs": logprobs,
                "seconds": seconds,
                "seconds_per_candidate": seconds / prompts.shape[0],
                "cpu_seconds_per_candidate": cpu / prompts.shape[0],
                "peak_bytes": peak,
                "batches": shapes,
            }
    with open(job["out"], "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
