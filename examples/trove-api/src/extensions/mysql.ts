/**
 * The built-in `mysql` extension (Trove's `trove/extensions/routes/mysql.py`):
 * the databases, users, user access and root user of an instance.
 *
 *   GET|POST    /{tenant_id}/instances/{instance_id}/databases       {"databases": [{"name": "shop"}]}
 *   DELETE      /{tenant_id}/instances/{instance_id}/databases/{id}
 *   GET|POST    /{tenant_id}/instances/{instance_id}/users           {"users": [{"name", "password", "host"?, "databases"?}]}
 *   PUT         /{tenant_id}/instances/{instance_id}/users           {"users": [{"name", "password"}]} (passwords)
 *   GET|DELETE  /{tenant_id}/instances/{instance_id}/users/{id}      id: "name" or "name@host"
 *   GET|PUT     /{tenant_id}/instances/{instance_id}/users/{id}/databases   {"databases": [{"name"}]} (grant)
 *   DELETE      /{tenant_id}/instances/{instance_id}/users/{id}/databases/{db}   (revoke)
 *   GET|POST|DELETE /{tenant_id}/instances/{instance_id}/root
 */
import { ExtensionDescriptor } from '../framework/descriptor';
import type { ApiRequest } from '../framework/resources';
import { faults, ResourceExtension, Result } from '../framework/resources';
import type { InstanceRecord, UserRecord } from '../models';
import { Database } from '../models';

const SCHEMA_NAME = /^[A-Za-z0-9_$-]{1,64}$/;
const USER_NAME = /^[A-Za-z0-9_.$-]{1,32}$/;

function instanceOf(req: ApiRequest): InstanceRecord {
  return req.context.db.getInstance(req.params.instance_id, req.params.tenant_id);
}

/** The list under `key` in the body, e.g. `{"databases": [...]}`; a 400 fault otherwise. */
function listIn(body: unknown, key: string): Record<string, unknown>[] {
  const list = (body as Record<string, unknown> | null)?.[key];
  if (!Array.isArray(list) || !list.length || list.some((item) => typeof item !== 'object' || item === null)) {
    throw faults.badRequest(`Invalid request body: expected {"${key}": [{"name": ...}, ...]}.`);
  }
  return list as Record<string, unknown>[];
}

function validName(value: unknown, pattern: RegExp, what: string): string {
  if (typeof value !== 'string' || !pattern.test(value))
    throw faults.badRequest(`${JSON.stringify(value)} is not a valid ${what} name.`);
  return value;
}

function schemaNamed(instance: InstanceRecord, name: string): string {
  if (!instance.schemas.has(name))
    throw faults.notFound(`Database ${name} could not be found on instance ${instance.id}.`);
  return name;
}

/** A user by `name` (host `%`) or `name@host`. */
function userById(instance: InstanceRecord, id: string): UserRecord {
  const user = instance.users.get(id.includes('@') ? id : `${id}@%`);
  if (!user) throw faults.notFound(`User ${id} cannot be found on the instance.`);
  return user;
}

function userView(user: UserRecord): Record<string, unknown> {
  return { name: user.name, host: user.host, databases: [...user.databases].sort().map((name) => ({ name })) };
}

/** Trove's `SchemaController`. */
export class SchemaController {
  index(req: ApiRequest): unknown {
    const schemas = [...instanceOf(req).schemas.values()].sort((a, b) => a.name.localeCompare(b.name));
    return { databases: schemas.map(({ name }) => ({ name })) };
  }

  create(req: ApiRequest): unknown {
    const instance = instanceOf(req);
    const wanted = listIn(req.body, 'databases').map((item) => ({
      name: validName(item.name, SCHEMA_NAME, 'database'),
      characterSet: typeof item.character_set === 'string' ? item.character_set : 'utf8mb4',
      collate: typeof item.collate === 'string' ? item.collate : 'utf8mb4_general_ci',
    }));
    const existing = wanted.find(({ name }) => instance.schemas.has(name));
    if (existing) throw faults.badRequest(`A database with the name "${existing.name}" already exists.`);
    for (const schema of wanted) instance.schemas.set(schema.name, schema);
    req.context.db.touch(instance);
    return new Result(null, 202);
  }

  delete(req: ApiRequest): unknown {
    const instance = instanceOf(req);
    instance.schemas.delete(schemaNamed(instance, req.params.id));
    for (const user of instance.users.values()) user.databases.delete(req.params.id);
    req.context.db.touch(instance);
    return new Result(null, 202);
  }
}

/** Trove's `UserController`. */
export class UserController {
  index(req: ApiRequest): unknown {
    const users = [...instanceOf(req).users.values()].sort((a, b) => a.name.localeCompare(b.name));
    return { users: users.map(userView) };
  }

