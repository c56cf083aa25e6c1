/**
 * The built-in `mgmt` extension (Trove's `trove/extensions/routes/mgmt.py`,
 * the instances part, and `MgmtInstanceController`): operators' views of
 * every tenant's instances and their management actions. Admin only.
 *
 *   GET  /{tenant_id}/mgmt/instances                    all tenants; ?deleted=, ?project_id=, ?include_clustered=, paged
 *   GET  /{tenant_id}/mgmt/instances/{id}               one instance, with server, volume, guest status; ?deleted=true
 *   GET  /{tenant_id}/mgmt/instances/{id}/root          root history
 *   GET  /{tenant_id}/mgmt/instances/{id}/diagnostics   the guest's diagnostics
 *   GET  /{tenant_id}/mgmt/instances/{id}/hwinfo        the guest's hardware
 *   GET  /{tenant_id}/mgmt/instances/{id}/rpc_ping      204 when the guest answers
 *   POST /{tenant_id}/mgmt/instances/{id}/action        {"stop": {}}, {"reboot": {}}, {"migrate": {"host"?}},
 *                                                       {"reset-task-status": {}}, {"rebuild": {"image_id"}}
 */
import { schemas } from '../apischema';
import { ExtensionDescriptor } from '../framework/descriptor';
import { pageLimit } from '../framework/paging';
import type { ApiRequest } from '../framework/resources';
import { HttpError, ResourceExtension, Result } from '../framework/resources';
import { validate } from '../framework/validation';
import type { InstanceRecord } from '../models';
import { mgmtInstanceDetailView, mgmtInstanceView } from '../views';

type MgmtAction = (instance: InstanceRecord, argument: Record<string, unknown>) => void;

/** What each action does; every one finishes before the 202 is sent. */
const ACTIONS: Record<string, MgmtAction> = {
  stop: (instance) => {
    instance.serviceStatus = 'shutdown';
  },
  reboot: (instance) => {
    instance.serviceStatus = 'healthy';
  },
  migrate: (instance, argument) => {
    instance.host = typeof argument.host === 'string' && argument.host ? argument.host : `${instance.host}-migrated`;
    instance.serviceStatus = 'healthy';
  },
  'reset-task-status': (instance) => {
    instance.task = null;
  },
  rebuild: (instance, argument) => {
    instance.imageId = argument.image_id as string;
    instance.serviceStatus = 'healthy';
  },
};

/** `?deleted=` as Trove reads it: `true` or `false` in any case, anything else means both. */
function deletedFilter(req: ApiRequest): boolean | null {
  const value = (req.query.get('deleted') ?? '').toLowerCase();
  return value === 'true' ? true : value === 'false' ? false : null;
}

function requireAdmin(req: ApiRequest): void {
  if (!req.context.isAdmin) throw new HttpError(401, 'User does not have admin privileges.');
}

/** Trove's `MgmtInstanceController`. */
export class MgmtInstanceController {
  /** Every tenant's instances, newest change first, paged by offset (`marker` is a number, as in Trove). */
  index(req: ApiRequest): unknown {
    requireAdmin(req);
    const deleted = deletedFilter(req);
    const projectId = req.query.get('project_id');
    const rawMarker = req.query.get('marker') ?? '';
    if (rawMarker !== '' && !/^\d{1,9}$/.test(rawMarker)) {
      throw new HttpError(400, `Invalid marker ${JSON.stringify(rawMarker)}: expected an offset (a number).`);
    }
    const offset = Number(rawMarker || 0);
    const limit = pageLimit(req, { capped: false });
    const matching = req.context.db
      .allInstances()
      .filter((instance) => deleted === null || instance.deleted === deleted)
      .filter((instance) => !projectId || instance.tenantId === projectId)
      .sort((a, b) => b.updated.localeCompare(a.updated));
    const page = matching.slice(offset, offset + limit);
    const instances = [...page]
      .sort((a, b) => b.created.localeCompare(a.created))
      .map((instance) => mgmtInstanceView(req, instance));
    // As Trove: a full page has a next link, even when nothing follows it.
    if (page.length < limit) return { instances };
    const url = new URL(req.context.url);
    url.searchParams.set('marker', String(offset + limit));
    return { instances, links: [{ rel: 'next', href: url.toString() }] };
  }

  show(req: ApiRequest): unknown {
    requireAdmin(req);
    const includeDeleted = (req.query.get('deleted') ?? '').toLowerCase() === 'true';
    return {
      instance: mgmtInstanceDetailView(req, req.context.db.getInstance(req.params.id, undefined, { includeDeleted })),
    };
  }

  root(req: ApiRequest): unknown {
    requireAdmin(req);
    const instance = req.context.db.getInstance(req.params.id);
    const history = instance.rootHistory;
    return {
      root_history: { id: instance.id, enabled: history?.created ?? 'Never', user: history?.user ?? 'Nobody' },
    };
  }

  diagnostics(req: ApiRequest): unknown {
    requireAdmin(req);
    const instance = req.context.db.getInstance(req.params.id);
    return {
      diagnostics: {
        version: instance.datastore.versionNumber,
        threads: 38,
        fdSize: 64,
        vmSize: 2_075_836,
        vmPeak: 2_075_836,
        vmRss: 412_748,
        vmHwm: 412_748,
      },
    };
  }

  hwinfo(req: ApiRequest): unknown {
    requireAdmin(req);
    req.context.db.getInstance(req.params.id);
    return { hwinfo: { mem_total: 4_039_432, num_cpus: 2 } };
  }

  rpc_ping(req: ApiRequest): unknown {
    requireAdmin(req);
    req.context.db.getInstance(req.params.id);
    return new Result(null, 204);
  }

  /** One action per request, as Trove's `action`: unknown keys and several actions are 400 faults. */
  action(req: ApiRequest): unknown {
    requireAdmin(req);
    const body = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || !Object.keys(body).length) {
      throw new HttpError(400, 'Invalid request body.');
    }
    const instance = req.context.db.getInstance(req.params.id);
    let selected: string | null = null;
    for (const key of Object.keys(body)) {
      if (!Object.hasOwn(ACTIONS, key)) throw new HttpError(400, `Invalid instance action: ${key}`);
      if (selected !== null) throw new HttpError(400, 'Only one action can be specified per request.');
      selected = key;
    }
    validate(schemas.mgmtInstanceAction[selected!], body);
    ACTIONS[selected!](instance, (body as Record<string, Record<string, unknown>>)[selected!]);
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
        memberActions: { root: 'GET', diagnostics: 'GET', hwinfo: 'GET', rpc_ping: 'GET', action: 'POST' },
      }),
    ];
  }
}
