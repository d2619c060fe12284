import { deviceFlag, RtinferCommand } from '../cli/base-command.js';
import { formatBytes } from '../cli/format.js';
import { openSession } from '../device/open-session.js';
import { listModels } from '../transfer/push-model.js';

const STATE_NAMES = ['empty', 'receiving', 'complete', 'verified'];

export default class Models extends RtinferCommand {
  static override summary = "List a device's model slots: model id, SHA-256, size, progress, and which one is active.";
  static override examples = [
    { command: '<%= config.bin %> models', description: 'The slots of the only running sim.' },
    { command: '<%= config.bin %> models --device /dev/ttyACM0 --json', description: "A board's slots as JSON." },
  ];
  static override flags = { device: deviceFlag() };

  async run() {
    const { flags } = await this.parse(Models);
    const { session } = await openSession(flags.device);
    try {
      const models = await listModels(session);
      const slots = models.slots.map((slot) => ({
        slot: String.fromCharCode('a'.charCodeAt(0) + slot.slot),
        state: STATE_NAMES[slot.state] ?? String(slot.state),
        active: models.active === slot.slot,
        modelId: slot.modelId,
        size: slot.size,
        received: slot.received,
        sha256: slot.sha256 ? Buffer.from(slot.sha256).toString('hex') : undefined,
      }));
      if (!this.jsonEnabled()) {
        for (const slot of slots) {
          const detail = slot.state === 'empty' ? '' : `  ${slot.modelId}  ${formatBytes(slot.size ?? 0)}  sha256 ${slot.sha256?.slice(0, 16)}…${slot.state === 'receiving' ? `  ${formatBytes(slot.received ?? 0)} received` : ''}`;
          this.log(`${slot.active ? '*' : ' '} ${slot.slot}  ${slot.state.padEnd(9)}${detail}`);
        }
      }
      return { device: session.info?.deviceId, slots };
    } finally {
      await session.close();
    }
  }
}
