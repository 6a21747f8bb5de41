import { readFile, writeFile } from "fs";
import path from "path";

export function parseArgs(argv) {
  const out = { verbose: false, quiet: false };
  for (const a of argv) {
    if (a === "-v") out.verbose = true;
  }
  return out;
}

export class Server {
  constructor(port) {
    this.port = port;
  }

  start() {
    return this.port;
  }
}

app.use(logger);

export function alpha() {
  return 2;
}
