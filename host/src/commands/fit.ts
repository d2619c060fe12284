import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { RtinferCommand } from '../cli/base-command.js';
import { formatBytes } from '../cli/format.js';
import { renderTable } from '../cli/table.js';
import { boardByName, boardNames, boards } from '../boards/boards.js';
import { type BoardFit, fitOnBoard, type ModeFit, planContainer } from '../boards/fit.js';
import { compressToContainer } from '../compress/compress-model.js';
import { isZooName, zooModel } from '../model/zoo/index.js';
import { decodeContainer } from '../compress/container.js';
import { validateContainerWeights } from '../model/validate-weights.js';
import { structuredInputs } from '../nn/structured-input.js';

export default class Fit extends RtinferCommand {
  static override summary = 'Say whether models fit the boards: the container in a flash slot, and weights + activations + TREC scratch in SRAM.';
  static override description =
    'Runs the firmware\'s own decoder, graph loader and memory planner on each container (rtinfer-plan) and compares the result with every board\'s model slot and inference memory (RTINFER_NN_ARENA_BYTES, the HELLO `ram`). The engine keeps weights as dense float32 when the model then runs, else as sparse × codebook. TREC is planned with the firmware\'s default parameters. A zoo name is compressed first with the default settings and one test input, as `rtinfer compress` does.';
  static override examples = [
    { command: '<%= config.bin %> fit lenet-5.rtm --board netduinoplus2', description: 'One container on one board.' },
    { command: '<%= config.bin %> fit lenet-300-100 lenet-5 lenet-5-classic cifarnet', description: 'Zoo models on every board: the memory report.' },
    { command: '<%= config.bin %> fit model.rtm --json', description: 'As JSON.' },
  ];
  static override strict = false;
  static override args = { model: Args.string({ description: 'A .rtm container, or a zoo model name (more may follow)', required: true }) };
  static override flags = {
    board: Flags.string({ char: 'b', summary: 'Board to check (default: every board).', options: boardNames }),
    int8: Flags.boolean({ summary: 'Compress zoo models with int8 parameters too (as compress --int8), and show how they fit run in int8 beside fp32.' }),
  };

  async run() {
    const { argv, flags } = await this.parse(Fit);
    const targets = flags.board ? [boardByName(flags.board)] : Object.values(boards);
    const results: { model: string; fits: BoardFit[] }[] = [];
    for (const model of argv as string[]) {
      const plan = isZooName(model) ? planZooModel(model, flags.int8) : planContainer(model);
      // A container with NaN weights fits as well as any, and then computes nothing: refused as inspect does.
      if (!isZooName(model)) validateContainerWeights(model, decodeContainer(readFileSync(model), model).layers);
      results.push({ model, fits: targets.map((board) => fitOnBoard(plan, board)) });
    }
    if (!this.jsonEnabled()) for (const line of describeFits(results)) this.log(line);
    return results;
  }
}

function planZooModel(name: string, int8 = false) {
  const graph = zooModel(name);
  const inputs = structuredInputs(graph.input.shape, 1);
  const { container } = compressToContainer(graph, {}, undefined, inputs, int8 ? { calibration: inputs } : undefined);
  const dir = mkdtempSync(join(tmpdir(), 'rtinfer-fit-'));
  try {
    const file = join(dir, `${name}.rtm`);
    writeFileSync(file, container);
    return planContainer(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function describeMode(fit: ModeFit): string {
  const verdict = fit.fits ? `fits, ${formatBytes(fit.headroom)} spare` : `needs ${formatBytes(-fit.headroom)} more`;
  return `${formatBytes(fit.need)} (${fit.weights}) ${verdict}`;
}

function describeFits(results: { model: string; fits: BoardFit[] }[]): string[] {
  const int8 = results.some(({ fits }) => fits.some((fit) => fit.int8));
  const rows = results.flatMap(({ model, fits }) =>
    fits.map((fit) => [
      model,
      fit.board,
      `${formatBytes(fit.container.bytes)} / ${formatBytes(fit.container.slotBytes)} ${fit.container.fits ? 'ok' : 'TOO BIG'}`,
      describeMode(fit.dense),
      describeMode(fit.trec),
      ...(int8 ? [fit.int8 ? `${describeMode(fit.int8)}; ${(fit.dense.need / fit.int8.need).toFixed(2)}× less than fp32` : '-', fit.int8Trec ? describeMode(fit.int8Trec) : '-'] : []),
    ]),
  );
  const int8Header = int8 ? [{ header: 'int8 inference' }, { header: 'int8 TREC inference' }] : [];
  const table = renderTable([{ header: 'model' }, { header: 'board' }, { header: 'container / slot' }, { header: 'dense inference' }, { header: 'TREC inference' }, ...int8Header], rows);
  // Why an int8 model does not fit: where its bytes go (the weights are decoded into RAM, not run from flash).
  const why = results.flatMap(({ model, fits }) =>
    fits.flatMap((fit) =>
      ([['int8', fit.int8], ['int8 TREC', fit.int8Trec]] as const).flatMap(([mode, mf]) => {
        const parts = mf?.parts;
        if (!parts || mf.fits) return [];
        return [`${model} on ${fit.board} in ${mode} needs ${formatBytes(-mf.headroom)} more: int8 weights ${formatBytes(parts.weights)} + header ${formatBytes(parts.header)} + input ${formatBytes(parts.input)} + activations and scratch ${formatBytes(parts.work)} in ${formatBytes(mf.have)}`];
      }),
    ),
  );
  return [...table, ...why];
}
