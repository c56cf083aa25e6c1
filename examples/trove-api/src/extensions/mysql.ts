/**
 * The built-in `mysql` extension (Trove's `trove/extensions/routes/mysql.py`
 * and the controllers of `trove/extensions/common/service.py`): the
 * databases, users, user access and root user of an instance.
 *
 *   GET|POST    /{tenant_id}/instances/{instance_id}/databases        list (paged), create
 *   GET|DELETE  /{tenant_id}/instances/{instance_id}/databases/{name} show (501, as in Trove), delete
 *   GET|POST|PUT /{tenant_id}/instances/{instance_id}/users           list (paged), create, change passwords
 *   GET|PUT|DELETE /{tenant_id}/instances/{instance_id}/users/{user}  show, update attributes, delete
 *   GET|PUT     /{tenant_id}/instances/{instance_id}/users/{user}/databases        access, grant
 *   DELETE      /{tenant_id}/instances/{instance_id}/users/{user}/databases/{name} revoke
 *   GET|POST|DELETE /{tenant_id}/instances/{instance_id}/root         root enabled?, enable, disable
 *
 * `{user}` is `name` (host `%`) or `name@host`, URL-quoted.
 */
import { schemas } from '../apischema';
import { ExtensionDescriptor } from '../framework/descriptor';
import { pageByKey, pageLimit, pageMarker, pagedBody } from '../framework/paging';
import type { ApiRequest } from '../framework/resources';
import { HttpError, ResourceExtension, Result } from '../framework/resources';
import { isHttpError } from '../framework/middleware';
import { validate } from '../framework/validation';
import type { InstanceRecord, UserRecord } from '../models';
import { Database, timestamp } from '../models';
import {
  charsetAndCollation,
  checkHost,
  checkPassword,
  checkSchemaName,
  checkSchemaNotReserved,
  checkUserName,
  checkUserNotReserved,
  IGNORED_DATABASES,
  IGNORED_USERS,
  splitUserHost,
} from './mysql-names';

/** The instance of the route, when its database answers (404, or 422 while it is not running). */
function instanceOf(req: ApiRequest): InstanceRecord {
  return req.context.db.getRunningInstance(req.params.instance_id, req.params.tenant_id);
}

/** Runs `check`, turning the error it throws into a 400 fault prefixed with `prefix`. */
function badRequestOn<T>(prefix: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (isHttpError(error)) throw error;
    throw new HttpError(400, `${prefix}: ${(error as Error).message}`);
  }
}

const userKey = (name: string, host: string): string => `${name}@${host}`;

/** A user the API may manage (not a reserved one), or a 404 fault naming `id`. */
function findUser(instance: InstanceRecord, id: string, errorPrefix: string): UserRecord {
  const { name, host } = splitUserHost(id);
  badRequestOn(errorPrefix, () => {
    if (!name) throw new Error('User name empty.');
    checkUserNotReserved(name);
  });
  const user = instance.users.get(userKey(name, host));
  if (!user) throw new HttpError(404, `User ${id} cannot be found on the instance.`);
  return user;
}

function databaseList(names: Iterable<string>): { name: string }[] {
  return [...names].sort().map((name) => ({ name }));
}

function userView(user: UserRecord): Record<string, unknown> {
  return { name: user.name, host: user.host, databases: databaseList(user.databases) };
}

/** Trove's `SchemaController`. */
export class SchemaController {
  index(req: ApiRequest): unknown {
    const instance = instanceOf(req);
    const visible = [...instance.schemas.values()].filter((schema) => !IGNORED_DATABASES.includes(schema.name));
    const { page, next } = pageByKey(visible, (schema) => schema.name, pageLimit(req), pageMarker(req));
    return pagedBody(
      req,
      'databases',
      page.map(({ name }) => ({ name })),
      next,
    );
  }

  create(req: ApiRequest): unknown {
    validate(schemas.databasesCreate, req.body);
    const instance = instanceOf(req);
    const items = (req.body as { databases: Record<string, unknown>[] }).databases;
    const wanted = badRequestOn('Database create error', () => {
      const names = new Set<string>();
      return items.map((item) => {
        const name = checkSchemaName(item.name);
        checkSchemaNotReserved(name);
        if (names.has(name)) {
          throw new Error(
            'Two or more databases share the same name in the initial databases list. ' +
              'Please correct the names or remove the duplicate entries.',
          );
        }
        names.add(name);
        return { name, ...charsetAndCollation(item.character_set, item.collate) };
      });
    });
    const existing = wanted.find(({ name }) => instance.schemas.has(name));
    if (existing) throw new HttpError(400, `A database with the name "${existing.name}" already exists.`);
    for (const schema of wanted) instance.schemas.set(schema.name, schema);
    req.context.db.touch(instance);
    return new Result(null, 202);
  }

