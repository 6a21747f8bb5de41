export interface Options {
  verbose: boolean;
  quiet: boolean;
  color: string;
}

export enum Mode {
  Read,
  Write,
}
