import type { CommandModule } from '../command.js';
import { EXIT } from '../errors.js';

const command: CommandModule = {
  description: 'upload a run trained with WANDB_MODE=offline to Weights & Biases',
  usage: 'deeplens wandb-sync <run-folder>\n\nUses WANDB_API_KEY (or ~/.netrc), WANDB_BASE_URL, WANDB_PROJECT and WANDB_ENTITY.',
  options: {},
  positionals: { min: 1, max: 1, names: '<run-folder>' },
  async run(_v, [folder], io) {
    const { syncOfflineRun } = await import('@deeplens/loggers/wandb');
    const r = await syncOfflineRun(folder!);
    io.out(`Uploaded run ${r.runId} (${r.lines} history rows) to ${r.entity}/${r.project}`);
    return EXIT.ok;
  },
};

export default command;
