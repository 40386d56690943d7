import yaml from 'js-yaml';

export interface ManifestOptions {
  image: string;
  /** Redis URL the workers use (stored in a Secret named by secretName, key DEEPLENS_QUEUE). */
  secretName: string;
  replicas: number;
  concurrency: number;
  cpu: string;
  memory: string;
  /** An Indexed Job of this many pods that exit when the queue is empty, instead of a Deployment. */
  indexedJob?: number;
  /** Name of the worker objects. */
  name: string;
}

/**
 * Kubernetes objects for sweep workers: a Deployment (workers that wait for jobs for ever) or an
 * Indexed Job (pods that exit when the queue is empty). Redis, S3 and W&B settings come from a
 * Secret, so the manifest holds no credentials.
 */
export function k8sManifest(o: ManifestOptions): string {
  const labels = { app: o.name };
  const container = {
    name: 'worker',
    image: o.image,
    args: ['worker', '--concurrency', String(o.concurrency), '--scratch', '/scratch', ...(o.indexedJob ? ['--exit-when-idle'] : [])],
    envFrom: [{ secretRef: { name: o.secretName } }],
    resources: { requests: { cpu: o.cpu, memory: o.memory }, limits: { memory: o.memory } },
    volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
  };
  const pod = {
    metadata: { labels },
    spec: {
      // SIGTERM lets running jobs save their state and go back to the queue.
      terminationGracePeriodSeconds: 120,
      containers: [container],
      volumes: [{ name: 'scratch', emptyDir: {} }],
      ...(o.indexedJob ? { restartPolicy: 'OnFailure' } : {}),
    },
  };
  const secret = {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: o.secretName }, type: 'Opaque',
    stringData: {
      DEEPLENS_QUEUE: 'redis://redis:6379',
      AWS_ACCESS_KEY_ID: 'change-me', AWS_SECRET_ACCESS_KEY: 'change-me', AWS_REGION: 'us-east-1',
      WANDB_API_KEY: 'optional',
    },
  };
  const workload = o.indexedJob
    ? { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: o.name, labels }, spec: { completionMode: 'Indexed', completions: o.indexedJob, parallelism: o.indexedJob, backoffLimit: 6, template: pod } }
    : { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: o.name, labels }, spec: { replicas: o.replicas, selector: { matchLabels: labels }, template: pod } };
  return [secret, workload].map((doc) => yaml.dump(doc, { lineWidth: 120, noRefs: true })).join('---\n');
}
