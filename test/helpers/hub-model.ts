import fs from 'node:fs';
import path from 'node:path';
import { writeLlamaFolder } from '../../src/synthetic/llama-folder.ts';
import { surveyCorpus } from '../../src/train/demo-model.ts';

const spec = (dtype: 'float32' | 'float16') => ({
  hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 128, maxPositions: 1024, ropeTheta: 10000, rmsEps: 1e-5, dtype, withPast: true,
});

/**
 * A seeded Llama in the layout of an onnx-community repository: config and tokenizer at the top,
 * onnx/model.onnx + model.onnx_data (fp32), onnx/model_fp16.onnx (weights inline), a quantized
 * onnx/model_q4.onnx that cultune must refuse, and a README. Returns the folder of the fp32 model as
 * cultune would load it from disk (for comparing scores) beside the repository folder.
 */
export function writeHubRepoFolder(root: string): { repo: string; local: string } {
  const local = path.join(root, 'local-fp32');
  const tokenizer = { trainOn: { corpus: surveyCorpus(), merges: 100 } };
  writeLlamaFolder(local, { spec: spec('float32'), seed: 'hub-fp32', tokenizer });
  const fp16 = path.join(root, 'local-fp16');
  writeLlamaFolder(fp16, { spec: spec('float16'), seed: 'hub-fp16', tokenizer, externalThreshold: Infinity });
  const repo = path.join(root, 'repo');
  fs.mkdirSync(path.join(repo, 'onnx'), { recursive: true });
  for (const file of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(local, file), path.join(repo, file));
  fs.copyFileSync(path.join(local, 'model.onnx'), path.join(repo, 'onnx', 'model.onnx'));
  fs.copyFileSync(path.join(local, 'model.onnx_data'), path.join(repo, 'onnx', 'model.onnx_data'));
  fs.copyFileSync(path.join(fp16, 'model.onnx'), path.join(repo, 'onnx', 'model_fp16.onnx'));
  fs.writeFileSync(path.join(repo, 'onnx', 'model_q4.onnx'), 'a 4-bit graph cultune must not download');
  fs.writeFileSync(path.join(repo, 'README.md'), '# a seeded test model\n');
  return { repo, local };
}
