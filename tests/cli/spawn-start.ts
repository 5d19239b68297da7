import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cliPath, repoRoot } from './run-cli.ts';

export interface StartedCli {
  readonly child: ChildProcess;
  readonly httpUrl: string;
  readonly output: () => string;
  /** Sends `signal` (SIGTERM by default) and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `wanxiang start ...args` as its own process; resolves once its banner says it runs. */
export async function spawnStart(args: readonly string[], env: NodeJS.ProcessEnv = {}, options: { detached?: boolean } = {}): Promise<StartedCli> {
  const child = spawn(process.execPath, [cliPath, 'start', ...args], { cwd: repoRoot, env: { ...process.env, WX_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => void (text += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => void (text += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const httpUrl = await new Promise<string>((resolve, reject) => {
    const look = () => {
      const match = /^Screen\s+(http:\/\/[^\s/]+)\//m.exec(text);
      if (match && text.includes('Wanxiang is running')) resolve(match[1]!);
    };
    child.stdout!.on('data', look);
    void exited.then((code) => reject(new Error(`start exited (${code}) before it was ready:\n${text}`)));
  });
  return {
    child, httpUrl, output: () => text,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = once(child, 'exit');
        child.kill(signal);
        await gone;
      }
      return exited;
    },
  };
}
