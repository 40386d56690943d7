import { createRegistry } from '../backends.js';
import type { CommandModule } from '../command.js';
import { EXIT } from '../errors.js';

const command: CommandModule = {
  description: 'list compute backends and whether they work here',
  usage: 'deeplens backends [--json]\n\nEvery known backend, whether it is available on this machine, and if not, why and how to get it.',
  options: { json: { type: 'boolean' } },
  async run(v, _p, io) {
    // Probes may load native bindings and look for a GPU (seconds): say which one is running.
    const status = await (await createRegistry()).status({ onProbe: v['json'] ? undefined : (name) => io.err(`probing ${name}…`) });
    if (v['json']) {
      io.out(JSON.stringify(status.map((s) => ({ name: s.name, priority: s.priority, available: s.availability.available, reason: s.availability.reason ?? null, detail: s.availability.detail ?? null }))));
      return EXIT.ok;
    }
    // As the registry's auto ranks them: a probe may rank a plugin lower here (Availability.autoPriority).
    const rank = (s: (typeof status)[number]) => s.availability.autoPriority ?? s.priority;
    const auto = status.filter((s) => s.availability.available).sort((a, b) => rank(b) - rank(a))[0]?.name;
    for (const s of status) {
      const mark = s.availability.available ? 'available' : 'unavailable';
      io.out(`${s.name.padEnd(7)} ${mark.padEnd(12)} ${s.availability.available ? [s.description, s.availability.detail].filter(Boolean).join('; ') : (s.availability.reason ?? '')}${s.name === auto ? '  ← auto' : ''}`);
    }
    return EXIT.ok;
  },
};

export default command;
