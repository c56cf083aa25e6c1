/**
 * The core API the extensions extend (Trove's `trove/common/api.py`, the part
 * this demo needs): list and show instances, and the core instance actions
 * `restart` and `resize` on `POST /{tenant_id}/instances/{id}/action`.
 */
import type { ApiRequest } from './framework/resources';
import { faults, ResourceExtension, Result } from './framework/resources';
import { resourceRoutes } from './framework/middleware';
import type { Route } from './framework/router';
import { instanceDetailView, instanceView } from './views';

/** Trove's `InstanceController`, in memory. */
export class InstanceController {
  index(req: ApiRequest): unknown {
    const instances = req.context.db.listInstances(req.params.tenant_id);
    return { instances: instances.map((instance) => instanceView(req, instance)) };
  }

  show(req: ApiRequest): unknown {
    const instance = req.context.db.getInstance(req.params.id, req.params.tenant_id);
    return { instance: instanceDetailView(req, instance) };
  }

  /** `{"restart": {}}` or `{"resize": {"volume": {"size": N}}}` / `{"resize": {"flavorRef": "ID"}}`. */
  action(req: ApiRequest): unknown {
    const { db } = req.context;
    const instance = db.getInstance(req.params.id, req.params.tenant_id);
    const body = req.body as Record<string, unknown> | undefined;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length !== 1) {
      throw faults.badRequest('Invalid request body: expected one action, e.g. {"restart": {}}.');
    }
    if ('restart' in body) {
      instance.status = 'REBOOT';
      instance.taskDescription = 'Restarting the database on the instance.';
    } else if ('resize' in body) {
      const resize = (body.resize ?? {}) as { volume?: { size?: unknown }; flavorRef?: unknown };
      if (typeof resize.volume?.size === 'number' && resize.volume.size > instance.volumeSize) {
        instance.volumeSize = resize.volume.size;
      } else if (typeof resize.flavorRef === 'string' || typeof resize.flavorRef === 'number') {
        instance.flavorId = String(resize.flavorRef);
      } else {
        throw faults.badRequest(
          'Invalid resize: give {"volume": {"size": <larger size in GB>}} or {"flavorRef": "<flavor id>"}.',
        );
      }
      instance.status = 'RESIZE';
    } else {
      throw faults.badRequest(`Invalid instance action: ${Object.keys(body)[0]}.`);
    }
    db.touch(instance);
    return new Result(null, 202);
  }
}

/** The core routes, tried after every extension route. */
export function coreRoutes(): Route[] {
  const instances = new ResourceExtension('{tenant_id}/instances', new InstanceController(), {
    memberActions: { action: 'POST' },
  });
  return resourceRoutes(instances, 'core');
}