  /** Trove answers 501 for one database. */
  show(req: ApiRequest): unknown {
    instanceOf(req);
    throw new HttpError(501, 'Showing one database is not implemented: list them instead.');
  }

  delete(req: ApiRequest): unknown {
    const instance = instanceOf(req);
    const name = req.params.id;
    badRequestOn('Database delete error', () => {
      try {
        checkSchemaNotReserved(name);
      } catch (error) {
        throw new Error(`Cannot delete database: ${(error as Error).message}`);
      }
    });
    if (!instance.schemas.has(name)) throw new HttpError(404, `Database ${name} cannot be found on the instance.`);
    instance.schemas.delete(name);
    req.context.db.touch(instance);
    return new Result(null, 202);
  }
}

/** Trove's `UserController`. */
export class UserController {
  index(req: ApiRequest): unknown {
    const instance = instanceOf(req);
    const visible = [...instance.users.values()].filter(
      (user) => !IGNORED_USERS.includes(user.name) && user.host !== 'localhost',
    );
    const key = (user: UserRecord): string => userKey(user.name, user.host);
    const { page, next } = pageByKey(visible, key, pageLimit(req), pageMarker(req));
    return pagedBody(req, 'users', page.map(userView), next);
  }

  create(req: ApiRequest): unknown {
    validate(schemas.usersCreate, req.body);
    const instance = instanceOf(req);
    const items = (req.body as { users: Record<string, unknown>[] }).users;
    const users = badRequestOn('User create error', () => {
      const seen = new Set<string>();
      return items.map((item): UserRecord => {
        const name = checkUserName(item.name);
        const host = checkHost(item.host);
        checkUserNotReserved(name);
        if (seen.has(userKey(name, host))) {
          throw new Error(
            'Two or more users share the same name and host in the initial users list. ' +
              'Please correct the names or remove the duplicate entries.',
          );
        }
        seen.add(userKey(name, host));
        const databases = ((item.databases ?? []) as { name: unknown }[]).map((db) => checkSchemaName(db.name));
        return { name, host, password: checkPassword(item.password), databases: new Set(databases) };
      });
    });
    const existing = users.find((user) => instance.users.has(userKey(user.name, user.host)));
    if (existing) throw new HttpError(400, `A user with the name "${existing.name}" already exists.`);
    for (const user of users) instance.users.set(userKey(user.name, user.host), user);
    req.context.db.touch(instance);
    return new Result(null, 202);
  }

  show(req: ApiRequest): unknown {
    return { user: userView(findUser(instanceOf(req), req.params.id, 'User show error')) };
  }

  delete(req: ApiRequest): unknown {
    const instance = instanceOf(req);
    const user = findUser(instance, req.params.id, 'User delete error');
    instance.users.delete(userKey(user.name, user.host));
    req.context.db.touch(instance);
    return new Result(null, 202);
  }

  /** `PUT .../users/{user}`: `{"user": {"name"?, "host"?, "password"?}}` renames, moves or changes the password. */
  update(req: ApiRequest): unknown {
    validate(schemas.userUpdate, req.body);
    const instance = instanceOf(req);
    const user = findUser(instance, req.params.id, 'Error loading user');
    const changes = (req.body as { user: Record<string, unknown> }).user;
    const target = badRequestOn('User update error', () => {
      const name = changes.name ? checkUserName(changes.name) : user.name;
      const host = changes.host ? checkHost(changes.host) : user.host;
      checkUserNotReserved(name);
      if (changes.password !== undefined) checkPassword(changes.password);
      return { name, host };
    });
    const moved = target.name !== user.name || target.host !== user.host;
    if (moved && instance.users.has(userKey(target.name, target.host))) {
      throw new HttpError(400, `A user with the name "${target.name}" already exists.`);
    }
    if (typeof changes.password === 'string') user.password = changes.password;
    if (moved) {
      instance.users.delete(userKey(user.name, user.host));
      Object.assign(user, target);
      instance.users.set(userKey(user.name, user.host), user);
    }
    req.context.db.touch(instance);
    return new Result(null, 202);
  }

