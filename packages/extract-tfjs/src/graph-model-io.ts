import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FileFormatError } from '@deeplens/core';
import type { io } from '@tensorflow/tfjs-core';

/** A tfjs IOHandler for a model.json and its weight shards on disk (tfjs-core has no file:// loader without tfjs-node). */
export function modelJsonFromDisk(path: string): io.IOHandler {
  return {
    async load() {
      let json: { modelTopology?: unknown; weightsManifest?: Array<{ paths: string[]; weights: io.WeightsManifestEntry[] }>; format?: string; generatedBy?: string; convertedBy?: string; signature?: unknown; userDefinedMetadata?: Record<string, object> };
      try {
        json = JSON.parse(await readFile(path, 'utf8')) as typeof json;
      } catch (error) {
        throw new FileFormatError(path, `is not a readable TensorFlow.js model.json (${(error as Error).message})`, { cause: error });
      }
      if (!json.modelTopology || !Array.isArray(json.weightsManifest)) throw new FileFormatError(path, 'has no modelTopology and weightsManifest: not a TensorFlow.js graph model');
      const specs: io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) buffers.push(new Uint8Array(await readFile(join(dirname(path), p))));
      }
      const total = buffers.reduce((s, b) => s + b.length, 0);
      const weightData = new Uint8Array(total);
      let o = 0;
      for (const b of buffers) {
        weightData.set(b, o);
        o += b.length;
      }
      return {
        modelTopology: json.modelTopology as io.ModelArtifacts['modelTopology'], weightSpecs: specs, weightData: weightData.buffer,
        ...(json.format ? { format: json.format } : {}), ...(json.generatedBy ? { generatedBy: json.generatedBy } : {}), ...(json.convertedBy ? { convertedBy: json.convertedBy } : {}),
        ...(json.signature ? { signature: json.signature as object } : {}), ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
      };
    },
  };
}
