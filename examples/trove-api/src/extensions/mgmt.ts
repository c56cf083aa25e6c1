/**
 * The built-in `mgmt` extension (Trove's `trove/extensions/routes/mgmt.py`):
 * operators' views of every tenant's instances and their management actions.
 *
 *   GET  /{tenant_id}/mgmt/instances                 every instance, all tenants
 *   GET  /{tenant_id}/mgmt/instances/{id}            one instance, with server and volume
 *   GET  /{tenant_id}/mgmt/instances/{id}/root       root history
 *   GET  /{tenant_id}/mgmt/instances/{id}/diagnostics
 *   POST /{tenant_id}/mgmt/instances/{id}/action     {"reboot": {}}, {"stop": {}},
 *                                                    {"reset-task-status": {}}, {"migrate": {"host": "h"}}
 */
import { ExtensionDescriptor } from '../framework/descriptor';
import type { ApiRequest } from '../framework/resources';
import { faults, ResourceExtension, Result } from '../framework/resources';
import type { InstanceRecord } from '../models';
import { mgmtInstanceDetailView, mgmtInstanceView } from '../views';

type MgmtAction = (instance: InstanceRecord, argument: Record<string, unknown>) => void;

const ACTIONS: Record<string, MgmtAction> = {
  reboot: (instance) => {
    instance.status = 'REBOOT';
    instance.taskDescription = 'Rebooting the instance.';
  },
  stop: (instance) => {
    instance.status = 'SHUTDOWN';
    instance.taskDescription = 'Stopping the database.';
  },
  'reset-task-status': (instance) => {
    instance.status = 'ACTIVE';
    instance.taskDescription = 'No tasks for the instance.';
  },
  migrate: (instance, argument) => {
    if (argument.host !== undefined && typeof argument.host !== 'string')
      throw faults.badRequest('migrate.host must be a string.');
    instance.host = (argument.host as string | undefined) ?? `${instance.host}-migrated`;
    instance.status = 'MIGRATE';
    instance.taskDescription = `Migrating the instance to ${instance.host}.`;
  },
};

/** Trove's `MgmtInstanceController`. */
export class MgmtInstanceController {
  index(req: ApiRequest): unknown {
    if (req.query.get('deleted') === 'true') return { instances: [] };
    return { instances: req.context.db.listInstances().map((instance) => mgmtInstanceView(req, instance)) };
  }

  show(req: ApiRequest): unknown {
    return { instance: mgmtInstanceDetailView(req, req.context.db.getInstance(req.params.id)) };
  }

  root(req: ApiRequest): unknown {
    const instance = req.context.db.getInstance(req.params.id);
    return {
      root_history: {
        id: instance.id,
        enabled: instance.rootEnabled?.at ?? 'Never',
        user: instance.rootEnabled?.by ?? 'Nobody',
      },
    };
  }

  diagnostics(req: ApiRequest): unknown {
    const instance = req.context.db.getInstance(req.params.id);
    return {
      diagnostics: {
        version: instance.datastore.version,
        fdSize: 64,
        vmSize: 2_075_836,
        vmPeak: 2_075_836,
        vmRss: 412_748,
        vmHwm: 412_748,
        threads: 38,
      },
    };
  }

  action(req: ApiRequest): unknown {
    const instance = req.context.db.getInstance(req.params.id);
    const body = req.body;
    const names = typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body) : [];
    if (names.length !== 1 || !Object.hasOwn(ACTIONS, names[0])) {
      throw faults.badRequest(
        `Invalid request body: expected one of ${Object.keys(ACTIONS)
          .map((name) => `{"${name}": {}}`)
          .join(', ')}.`,
      );
    }
    const argument = (body as Record<string, unknown>)[names[0]];
    ACTIONS[names[0]](
      instance,
      typeof argument === 'object' && argument !== null ? (argument as Record<string, unknown>) : {},
    );
    req.context.db.touch(instance);
    return new Result(null, 202);
  }
}

export class Mgmt extends ExtensionDescriptor {
  getName(): string {
    return 'Mgmt';
  }

  getDescription(): string {
    return 'MGMT services such as details diagnostics';
  }

  getAlias(): string {
    return 'Mgmt';
  }

  getNamespace(): string {
    return 'http://TBD';
  }

  getUpdated(): string {
    return '2011-01-22T13:25:27-06:00';
  }

  override getResources(): ResourceExtension[] {
    return [
      new ResourceExtension('{tenant_id}/mgmt/instances', new MgmtInstanceController(), {
        memberActions: { root: 'GET', diagnostics: 'GET', action: 'POST' },
      }),
    ];
  }
}
