import { spawn, type ChildProcess } from 'node:child_process';

/**
 * The whole platform as a separate process, as `npm start` runs it (no simulated fleet), with
 * `env` over the test's own; resolves once its banner says it is running. For tests that kill it.
 */
export function startPlatformProcess(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/wanxiang.js', 'start', '--no-simulate'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Wanxiang is running')) resolve(child);
    });
    child.stderr!.resume();
    child.on('exit', (code) => reject(new Error(`platform exited with ${code}: ${output.slice(-500)}`)));
  });
}
