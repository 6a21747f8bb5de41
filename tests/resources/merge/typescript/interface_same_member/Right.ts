export interface Options {
  verbose: boolean;
  quiet: boolean;
  color: number;
}

export enum Mode {
  Read,
  Write,
}
