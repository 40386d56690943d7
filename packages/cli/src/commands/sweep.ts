import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSaeConfig, saeArchitecture } from '@deeplens/core';
import { SweepQueue } from '@deeplens/queue';
import type { CommandModule } from '../command.js';
import type { TrainConfig } from '../config/resolve-train-config.js';
import { EXIT, UsageError } from '../errors.js';
import { openRunStore } from '../remote/run-store.js';
import { k8sManifest } from '../scale/k8s-manifest.js';
import { positiveNumberFlag, queueUrl } from '../scale/queue-flags.js';
import { jobMember, statusTable } from '../scale/sweep-report.js';
import { submitSweep } from '../scale/sweep-submit.js';
import { paretoSvg } from '../sweep/pareto-plot.js';
import { summaryMarkdown, summaryText } from '../sweep/summary-table.js';

const command: CommandModule = {
  description: 'run a sweep across machines: submit it to a job queue, follow it, collect its results',
  usage: `deeplens sweep submit  --queue redis://host:6379 --config sweep.yaml --out <s3://bucket/prefix|shared dir>
                       [--activations <s3://…|shared path>] [--eval-activations F] [--checkpoint-every-steps N]
                       [--sweep-id ID] [--attempts N]
deeplens sweep status  --queue redis://host:6379 [SWEEP_ID] [--json]
deeplens sweep results --queue redis://host:6379 [SWEEP_ID]
deeplens sweep manifest --k8s [--image IMAGE] [--replicas N] [--concurrency N] [--cpu N] [--memory 8Gi]
                       [--indexed-job N] [--name NAME] [--secret NAME]

submit queues one job per SAE of the config's sweep: section (a config without one is one job) and
prints the sweep's id; 'deeplens worker' processes on any number of machines train them. Workers
must reach the activations and --out: give s3:// prefixes, or paths on a shared file system. Each
SAE's run folder is <out>/<sweep id>/<SAE name>; the training state is copied there every
--checkpoint-every-steps steps (default: the config's, else every 10 minutes), so a job whose worker
dies resumes from it on another worker. status prints where each SAE stands; results writes
summary.md, summary.json and pareto.svg to <out>/<sweep id>/ and prints the table. SWEEP_ID defaults
to the newest sweep in the queue. manifest prints Kubernetes objects for the workers (a Secret with
the queue, S3 and W&B settings, and a Deployment, or an Indexed Job that ends when the queue is empty).`,
  positionals: { min: 1, max: 2, names: 'an action (submit, status, results or manifest) and, for status and results, an optional sweep id' },
  options: {
    queue: { type: 'string' },
    'queue-name': { type: 'string' },
    config: { type: 'string', short: 'c' },
    activations: { type: 'string', short: 'a', multiple: true },
    'eval-activations': { type: 'string' },
    out: { type: 'string' },
    'checkpoint-every-steps': { type: 'string' },
    'sweep-id': { type: 'string' },
    attempts: { type: 'string' },
    json: { type: 'boolean' },
    k8s: { type: 'boolean' },
    image: { type: 'string' },
    replicas: { type: 'string' },
    concurrency: { type: 'string' },
    cpu: { type: 'string' },
    memory: { type: 'string' },
    'indexed-job': { type: 'string' },
    name: { type: 'string' },
    secret: { type: 'string' },
  },
  async run(v, p, io) {
    const action = p[0]!;
    const queueName = typeof v['queue-name'] === 'string' ? v['queue-name'] : undefined;
    switch (action) {
      case 'submit': {
        if (typeof v['config'] !== 'string') throw new UsageError('sweep submit needs --config <sweep.yaml>');
        if (typeof v['out'] !== 'string') throw new UsageError('sweep submit needs --out <s3://bucket/prefix|shared dir>', 'where every worker writes the run folders');
        const every = v['checkpoint-every-steps'] !== undefined ? Math.floor(positiveNumberFlag(v, 'checkpoint-every-steps', 1)) : undefined;
        const attempts = v['attempts'] !== undefined ? Math.floor(positiveNumberFlag(v, 'attempts', 5)) : undefined;
        const { sweepId, jobs, folder } = await submitSweep({
          url: queueUrl(v), ...(queueName ? { queueName } : {}), configPath: v['config'], activations: v['activations'] as string[] | undefined,
          ...(typeof v['eval-activations'] === 'string' ? { evalActivations: v['eval-activations'] } : {}),
          output: v['out'], ...(every ? { checkpointEverySteps: every } : {}), ...(typeof v['sweep-id'] === 'string' ? { sweepId: v['sweep-id'] } : {}),
          ...(attempts ? { attempts } : {}),
        });
        io.out(`Sweep ${sweepId}: ${jobs.length} SAEs queued (${jobs.map((j) => j.name).join(', ')})`);
        io.out(`Run folders: ${folder}/<SAE>`);
        io.out(`Start workers with: deeplens worker --queue ${queueUrl(v)}; follow with: deeplens sweep status --queue ${queueUrl(v)} ${sweepId}`);
        return EXIT.ok;
      }
      case 'status':
      case 'results': {
        const queue = await SweepQueue.open({ url: queueUrl(v), ...(queueName ? { queueName } : {}) });
        try {
          const sweepId = p[1] ?? (await queue.sweepIds())[0];
          if (!sweepId) throw new UsageError('the queue holds no sweep', 'submit one with deeplens sweep submit');
          const jobs = await queue.jobsOf<TrainConfig>(sweepId);
          if (jobs.length === 0) throw new UsageError(`the queue holds no sweep '${sweepId}'`, `sweeps in the queue: ${(await queue.sweepIds()).join(', ') || 'none'}`);
          const members = jobs.map((j) => jobMember(j, saeArchitecture(resolveSaeConfig(j.data.config.model))));
          if (action === 'status') {
            io.out(v['json'] ? JSON.stringify({ sweep: sweepId, jobs: jobs.map((j) => ({ name: j.name, state: j.state, tries: j.attemptsMade, progress: j.progress, result: j.result, failed_reason: j.failedReason })) }, null, 2) : `Sweep ${sweepId}\n${statusTable(jobs)}`);
            return EXIT.ok;
          }
          const store = await openRunStore(jobs[0]!.data.output);
          const temp = await mkdtemp(join(tmpdir(), 'deeplens-results-'));
          try {
            await writeFile(join(temp, 'pareto.svg'), await paretoSvg(members, `FVU against L0, one point per SAE (sweep ${sweepId})`));
            await store.putText(`${sweepId}/summary.md`, summaryMarkdown(members));
            await store.putText(`${sweepId}/summary.json`, `${JSON.stringify(members, null, 2)}\n`);
            await store.putFile(`${sweepId}/pareto.svg`, join(temp, 'pareto.svg'));
          } finally {
            await rm(temp, { recursive: true, force: true });
          }
          io.out(summaryText(members));
          io.out(`Summary: ${store.location(`${sweepId}/summary.md`)}; Pareto plot: ${store.location(`${sweepId}/pareto.svg`)}`);
          const unfinished = members.filter((m) => m.status !== 'completed').length;
          if (unfinished) io.err(`${unfinished} of ${members.length} SAEs have not finished; the table shows what is there now`);
          return EXIT.ok;
        } finally {
          await queue.close();
        }
      }
      case 'manifest': {
        if (!v['k8s']) throw new UsageError('sweep manifest prints Kubernetes objects: add --k8s');
        const indexed = v['indexed-job'] !== undefined ? Math.floor(positiveNumberFlag(v, 'indexed-job', 1)) : undefined;
        io.out(k8sManifest({
          image: typeof v['image'] === 'string' ? v['image'] : 'deeplens-ts:0.1.0',
          name: typeof v['name'] === 'string' ? v['name'] : 'deeplens-worker',
          secretName: typeof v['secret'] === 'string' ? v['secret'] : 'deeplens-worker-env',
          replicas: Math.floor(positiveNumberFlag(v, 'replicas', 4)),
          concurrency: Math.floor(positiveNumberFlag(v, 'concurrency', 1)),
          cpu: typeof v['cpu'] === 'string' ? v['cpu'] : '4',
          memory: typeof v['memory'] === 'string' ? v['memory'] : '8Gi',
          ...(indexed ? { indexedJob: indexed } : {}),
        }).trimEnd());
        return EXIT.ok;
      }
      default:
        throw new UsageError(`unknown sweep action '${action}'`, 'actions: submit, status, results, manifest');
    }
  },
};

export default command;
