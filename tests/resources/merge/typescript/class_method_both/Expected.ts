import { readFile, writeFile } from "fs";
import path from "path";

export function parseArgs(argv: string[]) {
  const out = { verbose: false, quiet: false };
  for (const a of argv) {
    if (a === "-v") out.verbose = true;
  }
  return out;
}

export class Server {
  constructor(port: number) {
    this.port = port;
  }

  start() {
    return this.port;
  }

  stop() {
    this.port = 0;
  }

  restart() {
    return this.start();
  }
}

app.use(logger);
