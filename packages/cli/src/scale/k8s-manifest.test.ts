import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { k8sManifest } from './k8s-manifest.js';

// Manifests are loose YAML trees; the tests walk them by path.
type Doc = { [key: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

const base = { image: 'reg/deeplens:1', secretName: 'env', replicas: 3, concurrency: 2, cpu: '4', memory: '8Gi', name: 'w' };

describe('k8sManifest', () => {
  it('is a Secret and a Deployment of workers that read the queue and S3 settings from the Secret', () => {
    const [secret, deployment] = yaml.loadAll(k8sManifest(base)) as Doc[];
    expect(secret).toMatchObject({ kind: 'Secret', metadata: { name: 'env' }, stringData: { DEEPLENS_QUEUE: expect.stringMatching(/^redis:\/\//) } });
    expect(deployment).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 3, selector: { matchLabels: { app: 'w' } } } });
    const c = deployment!.spec.template.spec.containers[0];
    expect(c).toMatchObject({ image: 'reg/deeplens:1', args: ['worker', '--concurrency', '2', '--scratch', '/scratch'], envFrom: [{ secretRef: { name: 'env' } }], resources: { requests: { cpu: '4', memory: '8Gi' } } });
    expect(deployment!.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
  });

  it('is an Indexed Job of workers that exit when the queue is empty', () => {
    const [, job] = yaml.loadAll(k8sManifest({ ...base, indexedJob: 5 })) as Doc[];
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { completionMode: 'Indexed', completions: 5, parallelism: 5 } });
    expect(job!.spec.template.spec.restartPolicy).toBe('OnFailure');
    expect(job!.spec.template.spec.containers[0].args).toContain('--exit-when-idle');
  });
});
