/** One stage of a Dockerfile: its base image, name and instructions. */
export interface DockerStage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: Array<{ op: string; args: string }>;
}

/** The Dockerfile's stages (continuation lines joined, comments dropped). */
export function parseDockerfile(source: string): DockerStage[] {
  const lines = source.replace(/\\\n/g, ' ').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  const stages: DockerStage[] = [];
  for (const line of lines) {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === 'FROM') {
      const [image = '', , name] = args.split(/\s+/);
      stages.push({ from: image, name, instructions: [] });
    } else stages.at(-1)!.instructions.push({ op: op.toUpperCase(), args });
  }
  return stages;
}

/** A stage's instructions of one kind. */
export const instructions = (stage: DockerStage, op: string) => stage.instructions.filter((instruction) => instruction.op === op).map((instruction) => instruction.args);

/** `COPY a b dest` without --from: the sources (relative to the build context) and the destination. */
export function contextCopies(stage: DockerStage): Array<{ sources: string[]; destination: string }> {
  return instructions(stage, 'COPY')
    .filter((args) => !args.includes('--from='))
    .map((args) => {
      const parts = args.split(/\s+/).filter((part) => !part.startsWith('--'));
      return { sources: parts.slice(0, -1), destination: parts.at(-1)! };
    });
}

/** `ENV A=1 B=2` of a stage, as an object. */
export function stageEnv(stage: DockerStage): Record<string, string> {
  return Object.fromEntries(instructions(stage, 'ENV').flatMap((args) => [...args.matchAll(/([A-Z0-9_]+)=(\S+)/g)].map((match) => [match[1]!, match[2]!])));
}

/** An exec-form instruction (`CMD ["node", ...]`, `HEALTHCHECK ... CMD [...]`) as its argument list. */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  return JSON.parse(json) as string[];
}
