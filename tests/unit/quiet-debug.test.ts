import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A real mqtt-packet parser in a fresh process (the module cache is the process's), after the entry point's first import. */
function parseOnePacket(env: NodeJS.ProcessEnv) {
  const script = `await import('./services/quiet-debug.ts');
const { default: mqttPacket } = await import('mqtt-packet');
const parser = mqttPacket.parser({ protocolVersion: 4 });
parser.on('packet', (packet) => console.log('packet', packet.cmd));
parser.parse(Buffer.from([0xc0, 0x00]));
const { createRequire } = await import('node:module');
const fromPacket = createRequire(createRequire(import.meta.url + '/../package.json').resolve('mqtt-packet'));
// A real debug instance carries its colour settings; the quiet one is a bare function.
console.log('quiet', fromPacket('debug')('mqtt-packet:parser').useColors === undefined);`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { stdout: child.stdout, stderr: child.stderr, status: child.status };
}

describe('debug instances made quiet unless DEBUG asks for them', () => {
  it('parses as before with DEBUG unset, and prints nothing of mqtt-packet', () => {
    const run = parseOnePacket({ DEBUG: '' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('packet pingreq');
    expect(run.stderr).not.toContain('mqtt-packet:parser');
    expect(run.stdout).toContain('quiet true');
  });

  it('still shows mqtt-packet\'s lines with DEBUG=mqtt-packet:*', () => {
    const run = parseOnePacket({ DEBUG: 'mqtt-packet:*' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('packet pingreq');
    expect(run.stderr).toContain('mqtt-packet:parser');
    expect(run.stdout).toContain('quiet false');
  });
});
