// The demo's Raspberry Pi part (issue 12): a simulated Pi (rtinfer-agent with the rtinfer TA in teesim's own
// process) or --pi-device, provisioned into a lab file in the demo's temporary directory (never the user's lab
// config), the same compressed model pushed sealed to the pinned TA key, run in the enclave and checked against
// the host reference, and a scan that no piece of the plaintext weights crossed the link or sits in the slot file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HelloWant } from '@rtinfer/protocol';
import type { DecodedContainer } from '../compress/container.js';
import { inferOnDevice } from '../device/infer.js';
import { openSession } from '../device/open-session.js';
import type { DeviceSession } from '../device/session.js';
import { provisionTeeKey } from '../device/tee-provision.js';
import { isTeeDevice } from '../device/tee-key.js';
import { RtinferError } from '../errors.js';
import { loadLabForPins } from '../lab/tee-pins.js';
import { compareWithReference } from '../nn/device-reference.js';
import { plaintextRuns, PLAINTEXT_RUN_BYTES } from '../seal/plaintext-runs.js';
import { startPiAgent, type RunningPiAgent } from '../sim/pi-agent.js';
import { pushModel } from '../transfer/push-model.js';
import { sealForDevice, sealingFacts } from '../transfer/seal-for-device.js';
import { pushSealedAboveHeld } from '../campaign/seal-above-held.js';
import { describePush, formatBytes } from './format.js';

export interface DemoPiOptions {
  /** An existing TEE device (--pi-device); without it the demo starts a Pi sim and stops it at the end. */
  device?: string;
  /** The demo's own temporary directory: lab file, sealing cache, and the sim's slots and secure storage. */
  dir: string;
  container: Uint8Array;
  model: DecodedContainer;
  say: (line: string) => void;
}

export async function runDemoPi(options: DemoPiOptions) {
  const { dir, say } = options;
  let agent: RunningPiAgent | undefined;
  const slotFile = join(dir, 'pi-slots.flash');
  if (options.device === undefined) {
    agent = await startPiAgent({ deviceId: 'demo-pi', storage: slotFile, teeStorageDir: join(dir, 'tee') });
    say(`started simulated Pi ${agent.deviceId} on ${agent.pty}: rtinfer-agent (normal world) with the rtinfer TA in teesim's own process`);
    say(`            the agent printed TA key fingerprint ${agent.teeKeySha256}`);
  }
  try {
    const { session } = await openSession(agent?.pty ?? options.device, { helloWant: HelloWant.TEE_KEY });
    try {
      return await demoOnPi(session, options, agent, agent ? slotFile : undefined);
    } finally {
      await session.close();
    }
  } finally {
    await agent?.stop();
  }
}

