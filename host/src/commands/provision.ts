import { Flags } from '@oclif/core';
import { HelloWant } from '@rtinfer/protocol';
import { deviceFlag, RtinferCommand } from '../cli/base-command.js';
import { labFlag } from '../daemon/cli-support.js';
import { openSession } from '../device/open-session.js';
import { provisionTeeKey, type ProvisionResult } from '../device/tee-provision.js';
import { labFileForPins } from '../lab/tee-pins.js';

export default class Provision extends RtinferCommand {
  static override summary = "Fetch a TEE device's TA public key and pin it in the lab config, so that pushes are sealed to it.";
  static override description =
    "Asks the device (HELLO with want bit 0) for the X25519 public key of its trusted application, checks it against the fingerprint the device sends in every HELLO, and pins it under tee.devices.<device id> in the lab config (--lab, else the lab config in use, else a new ~/.config/rtinfer/lab.yaml). The first sight of a key is trust on first use: compare the fingerprint printed here with the one the device's own console shows (rtinfer-agent prints it when it starts). A key that differs from the pinned one is refused, with both fingerprints and exit status 2; replace the pin only when you know why the key changed (the TA's secure storage was wiped), with --replace-key.";
  static override examples = [
    { command: '<%= config.bin %> provision --device mqtt://10.0.0.2:1883/pi-1', description: 'Pin the key of the Pi pi-1 in the lab config in use.' },
    { command: '<%= config.bin %> provision -d pi-sim-1 --lab lab.yaml', description: 'Pin the key of a simulated Pi (rtinfer sim start --pi) in lab.yaml.' },
    { command: '<%= config.bin %> provision -d pi-1 --replace-key', description: 'The TA was reset and has a new key: replace the pin.' },
    { command: '<%= config.bin %> provision -d pi-1 --json', description: 'The outcome as JSON (pinned, unchanged or replaced, with the fingerprints).' },
  ];
  static override flags = {
    device: deviceFlag(),
    lab: labFlag,
    'replace-key': Flags.boolean({ summary: 'Replace a pinned key that differs from the device\'s (otherwise refused).' }),
  };

  async run(): Promise<ProvisionResult & { warning?: string }> {
    const { flags } = await this.parse(Provision);
    const labFile = labFileForPins(flags.lab);
    const { session } = await openSession(flags.device, { helloWant: HelloWant.TEE_KEY });
    let result: ProvisionResult;
    try {
      result = provisionTeeKey(session, labFile, { replaceKey: flags['replace-key'] });
    } finally {
      await session.close();
    }
    const warning = describeWarning(result);
    if (!this.jsonEnabled()) {
      if (warning) this.logToStderr(`warning: ${warning}`);
      this.log(describeProvision(result));
    }
    return { ...result, ...(warning ? { warning } : {}) };
  }
}

function describeWarning(result: ProvisionResult): string | undefined {
  if (result.outcome === 'pinned') {
    return `first sight of ${result.deviceId}'s TA key: trusted on first use. Check that the device shows the same fingerprint (${result.fingerprint}) before you push anything secret.`;
  }
  if (result.outcome === 'replaced') return `the key pinned for ${result.deviceId} (${result.previousFingerprint}) was REPLACED by the device's new key, as --replace-key asked.`;
  return undefined;
}

function describeProvision(result: ProvisionResult): string {
  const what = { pinned: 'pinned', unchanged: 'already pinned, unchanged:', replaced: 'replaced the pin with' }[result.outcome];
  const heap = result.teeHeap !== undefined ? `, TA heap budget ${result.teeHeap} B` : '';
  return `${result.deviceId} (${result.board}): ${what} TA key ${result.key}\n  fingerprint (SHA-256) ${result.fingerprint}${heap}\n  in ${result.lab}`;
}
