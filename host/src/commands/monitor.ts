import Run from './run.js';

export default class Monitor extends Run {
  static override summary = 'Run a task set on a device with a live table per task: response times, jitter, load, misses highlighted.';
  static override description = `The live form of \`rtinfer run\`: the same task set file, deadline check and recording, with the terminal redrawn every 250 ms from the verdict stream (the latest statistics window per task, run totals, losses, and the latest misses with what ran instead). The final table, a summary per task and the first misses and overruns are printed when the run ends, as \`rtinfer run\` prints them.`;
  static override examples = [
    { command: '<%= config.bin %> monitor --taskset tasks.yaml --duration 30s', description: 'Watch the only running sim for 30 s.' },
    { command: '<%= config.bin %> monitor -d /dev/ttyACM0 -t tasks.yaml --record run.rtrace.jsonl', description: 'Watch a board, and keep the recording.' },
    { command: '<%= config.bin %> monitor --bench bench-b -d f7-2 -t tasks.yaml', description: 'Watch device f7-2 of bench-b, through its daemon.' },
  ];

  protected override live = true;
}