  /** `PUT .../users`: `{"users": [{"name", "password", "host"?}]}` changes passwords. */
  update_all(req: ApiRequest): unknown {
    validate(schemas.usersUpdateAll, req.body);
    const instance = instanceOf(req);
    const items = (req.body as { users: Record<string, unknown>[] }).users;
    const changes = items.map((item) => {
      const { name, host, password } = badRequestOn('Error loading user', () => ({
        name: checkUserName(item.name),
        host: checkHost(item.host),
        password: checkPassword(item.password),
      }));
      const user = instance.users.get(userKey(name, host));
      if (!user || IGNORED_USERS.includes(name)) {
        throw new HttpError(404, `User ${userKey(name, host)} cannot be found on the instance.`);
      }
      return { user, password };
    });
    for (const { user, password } of changes) user.password = password;
    return new Result(null, 202);
  }
}

/** Trove's `UserAccessController`: the databases a user may use. */
export class UserAccessController {
  index(req: ApiRequest): unknown {
    const user = findUser(instanceOf(req), req.params.user_id, 'Error loading user');
    return { databases: databaseList(user.databases) };
  }

  /** `PUT .../users/{user}/databases`: grants access. */
  update(req: ApiRequest): unknown {
    validate(schemas.databasesRef, req.body);
    const user = findUser(instanceOf(req), req.params.user_id, 'Error loading user');
    const names = (req.body as { databases: { name: string }[] }).databases.map(({ name }) => name);
    for (const name of names) {
      try {
        checkSchemaName(name);
        checkSchemaNotReserved(name);
      } catch {
        throw new HttpError(400, `Grant access to ${name} is not allowed`);
      }
    }
    for (const name of names) user.databases.add(name);
    return new Result(null, 202);
  }

  /** `DELETE .../users/{user}/databases/{name}`: revokes access. */
  delete(req: ApiRequest): unknown {
    const user = findUser(instanceOf(req), req.params.user_id, 'Error loading user');
    if (!user.databases.delete(req.params.id)) {
      throw new HttpError(404, `Database ${req.params.id} cannot be found on the instance.`);
    }
    return new Result(null, 202);
  }
}

/** Whether root is enabled now (Trove's `Root.load`: history, not disabled since). */
export function isRootEnabled(instance: InstanceRecord): boolean {
  const history = instance.rootHistory;
  return history !== null && !(history.deletedAt !== null && history.deletedAt > history.createdAt);
}

/** Trove's `RootController` with its `DefaultRootController`: whether root is enabled, and enabling it. */
export class RootController {
  index(req: ApiRequest): unknown {
    return { rootEnabled: isRootEnabled(instanceOf(req)) };
  }

  /** Enables root with the body's `password`, or a generated one; answers with it. */
  create(req: ApiRequest): unknown {
    const body = req.body;
    const given = typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length;
    if (body !== undefined && body !== null) validate(schemas.rootCreate, body);
    const instance = instanceOf(req);
    const password = given ? (body as { password?: string }).password : undefined;
    if (password !== undefined) badRequestOn('Root enable error', () => checkPassword(password));
    instance.rootPassword = password ?? Database.generatePassword();
    const history = instance.rootHistory;
    if (!history || (history.deletedAt !== null && history.deletedAt >= history.createdAt)) {
      const createdAt = Math.max(Date.now(), (history?.deletedAt ?? 0) + 1);
      instance.rootHistory = {
        created: timestamp(new Date(createdAt)),
        createdAt,
        user: req.context.userId,
        deletedAt: null,
      };
    }
    return new Result({ user: { name: 'root', password: instance.rootPassword } }, 200);
  }

  /** Disables root (its history stays: mgmt still shows when it was enabled). */
  delete(req: ApiRequest): unknown {
    const instance = instanceOf(req);
    if (!isRootEnabled(instance)) throw new HttpError(404, 'Root user has never been enabled on the instance.');
    instance.rootPassword = null;
    instance.rootHistory!.deletedAt = Math.max(Date.now(), instance.rootHistory!.createdAt + 1);
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
        memberActions: { update: 'PUT' },
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
