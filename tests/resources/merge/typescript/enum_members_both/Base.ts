export interface Options {
  verbose: boolean;
  quiet: boolean;
}

export enum Mode {
  Read,
  Write,
}
