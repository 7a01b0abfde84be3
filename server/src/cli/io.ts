/** What a CLI subcommand may use of the outside world; tests pass their own. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** true when stdout is an interactive terminal (progress bars, colours) */
  isTTY: boolean;
  cwd: string;
  /** read all of standard input (for `-` file arguments) */
  readStdin(): Promise<string>;
}

/** A subcommand: returns the process exit code (0 ok, 1 findings/errors, 2 usage or I/O problem). */
export type Subcommand = (args: string[], io: CliIO) => Promise<number>;