  create(req: ApiRequest): unknown {
    const instance = instanceOf(req);
    const users = listIn(req.body, 'users').map((item): UserRecord => {
      if (typeof item.password !== 'string' || !item.password) throw faults.badRequest('Each user needs a password.');
      const databases = item.databases === undefined ? [] : listIn(item, 'databases');
      return {
        name: validName(item.name, USER_NAME, 'user'),
        host: typeof item.host === 'string' && item.host ? item.host : '%',
        password: item.password,
        databases: new Set(databases.map((db) => schemaNamed(instance, String(db.name)))),
      };
    });
    const existing = users.find((user) => instance.users.has(`${user.name}@${user.host}`));
    if (existing) throw faults.badRequest(`A user with the name "${existing.name}" already exists.`);
    for (const user of users) instance.users.set(`${user.name}@${user.host}`, user);
    req.context.db.touch(instance);
    return new Result(null, 202);
  }

  show(req: ApiRequest): unknown {
    return { user: userView(userById(instanceOf(req), req.params.id)) };
  }

  delete(req: ApiRequest): unknown {
    const instance = instanceOf(req);
    const user = userById(instance, req.params.id);
    instance.users.delete(`${user.name}@${user.host}`);
    req.context.db.touch(instance);
    return new Result(null, 202);
  }

  /** `PUT .../users`: `{"users": [{"name", "password"}]}` changes passwords. */
  update_all(req: ApiRequest): unknown {
    const instance = instanceOf(req);
    const changes = listIn(req.body, 'users').map((item) => {
      if (typeof item.password !== 'string' || !item.password)
        throw faults.badRequest('Each user needs a new password.');
      return { user: userById(instance, String(item.name)), password: item.password };
    });
    for (const { user, password } of changes) user.password = password;
    return new Result(null, 202);
  }
}

/** Trove's `UserAccessController`: the databases a user may use. */
export class UserAccessController {
  private user(req: ApiRequest): [InstanceRecord, UserRecord] {
    const instance = instanceOf(req);
    return [instance, userById(instance, req.params.user_id)];
  }

  index(req: ApiRequest): unknown {
    return { databases: userView(this.user(req)[1]).databases };
  }

  /** `PUT .../users/{user}/databases`: grants access. */
  update(req: ApiRequest): unknown {
    const [instance, user] = this.user(req);
    const names = listIn(req.body, 'databases').map((db) => schemaNamed(instance, String(db.name)));
    for (const name of names) user.databases.add(name);
    return new Result(null, 202);
  }

  /** `DELETE .../users/{user}/databases/{db}`: revokes access. */
  delete(req: ApiRequest): unknown {
    const [, user] = this.user(req);
    if (!user.databases.delete(req.params.id))
      throw faults.notFound(`User ${user.name} has no access to ${req.params.id}.`);
    return new Result(null, 202);
  }
}

/** Trove's `RootController`: whether root is enabled, and enabling it. */
export class RootController {
  index(req: ApiRequest): unknown {
    return { rootEnabled: instanceOf(req).rootEnabled !== null };
  }

  create(req: ApiRequest): unknown {
    const instance = instanceOf(req);
    const password = Database.generatePassword();
    instance.rootEnabled = { at: new Date().toISOString().replace(/\.\d+Z$/, ''), by: req.params.tenant_id };
    instance.users.set('root@%', { name: 'root', host: '%', password, databases: new Set() });
    return { user: { name: 'root', password } };
  }

  delete(req: ApiRequest): unknown {
    const instance = instanceOf(req);
    if (!instance.rootEnabled) throw faults.notFound(`Root has never been enabled on instance ${instance.id}.`);
    instance.rootEnabled = null;
    instance.users.delete('root@%');
    return new Result(null, 204);
  }
}

export class Mysql extends ExtensionDescriptor {
  getName(): string {
    return 'Mysql';
  }

  getDescription(): string {
    return 'Non essential MySQL services such as users and schemas';
  }

  getAlias(): string {
    return 'MYSQL';
  }

  getNamespace(): string {
    return 'http://TBD';
  }

  getUpdated(): string {
    return '2011-01-22T13:25:27-06:00';
  }

  override getResources(): ResourceExtension[] {
    const instance = { memberName: 'instance', collectionName: '{tenant_id}/instances' };
    return [
      new ResourceExtension('databases', new SchemaController(), { parent: instance }),
      new ResourceExtension('users', new UserController(), {
        parent: instance,
        collectionActions: { update_all: 'PUT' },
      }),
      new ResourceExtension('databases', new UserAccessController(), {
        parent: { memberName: 'user', collectionName: '{tenant_id}/instances/:instance_id/users' },
        collectionActions: { update: 'PUT' },
      }),
      new ResourceExtension('root', new RootController(), {
        parent: instance,
        collectionActions: { delete: 'DELETE' },
      }),
    ];
  }
}
