/**
 * The service's data, in memory: instances, and the databases, users and
 * root history of each (what Trove keeps in its database and asks guest
 * agents about). Each server has its own Database; handlers reach it through
 * `req.context.db`.
 */
import { randomBytes } from 'node:crypto';
import { HttpError } from './framework/resources';

export interface SchemaRecord {
  name: string;
  characterSet: string;
  collate: string;
}

export interface UserRecord {
  name: string;
  host: string;
  password: string;
  databases: Set<string>;
}

export interface InstanceRecord {
  id: string;
  name: string;
  tenantId: string;
  status: string;
  taskDescription: string;
  flavorId: string;
  datastore: { type: string; version: string };
  volumeSize: number;
  serverId: string;
  host: string;
  created: string;
  updated: string;
  region: string;
  schemas: Map<string, SchemaRecord>;
  users: Map<string, UserRecord>;
  rootEnabled: { at: string; by: string } | null;
}

/** The instances a fresh service starts with (tenant `demo`). */
export function demoInstances(): InstanceRecord[] {
  const make = (id: string, name: string, created: string, schemas: string[], users: string[]): InstanceRecord => ({
    id,
    name,
    tenantId: 'demo',
    status: 'ACTIVE',
    taskDescription: 'No tasks for the instance.',
    flavorId: '2',
    datastore: { type: 'mysql', version: '8.0.36' },
    volumeSize: 5,
    serverId: `server-${id.slice(0, 8)}`,
    host: 'compute-1',
    created,
    updated: created,
    region: 'RegionOne',
    schemas: new Map(
      schemas.map((schema) => [schema, { name: schema, characterSet: 'utf8mb4', collate: 'utf8mb4_general_ci' }]),
    ),
    users: new Map(
      users.map((user) => [`${user}@%`, { name: user, host: '%', password: 'secret', databases: new Set(schemas) }]),
    ),
    rootEnabled: null,
  });
  return [
    make('4a5c2a27-8c0e-4e4b-9f0b-6d7c1e3f2a10', 'orders-db', '2024-03-01T10:00:00', ['orders', 'audit'], ['app']),
    make('9e0d1c2b-3a4f-4b5c-8d6e-7f8091a2b3c4', 'reports-db', '2024-03-02T09:30:00', ['reports'], ['analyst']),
  ];
}

export class Database {
  private readonly instances = new Map<string, InstanceRecord>();

  /** @param seed The instances to start with. */
  constructor(seed: InstanceRecord[] = demoInstances()) {
    for (const instance of seed) this.instances.set(instance.id, instance);
  }

  /** Every instance, or those of one tenant, newest first. */
  listInstances(tenantId?: string): InstanceRecord[] {
    return [...this.instances.values()]
      .filter((instance) => tenantId === undefined || instance.tenantId === tenantId)
      .sort((a, b) => b.created.localeCompare(a.created));
  }

  /** One instance; a 404 fault when it does not exist (or belongs to another tenant). */
  getInstance(id: string, tenantId?: string): InstanceRecord {
    const instance = this.instances.get(id);
    if (!instance || (tenantId !== undefined && instance.tenantId !== tenantId)) {
      throw new HttpError(404, `Instance ${id} could not be found.`);
    }
    return instance;
  }

  /** Records a change: the instance's `updated` time. */
  touch(instance: InstanceRecord): void {
    instance.updated = new Date().toISOString().replace(/\.\d+Z$/, '');
  }

  /** A random password, as Trove generates for root and new users. */
  static generatePassword(): string {
    return randomBytes(12).toString('base64url');
  }
}
