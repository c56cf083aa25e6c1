/**
 * The service's data, in memory: instances, and the databases, users and
 * root history of each (what Trove keeps in its database and asks guest
 * agents about). Each server has its own Database; handlers reach it through
 * `req.context.db`. Tasks a real deployment runs in the background finish
 * before the request that started them is answered.
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
  /** The databases the user has been granted (MySQL keeps a grant when its database is dropped). */
  databases: Set<string>;
}

/** The guest's view of the database service: Trove's ServiceStatus descriptions. */
export type ServiceStatus = 'healthy' | 'shutdown' | 'new';

/** Trove's RootHistory: when root was enabled, by whom, and when it was disabled since. */
export interface RootHistory {
  /** As shown: `2024-03-01T10:00:00`. */
  created: string;
  /** The same time in milliseconds, to tell it from `deletedAt`. */
  createdAt: number;
  user: string;
  deletedAt: number | null;
}

export interface InstanceRecord {
  id: string;
  name: string;
  tenantId: string;
  flavorId: string;
  datastore: { type: string; version: string; versionNumber: string };
  volumeSize: number;
  volumeId: string;
  serverId: string;
  host: string;
  imageId: string;
  addresses: { address: string; type: string; network?: string }[];
  created: string;
  updated: string;
  region: string;
  serviceStatus: ServiceStatus;
  /** A task that has not finished (only a seeded, stuck one: every task the API starts finishes at once). */
  task: { status: string; description: string } | null;
  deleted: boolean;
  deletedAt: string | null;
  schemas: Map<string, SchemaRecord>;
  /** By `name@host`. */
  users: Map<string, UserRecord>;
  rootPassword: string | null;
  rootHistory: RootHistory | null;
}

/** Trove's description of an instance without a task. */
export const NO_TASK = 'No tasks for the instance.';

/** The time as Trove writes it: `2024-03-01T10:00:00`. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d+Z$/, '');
}

interface Seed {
  id: string;
  name: string;
  tenantId?: string;
  created: string;
  schemas?: string[];
  users?: string[];
  serviceStatus?: ServiceStatus;
  task?: InstanceRecord['task'];
  deletedAt?: string;
  address: string;
}

function seeded(seed: Seed): InstanceRecord {
  const schemas = seed.schemas ?? [];
  return {
    id: seed.id,
    name: seed.name,
    tenantId: seed.tenantId ?? 'demo',
    flavorId: '2',
    datastore: { type: 'mysql', version: '8.0', versionNumber: '8.0.36' },
    volumeSize: 5,
    volumeId: `c${seed.id.slice(1, 8)}-0000-4000-8000-${seed.id.slice(-12)}`,
    serverId: `e${seed.id.slice(1, 8)}-1111-4111-8111-${seed.id.slice(-12)}`,
    host: 'compute-1',
    imageId: '3e50414a-8532-4646-982c-a66fe8f0411b',
    addresses: [{ address: seed.address, type: 'private', network: '3dc8f3c2-f335-11eb-878c-00224d6b7bc1' }],
    created: seed.created,
    updated: seed.created,
    region: 'RegionOne',
    serviceStatus: seed.serviceStatus ?? 'healthy',
    task: seed.task ?? null,
    deleted: seed.deletedAt !== undefined,
    deletedAt: seed.deletedAt ?? null,
    schemas: new Map(
      schemas.map((schema) => [schema, { name: schema, characterSet: 'utf8mb4', collate: 'utf8mb4_general_ci' }]),
    ),
    users: new Map(
      (seed.users ?? []).map((user) => [
        `${user}@%`,
        { name: user, host: '%', password: 'secret', databases: new Set(schemas) },
      ]),
    ),
    rootPassword: null,
    rootHistory: null,
  };
}

/**
 * The instances a fresh service starts with: two running ones of tenant
 * `demo`, one of tenant `acme` stuck while building, and a deleted one.
 */
export function demoInstances(): InstanceRecord[] {
  return [
    seeded({
      id: '4a5c2a27-8c0e-4e4b-9f0b-6d7c1e3f2a10',
      name: 'orders-db',
      created: '2024-03-01T10:00:00',
      schemas: ['orders', 'audit'],
      users: ['app'],
      address: '10.1.0.11',
    }),
    seeded({
      id: '9e0d1c2b-3a4f-4b5c-8d6e-7f8091a2b3c4',
      name: 'reports-db',
      created: '2024-03-02T09:30:00',
      schemas: ['reports'],
      users: ['analyst'],
      address: '10.1.0.12',
    }),
    seeded({
      id: '1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9',
      name: 'billing-db',
      tenantId: 'acme',
      created: '2024-03-03T08:15:00',
      serviceStatus: 'new',
      task: { status: 'BUILD', description: 'Building the initial instance.' },
      address: '10.1.0.13',
    }),
    seeded({
      id: '7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910',
      name: 'legacy-db',
      created: '2024-02-01T12:00:00',
      serviceStatus: 'shutdown',
      deletedAt: '2024-02-20T08:00:00',
      address: '10.1.0.14',
    }),
  ];
}

/** The status the API shows (Trove's InstanceStatus): the task's, else the database service's. */
export function instanceStatus(instance: InstanceRecord): string {
  if (instance.deleted) return 'SHUTDOWN';
  if (instance.task) return instance.task.status;
  return { healthy: 'ACTIVE', shutdown: 'SHUTDOWN', new: 'BUILD' }[instance.serviceStatus];
}

/** The database service's status as the API shows it (`HEALTHY`, `SHUTDOWN`, `NEW`). */
export function serviceApiStatus(instance: InstanceRecord): string {
  return instance.serviceStatus.toUpperCase();
}

export class Database {
  private readonly instances = new Map<string, InstanceRecord>();

  /** @param seed The instances to start with. */
  constructor(seed: InstanceRecord[] = demoInstances()) {
    for (const instance of seed) this.instances.set(instance.id, instance);
  }

  /** Every instance, deleted ones included, in no particular order. */
  allInstances(): InstanceRecord[] {
    return [...this.instances.values()];
  }

  /** The instances of one tenant that are not deleted. */
  listInstances(tenantId: string): InstanceRecord[] {
    return this.allInstances().filter((instance) => instance.tenantId === tenantId && !instance.deleted);
  }

  /**
   * One instance; a 404 fault when it does not exist, is deleted (unless
   * `includeDeleted`), or belongs to another tenant than `tenantId`.
   */
  getInstance(id: string, tenantId?: string, { includeDeleted = false } = {}): InstanceRecord {
    const instance = this.instances.get(id);
    if (
      !instance ||
      (tenantId !== undefined && instance.tenantId !== tenantId) ||
      (instance.deleted && !includeDeleted)
    ) {
      throw new HttpError(404, `Resource ${id} cannot be found.`);
    }
    return instance;
  }

  /**
   * An instance whose database service answers (Trove's `load_and_verify`):
   * a 422 fault while it builds or is stopped.
   */
  getRunningInstance(id: string, tenantId: string): InstanceRecord {
    const instance = this.getInstance(id, tenantId);
    if (instance.serviceStatus !== 'healthy') {
      throw new HttpError(422, `Instance ${instance.id} is not ready, status: ${instance.serviceStatus}.`);
    }
    return instance;
  }

  /** Records a change: the instance's `updated` time. */
  touch(instance: InstanceRecord): void {
    instance.updated = timestamp();
  }

  /** A random password, as Trove generates for root. */
  static generatePassword(): string {
    return randomBytes(27).toString('base64url');
  }
}
