export interface Options {
  verbose: boolean;
  quiet: boolean;
  color: string;
  depth: number;
}

export enum Mode {
  Read,
  Write,
}
