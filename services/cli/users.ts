import { join, resolve } from 'node:path';
import { configFromEnv } from '../config-env.ts';
import { isWanxiangError, WanxiangError } from '../errors.ts';
import { loadDepartments } from '../events/departments.ts';
import { addUser, loadUsersFile, personRoleSchema, reservedPersonNames, rotateUser, setUserDisabled, type PersonRole, type UsersFile } from '../people/users-file.ts';
import { updateUsersFile } from '../people/users-file-update.ts';
import { shared } from './common.ts';
import { step } from './failure.ts';
import { helpText, option, parseCommand, UsageError } from './options.ts';

const actions = ['list', 'add', 'rotate', 'disable', 'enable'] as const;

const spec = {
  name: 'users',
  summary: 'administer the named people of the API (a running platform takes changes at once)',
  positionals: [{ name: 'ACTION', describe: `one of ${actions.join(', ')}`, required: true }],
  description: `  wanxiang users list
  wanxiang users add --name zhang.wei --role operator
  wanxiang users add --name eco.duty --role department --department eco-env
  wanxiang users rotate --name NAME      a new token; the old one stops working at once
  wanxiang users disable --name NAME     its token is refused at once
  wanxiang users enable --name NAME

add and rotate print the new token once; the file keeps only its SHA-256 hash. Every action on
an event records the name of the person whose token made it (docs/events.md).`,
  options: {
    name: option.string('NAME', 'the person (lower-case letters, digits, . _ -)'),
    role: option.choice<PersonRole>('ROLE', `their role (add): ${personRoleSchema.options.join(', ')}`, personRoleSchema.options),
    department: option.string('ID', 'the department a department user sees (add; seeds/departments.json id)'),
    file: option.string('FILE', 'the users file (default WX_USERS_FILE, else users.json in the data folder)'),
    // The data folder's rule, as every other command keeps it (docs/data-folder.md): a platform started with --data-dir finds its people there.
    'data-dir': shared.dataDir(),
  },
};

export const usersHelp = helpText(spec);

export async function usersCommand(argv: string[]): Promise<void> {
  const { options, positionals } = parseCommand(spec, argv);
  const action = actions.find((candidate) => candidate === positionals[0]);
  if (!action) throw new UsageError(`ACTION takes one of ${actions.join(', ')}, not ${JSON.stringify(positionals[0])}`, usersHelp);
  const need = <K extends 'name' | 'role'>(key: K): NonNullable<(typeof options)[K]> => {
    const value = options[key];
    if (value === undefined) throw new UsageError(`users ${action} needs --${key}: ${spec.options[key].accepts}`, usersHelp);
    return value as NonNullable<(typeof options)[K]>;
  };
  const config = configFromEnv(process.env, options['data-dir'] ? { dataDir: options['data-dir'] } : {});
  const path = resolve(options.file ?? config.http.usersFile ?? join(config.dataDir, 'users.json'));
  // Read, changed and written under the file's lock: two commands at once each keep their change (red team 3).
  const update = <T>(change: (file: UsersFile) => { file: UsersFile; result: T }) => step(`cannot change the users file ${path}`, () => updateUsersFile(path, change));
  try {
    switch (action) {
      case 'list':
        for (const user of (await step(`cannot read the users file ${path}`, () => loadUsersFile(path))).users) process.stdout.write(`${user.name}\t${user.role}${user.department ? `\t${user.department}` : ''}${user.disabled ? '\tdisabled' : ''}\n`);
        return;
      case 'add': {
        const draft = { name: need('name'), role: need('role'), ...(options.department ? { department: options.department } : {}) };
        // Actions record names only: a name a configured token is recorded under would make two credentials one person.
        if (config.http.tokens.some((token) => (token.name ?? token.role) === draft.name)) {
          throw new WanxiangError('WX_ERR_PERSON_NAME_TAKEN', `${draft.name} is the name of a token in WX_API_TOKENS (or the role an unnamed token is recorded as): choose another name`, { value: draft.name });
        }
        if (reservedPersonNames.has(draft.name)) {
          throw new WanxiangError('WX_ERR_PERSON_NAME_TAKEN', `${draft.name} is reserved (${[...reservedPersonNames].join(', ')}: the platform's own notes and the roles): choose another name`, { value: draft.name });
        }
        // A department nobody routes to would give its user an empty desk and no error to say why.
        if (draft.department !== undefined) {
          const departmentsPath = resolve(config.events.departmentsFile);
          const known = (await step(`cannot read the departments file ${departmentsPath}`, () => loadDepartments(departmentsPath))).departments.map((d) => d.id);
          if (!known.includes(draft.department)) {
            throw new WanxiangError('WX_ERR_UNKNOWN_DEPARTMENT', `no department ${draft.department} in ${departmentsPath} (known: ${known.join(', ')})`, { value: draft.department });
          }
        }
        const token = await update((file) => {
          const added = addUser(file, draft);
          return { file: added.file, result: added.token };
        });
        process.stdout.write(`added ${options.name}; their token (shown once): ${token}\n`);
        return;
      }
      case 'rotate': {
        const name = need('name');
        const token = await update((file) => {
          const rotated = rotateUser(file, name);
          return { file: rotated.file, result: rotated.token };
        });
        process.stdout.write(`rotated ${options.name}; their new token (shown once): ${token}\n`);
        return;
      }
      case 'disable':
      case 'enable': {
        const name = need('name');
        await update((file) => ({ file: setUserDisabled(file, name, action === 'disable'), result: undefined }));
        process.stdout.write(`${action}d ${options.name}\n`);
        return;
      }
    }
  } catch (error) {
    if (isWanxiangError(error) && (error.code === 'WX_ERR_INVALID_ARGUMENT' || error.code === 'WX_ERR_UNKNOWN_DEPARTMENT')) throw new UsageError(`${action}: ${error.message}`, usersHelp);
    throw error;
  }
}
