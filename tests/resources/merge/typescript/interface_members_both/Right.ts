export interface Options {
  verbose: boolean;
  quiet: boolean;
  depth: number;
}

export enum Mode {
  Read,
  Write,
}
