import { UserError } from '../util/errors.ts';

/** One device a session runs on. `cuda` is `cuda:0`; `auto` is CUDA when it loads, else the CPU. */
export type DeviceRequest = 'auto' | 'cpu' | 'webgpu' | `cuda${'' | `:${number}`}`;

const DEVICE_HELP = 'use auto, cpu, cuda, cuda:N, webgpu, or a list of one kind such as cuda:0,cuda:1';
const CUDA_INDEXED = /^cuda:(\d+)$/;

export function parseDevice(value: string): DeviceRequest {
  if (value === 'auto' || value === 'cpu' || value === 'webgpu' || value === 'cuda' || CUDA_INDEXED.test(value)) return value as DeviceRequest;
  throw new UserError(`unknown device "${value}": ${DEVICE_HELP}`);
}

function deviceKind(device: DeviceRequest): string {
  return device.startsWith('cuda') ? 'cuda' : device;
}

/**
 * A `--device` value: one device, or a comma-separated list of devices of one kind (one session
 * each; a population is split across them). A list may repeat a device (`cuda:0,cuda:0`: two
 * sessions on one GPU). Kinds are not mixed: candidates would then be scored with different
 * arithmetic depending on which session took them.
 */
export function parseDevices(value: string): DeviceRequest[] {
  const devices = value.split(',').map((part) => parseDevice(part.trim()));
  if (devices.length > 1) {
    if (devices.includes('auto')) throw new UserError(`"auto" cannot be part of a device list ("${value}"): name the devices`);
    if (new Set(devices.map(deviceKind)).size > 1) throw new UserError(`a device list names one kind of device (cuda:0,cuda:1 or cpu,cpu), not "${value}"`);
  }
  return devices;
}

/**
 * The GPU index of a device or provider name: N for "cuda:N", else 0 ("cuda", "auto" and other GPU
 * providers run on the first GPU).
 */
export function gpuIndex(device: string): number {
  const match = CUDA_INDEXED.exec(device);
  return match ? Number(match[1]) : 0;
}
