// What every rtinfer command shares: --json, and errors shown with their facts
// (as JSON under --json) and a non-zero exit, never a stack trace for a user error.
import { Command, Flags, ux } from '@oclif/core';
import { RtinferError } from '../errors.js';

export abstract class RtinferCommand extends Command {
  static override enableJsonFlag = true;

  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (error instanceof RtinferError) {
      if (this.jsonEnabled()) {
        this.logJson(error.toJSON());
        this.exit(2);
      }
      // Printed as oclif prints errors, but not wrapped: oclif breaks lines at 80 columns when stderr is not a
      // terminal, inside paths and hex. A terminal wraps long lines itself; a log keeps them whole.
      this.logToStderr(formatUserError(error));
      this.exit(2);
    }
    return super.catch(error);
  }

  /**
   * For long-running commands under --json: one compact JSON object per line
   * (NDJSON) per event, so output can be read while the command runs. Such a
   * command returns undefined, so oclif prints nothing more at the end.
   */
  protected jsonLine(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value)}\n`);
  }

  protected override toErrorJson(error: unknown): unknown {
    return error instanceof RtinferError ? error.toJSON() : super.toErrorJson(error);
  }
}

/** " ›   Error: <message>" and " ›   Code: <code>", each on one line however long. */
export function formatUserError(error: RtinferError): string {
  const bang = ux.colorize('red', '›');
  return [`Error: ${error.message}`, `Code: ${error.code}`].map((line) => ` ${bang}   ${line}`).join('\n');
}

export function deviceFlag(description = 'Defaults to the only running sim, if exactly one is running.') {
  return Flags.string({
    char: 'd',
    summary: 'Device: a port path, a running sim id (sim-1), a board USB serial number, or mqtt://host:port/<device-id>.',
    description,
    env: 'RTINFER_DEVICE',
  });
}

export const timeoutFlag = Flags.integer({ summary: 'Per-request timeout in milliseconds.', default: 1000, min: 1 });