async function demoOnPi(session: DeviceSession, options: DemoPiOptions, agent: RunningPiAgent | undefined, slotFile: string | undefined) {
  const { dir, say, model } = options;
  const info = session.info!;
  if (!isTeeDevice(info)) {
    throw new RtinferError('bad_flag', `--pi-device ${options.device}: ${session.description} is not a TEE device (no TEE capability in its HELLO, board ${info.board})`, { flag: 'pi-device', device: options.device, board: info.board });
  }
  const labFile = join(dir, 'lab.yaml');
  const provision = provisionTeeKey(session, labFile);
  const agentAgrees = agent ? (agent.teeKeySha256 === provision.fingerprint ? ', the same as the agent printed' : `, NOT the ${agent.teeKeySha256} the agent printed`) : '';
  say(`provisioned ${info.deviceId} (${info.board}, TA heap budget ${formatBytes(info.teeHeap ?? 0)}): TA key ${provision.outcome} on first sight (trust on first use)`);
  say(`            fingerprint ${provision.fingerprint}${agentAgrees}; pinned in the demo's temporary lab file (not your lab config): ${labFile}`);

  const cacheDir = join(dir, 'sealed');
  const seal = (generation?: number) =>
    sealForDevice({ info, device: session.description, deviceSpec: options.device ?? info.deviceId, lab: loadLabForPins(labFile), container: options.container, cacheDir, ...(generation !== undefined ? { generation } : {}) });
  // A device of the lab (--pi-device) may hold a later generation than this fresh lab file knows: sealed above it.
  const { sealing, pushed: push } = await pushSealedAboveHeld(
    seal,
    (each) => pushModel(session, each.stream, { modelId: model.modelId }),
    (held, generation) => say(`            ${info.deviceId}'s TA holds generation ${held}, above what this fresh lab file knows: sealed again at ${generation}`),
  );
  const sealed = sealing.sealed;
  say(`sealed      ${model.modelId} for ${sealing.deviceId}: X25519 to the pinned key ${sealing.keyFingerprint.slice(0, 16)}…, AES-256-GCM segments, generation ${sealing.generation}, ${formatBytes(options.container.length)} → ${formatBytes(sealed.length)}`);
  say(`pushed      ${describePush(push)} (the sealed stream; the TA authenticated and decoded it)`);

  const input = model.testInputs?.[0];
  if (!input) throw new RtinferError('bad_model', `${model.modelId} stores no test input to run in the enclave`, { model: model.modelId });
  const result = await inferOnDevice(session, { mode: 'dense', input });
  const check = compareWithReference(model, { index: 0 }, 'dense', undefined, result);
  const layers = result.layerTicks.length;
  say(`enclave     dense top ${result.top} in ${(result.seconds * 1000).toFixed(3)} ms; vs the host dense reference: relative L2 ${check.relativeL2.toExponential(1)}, top ${check.topAgrees ? 'agrees' : 'DIFFERS'}`);
  say(`            ${result.entries ?? '?'} entries into the TA for ${layers} layers (LW: one layer per entry)`);

  const confidentiality = scanForPlaintext(model, options.container, sealed, slotFile);
  const link = options.device?.startsWith('mqtt') ? 'broker' : 'pty';
  const slotText = confidentiality.slotFileBytes !== undefined
    ? `, ${confidentiality.slotFileHits} in the agent's slot file (${formatBytes(confidentiality.slotFileBytes)}, ${confidentiality.slotFileHoldsSealed ? 'holding the sealed stream as pushed' : 'NOT holding the sealed stream'})`
    : '';
  say(`plaintext   none outside the TA: the ${link}, the agent (normal world) and its disk only held the sealed stream`);
  say(`            ${PLAINTEXT_RUN_BYTES}-byte runs of the layer blobs: ${confidentiality.pushedHits} in the ${formatBytes(sealed.length)} pushed${slotText}; the control, the plaintext container: ${confidentiality.containerHits}`);
  return {
    deviceId: info.deviceId,
    board: info.board,
    simulated: agent !== undefined,
    teeHeap: info.teeHeap,
    ...(agent ? { agentKeySha256: agent.teeKeySha256 } : {}),
    provision: { outcome: provision.outcome, fingerprint: provision.fingerprint, lab: labFile },
    sealing: { ...sealingFacts(sealing), sha256: sealing.sha256 },
    push,
    inference: { mode: 'dense', ticks: result.ticks.toString(), seconds: result.seconds, top: result.top, entries: result.entries, layers, check },
    confidentiality,
  };
}

/** Counts pieces of the plaintext layer blobs in what was pushed and, for the demo's own sim, in its slot file (which holds the sealed stream as received). */
function scanForPlaintext(model: DecodedContainer, container: Uint8Array, sealed: Uint8Array, slotFile: string | undefined) {
  const runs = plaintextRuns(model.layers.map((layer) => layer.blob));
  const slot = slotFile && existsSync(slotFile) ? new Uint8Array(readFileSync(slotFile)) : undefined;
  return {
    runs: runs.count,
    // The positive control: the same scan over the plaintext container finds every run.
    containerHits: runs.hits(container),
    pushedBytes: sealed.length,
    pushedHits: runs.hits(sealed),
    ...(slot ? { slotFileBytes: slot.length, slotFileHits: runs.hits(slot), slotFileHoldsSealed: Buffer.from(slot.buffer, slot.byteOffset, slot.length).includes(Buffer.from(sealed)) } : {}),
  };
}
