/**
 * The core API the extensions extend (Trove's `InstanceController`, the part
 * this demo needs): list instances (also with details), show one, and the
 * core instance actions `restart` and `resize` on
 * `POST /{tenant_id}/instances/{id}/action`.
 */
import { schemas } from './apischema';
import { resourceRoutes } from './framework/middleware';
import { pageByKey, pageLimit, pageMarker, pagedBody } from './framework/paging';
import type { ApiRequest } from './framework/resources';
import { HttpError, ResourceExtension, Result } from './framework/resources';
import type { Route } from './framework/router';
import { validate } from './framework/validation';
import type { InstanceRecord } from './models';
import { instanceDetailView, instanceView } from './views';

type View = (req: ApiRequest, instance: InstanceRecord) => Record<string, unknown>;

/** Trove's `InstanceController`, in memory. */
export class InstanceController {
  index(req: ApiRequest): unknown {
    return this.list(req, instanceView);
  }

  /** `GET /{tenant_id}/instances/detail`: the list, with each instance's times. */
  detail(req: ApiRequest): unknown {
    return this.list(req, instanceDetailView);
  }

  show(req: ApiRequest): unknown {
    const instance = req.context.db.getInstance(req.params.id, req.params.tenant_id);
    return { instance: instanceDetailView(req, instance) };
  }

  /** `{"restart": {}}`, `{"resize": {"volume": {"size": N}}}` or `{"resize": {"flavorRef": "ID"}}`. */
  action(req: ApiRequest): unknown {
    const body = req.body as Record<string, unknown> | undefined;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || !Object.keys(body).length) {
      throw new HttpError(400, 'Invalid request body.');
    }
    const name = Object.keys(body)[0];
    const argument = body[name];
    if (name === 'restart') validate(schemas.instanceAction.restart, body);
    else if (name === 'resize') {
      const kind = typeof argument === 'object' && argument !== null ? Object.keys(argument)[0] : undefined;
      validate(kind === 'flavorRef' ? schemas.instanceAction.resizeFlavor : schemas.instanceAction.resizeVolume, body);
    } else throw new HttpError(400, `Invalid instance action: ${name}`);
    const { db } = req.context;
    const instance = db.getInstance(req.params.id, req.params.tenant_id);
    if (instance.task) {
      throw new HttpError(
        422,
        `Instance is not currently available for an action to be performed (task status was ${instance.task.status}).`,
      );
    }
    if (name === 'restart') instance.serviceStatus = 'healthy';
    else resize(instance, argument as { volume?: { size: number | string }; flavorRef?: string | number });
    db.touch(instance);
    return new Result(null, 202);
  }

  /** One page of the tenant's instances, by id (Trove pages by id, then shows the page newest first). */
  private list(req: ApiRequest, view: View): unknown {
    const instances = req.context.db.listInstances(req.params.tenant_id);
    const { page, next } = pageByKey(instances, (instance) => instance.id, pageLimit(req), pageMarker(req));
    const newestFirst = [...page].sort((a, b) => b.created.localeCompare(a.created));
    return pagedBody(
      req,
      'instances',
      newestFirst.map((instance) => view(req, instance)),
      next,
    );
  }
}

function resize(
  instance: InstanceRecord,
  argument: { volume?: { size: number | string }; flavorRef?: string | number },
): void {
  if (argument.volume) {
    const size = Number(argument.volume.size);
    if (size <= instance.volumeSize) {
      throw new HttpError(
        400,
        `The new volume 'size' must be larger than the current volume size of '${instance.volumeSize}'.`,
      );
    }
    instance.volumeSize = size;
    return;
  }
  // A flavor is given by id or by its URL.
  const flavorId = String(argument.flavorRef).split('/').pop()!;
  if (flavorId === instance.flavorId) throw new HttpError(400, 'No change was requested in the size of the instance.');
  instance.flavorId = flavorId;
}

/** The core routes, tried after every extension route. */
export function coreRoutes(): Route[] {
  const instances = new ResourceExtension('{tenant_id}/instances', new InstanceController(), {
    collectionActions: { detail: 'GET' },
    memberActions: { action: 'POST' },
  });
  return resourceRoutes(instances, 'core');
}
