/** Injected output so commands can be tested without touching the real process streams. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Reads all of stdin (for `--file -` / piped content). */
  stdin(): Promise<string>;
  env: Record<string, string | undefined>;
}

export const processIo: Io = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  stdin: async () => await new Response(Bun.stdin.stream()).text(),
  env: process.env,
};

export function printJson(io: Io, v: unknown) {
  io.out(JSON.stringify(v, null, 2));
}
