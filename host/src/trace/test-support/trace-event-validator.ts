// A checker for the Chrome trace-event format's rules, as the viewers apply
// them: the JSON object form with a traceEvents array; every event with a
// string name, a known phase, numeric pid and tid, and a numeric ts (metadata
// aside); 'X' with a non-negative dur; 'B'/'E' balanced per thread; and the
// slices of one thread properly nested (a slice starting inside another ends
// inside it). Returns the problems found; an empty list means valid.

const PHASES = new Set(['B', 'E', 'X', 'i', 'I', 'M', 'C', 'b', 'e', 'n', 's', 't', 'f', 'P', 'O', 'N', 'D']);

interface Slice {
  name: string;
  start: number;
  end: number;
}

export function validateTraceEvents(document: unknown): string[] {
  const problems: string[] = [];
  if (document === null || typeof document !== 'object' || !Array.isArray((document as { traceEvents?: unknown }).traceEvents)) return ['not an object with a traceEvents array'];
  const events = (document as { traceEvents: Record<string, unknown>[] }).traceEvents;
  const slicesByThread = new Map<string, Slice[]>();
  const openByThread = new Map<string, { name: string; ts: number }[]>();
  events.forEach((event, index) => {
    const at = `event ${index} (${JSON.stringify(event.name)})`;
    if (event === null || typeof event !== 'object') return problems.push(`${at}: not an object`);
    if (typeof event.name !== 'string') problems.push(`${at}: name must be a string`);
    if (typeof event.ph !== 'string' || !PHASES.has(event.ph)) problems.push(`${at}: unknown phase ${JSON.stringify(event.ph)}`);
    for (const field of ['pid', 'tid'] as const) if (typeof event[field] !== 'number' || !Number.isInteger(event[field])) problems.push(`${at}: ${field} must be an integer`);
    if (event.ph !== 'M' && (typeof event.ts !== 'number' || !Number.isFinite(event.ts))) problems.push(`${at}: ts must be a finite number`);
    const thread = `${String(event.pid)}/${String(event.tid)}`;
    if (event.ph === 'X') {
      if (typeof event.dur !== 'number' || !(event.dur >= 0)) problems.push(`${at}: an X event needs dur ≥ 0`);
      else {
        const list = slicesByThread.get(thread) ?? [];
        list.push({ name: String(event.name), start: event.ts as number, end: (event.ts as number) + event.dur });
        slicesByThread.set(thread, list);
      }
    }
    if (event.ph === 'i' || event.ph === 'I') {
      if (event.s !== undefined && !['t', 'p', 'g'].includes(event.s as string)) problems.push(`${at}: instant scope must be t, p or g`);
    }
    if (event.ph === 'B') {
      const stack = openByThread.get(thread) ?? [];
      stack.push({ name: String(event.name), ts: event.ts as number });
      openByThread.set(thread, stack);
    }
    if (event.ph === 'E') {
      const stack = openByThread.get(thread);
      const open = stack?.pop();
      if (!open) problems.push(`${at}: E without a B on thread ${thread}`);
      else {
        if ((event.ts as number) < open.ts) problems.push(`${at}: E before its B`);
        const list = slicesByThread.get(thread) ?? [];
        list.push({ name: open.name, start: open.ts, end: event.ts as number });
        slicesByThread.set(thread, list);
      }
    }
    return undefined;
  });
  for (const [thread, stack] of openByThread) if (stack.length) problems.push(`thread ${thread}: ${stack.length} B events without an E`);
  for (const [thread, slices] of slicesByThread) {
    // Outer slices first at equal starts, then a stack walk: each slice must end within its parent.
    slices.sort((a, b) => a.start - b.start || b.end - a.end);
    const stack: Slice[] = [];
    for (const slice of slices) {
      while (stack.length && stack[stack.length - 1]!.end <= slice.start) stack.pop();
      const parent = stack[stack.length - 1];
      if (parent && slice.end > parent.end) problems.push(`thread ${thread}: "${slice.name}" [${slice.start}, ${slice.end}] overlaps "${parent.name}" [${parent.start}, ${parent.end}] without nesting`);
      stack.push(slice);
    }
  }
  return problems;
}
