import { deviceFlag, RtinferCommand } from '../cli/base-command.js';
import { formatBytes } from '../cli/format.js';
import { renderTable } from '../cli/table.js';
import { BenchClient } from '../daemon/bench-client.js';
import { benchFlag, brokerFlag, labFlag, resolveBroker } from '../daemon/cli-support.js';
import { openSession } from '../device/open-session.js';
import { listModels } from '../transfer/push-model.js';

/** A slot as MODEL_STATUS gives it, with the SHA-256 as bytes or as the RPC's `h'…'` text. */
interface SlotEntry {
  slot: number;
  state: number;
  modelId?: string;
  size?: number;
  received?: number;
  sha256?: Uint8Array | string;
}

const STATE_NAMES = ['empty', 'receiving', 'complete', 'verified'];

export default class Models extends RtinferCommand {
  static override summary = "List a device's model slots: model id, file SHA-256, size, progress, and which one is active.";
  static override examples = [
    { command: '<%= config.bin %> models', description: 'The slots of the only running sim.' },
    { command: '<%= config.bin %> models --device /dev/ttyACM0 --json', description: "A board's slots as JSON." },
    { command: '<%= config.bin %> models --bench bench-b -d f7-2', description: 'A device of another bench, through its daemon.' },
  ];
  static override flags = {
    device: deviceFlag(),
    bench: benchFlag('Ask this bench\'s daemon over MQTT; --device is then the bench\'s device id.'),
    broker: brokerFlag,
    lab: labFlag,
  };

  async run() {
    const { flags } = await this.parse(Models);
    const { device, models } = flags.bench !== undefined ? await modelsThroughBench(flags, flags.bench) : await modelsLocal(flags.device);
    const slots = models.slots.map((slot) => ({
      slot: String.fromCharCode('a'.charCodeAt(0) + slot.slot),
      state: STATE_NAMES[slot.state] ?? String(slot.state),
      active: models.active === slot.slot,
      modelId: slot.modelId,
      size: slot.size,
      received: slot.received,
      sha256: typeof slot.sha256 === 'string' ? slot.sha256.replace(/^h'(.*)'$/, '$1') : slot.sha256 ? Buffer.from(slot.sha256).toString('hex') : undefined,
    }));
    if (!this.jsonEnabled()) {
      const rows = slots.map((slot) => {
        const filled = slot.state !== 'empty';
        return [
          `${slot.active ? '*' : ' '} ${slot.slot}`,
          slot.state,
          filled ? (slot.modelId ?? '-') : '',
          filled ? formatBytes(slot.size ?? 0) : '',
          slot.state === 'receiving' ? formatBytes(slot.received ?? 0) : '',
          filled && slot.sha256 ? `${slot.sha256.slice(0, 16)}…` : '',
        ];
      });
      const columns = [{ header: 'slot' }, { header: 'state' }, { header: 'model' }, { header: 'size', align: 'right' as const }, { header: 'received', align: 'right' as const }, { header: 'file SHA-256' }];
      for (const line of renderTable(columns, rows)) this.log(line);
    }
    return { device, slots };
  }
}

type SlotTable = { active?: number; slots: SlotEntry[] };

async function modelsLocal(deviceFlag: string | undefined): Promise<{ device: string | undefined; models: SlotTable }> {
  const { session } = await openSession(deviceFlag);
  try {
    return { device: session.info?.deviceId, models: await listModels(session) };
  } finally {
    await session.close();
  }
}

async function modelsThroughBench(flags: { lab?: string; broker?: string; device?: string }, bench: string): Promise<{ device: string; models: SlotTable }> {
  const client = await BenchClient.connect(resolveBroker(flags, bench).access);
  try {
    await client.requireBench(bench);
    const reply = (await client.call(bench, 'models', flags.device !== undefined ? { device: flags.device } : {})) as SlotTable & { device: string };
    return { device: `${bench}/${reply.device}`, models: reply };
  } finally {
    await client.close();
  }
}
